"""The corpus of student functions, and how each is checked (used by the tests, by
``python -m tests.check.corpus`` for a summary by style, and by
``python -m tests.check.corpus --latency`` for how long each check takes)."""

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


def latency(key: str = "visible", repeats: int = 3) -> dict:
    """How long a check takes as a notebook calls it (shrinking on): ``{(checker, passed):
    [seconds, ...]}``, the best of ``repeats`` calls for every corpus entry."""
    import time

    times: dict = defaultdict(list)
    for entry in MUTANTS + VALID:
        checker = CHECKERS[entry.checker]
        best, passed = float("inf"), None
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = checker.check(funcs_of(entry), key=key, stage=stage_of(entry), shrink=True)
            best = min(best, time.perf_counter() - t0)
            passed = result.passed
        times[(entry.checker, passed)].append(best)
    return times


def _print_latency():
    import statistics

    rows = sorted(latency().items())
    print(f"{'checker':<22} {'verdict':<8} {'n':>4} {'median':>8} {'max':>8}")
    for (name, passed), secs in rows:
        med, worst = statistics.median(secs), max(secs)
        print(f"{name:<22} {'pass' if passed else 'fail':<8} {len(secs):>4} "
              f"{1e3 * med:6.0f}ms {1e3 * worst:6.0f}ms")  # fmt: skip
    for passed, goal in ((True, 0.3), (False, 1.0)):
        worst = max(max(v) for (_, p), v in rows if p == passed)
        print(f"slowest {'passing' if passed else 'failing'} check: {1e3 * worst:.0f} ms "
              f"(goal < {1e3 * goal:.0f} ms)")  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    # python -m tests.check.corpus [KEY ...]: verdicts by style;  --latency: check times
    if sys.argv[1:] == ["--latency"]:
        _print_latency()
        sys.exit()
    keys = sys.argv[1:] or ["corpus"]
    for style, counts in sorted(summary(keys).items()):
        print(style, dict(counts))
