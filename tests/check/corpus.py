"""The corpus of student functions, and how each is checked (used by the tests and
by ``python -m tests.check.corpus`` for a summary by style)."""

from __future__ import annotations

import sys
from collections import defaultdict

from cs_conv.check import CHECKERS

from .mutants import (
    STAGE,
    blind2_mutants,
    blind_mutants,
    col2im_mutants,
    im2col_mutants,
    layer_mutants,
    loops_mutants,
    naive_mutants,
    shape_mutants,
)

MODULES = (
    shape_mutants,
    naive_mutants,
    im2col_mutants,
    col2im_mutants,
    layer_mutants,
    loops_mutants,
    blind_mutants,
    blind2_mutants,
)
MUTANTS = [m for mod in MODULES for m in mod.MUTANTS]
VALID = [v for mod in MODULES for v in mod.VALID]


def stage_of(entry) -> str | None:
    """The stage at which a corpus entry is checked."""
    if not CHECKERS[entry.checker].stages:
        return None
    return entry.stage or STAGE[entry.style]


def funcs_of(entry) -> dict:
    f = entry.func
    return f if isinstance(f, dict) else {CHECKERS[entry.checker].functions[0]: f}


def check(entry, key: str, shrink: bool = False):
    """The CheckResult of one corpus entry for one key."""
    checker = CHECKERS[entry.checker]
    return checker.check(funcs_of(entry), key=key, stage=stage_of(entry), shrink=shrink)


def verdict(entry, result) -> str:
    """``named`` (exactly the expected codes), ``unnamed`` (failed, named nothing wrong but
    missed some), ``misnamed`` (named a code that is not expected), ``accused`` (a valid
    function failed), ``passed`` (a mutant passed), ``ok`` (a valid function passed)."""
    if not hasattr(entry, "codes"):
        return "ok" if result.passed else "accused"
    if result.passed:
        return "passed"
    got, want = set(result.mistakes), set(entry.codes)
    if got - want:
        return "misnamed"
    return "named" if got == want else "unnamed"


def summary(keys=("corpus",)) -> dict:
    """``{style: {verdict: count}}`` over the corpus for every key."""
    table: dict = defaultdict(lambda: defaultdict(int))
    for key in keys:
        for entry in MUTANTS + VALID:
            v = verdict(entry, check(entry, key))
            table[entry.style][v] += 1
            if v not in ("named", "ok"):
                print(
                    f"{key} {entry.checker} {getattr(entry, 'codes', 'valid')} {entry.style} "
                    f"{entry.name}: {v} {check(entry, key).mistakes}",
                    file=sys.stderr,
                )
    return table


if __name__ == "__main__":  # pragma: no cover
    keys = sys.argv[1:] or ["corpus"]
    for style, counts in sorted(summary(keys).items()):
        print(style, dict(counts))
