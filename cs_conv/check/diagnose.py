"""From compared cases to mistake codes (a false accusation is worse than a missing one).

In order of strength:

1. *Outcomes*: a stub (``not-implemented``), a return value that is not the
   documented outputs (``bad-return``), a refusal case accepted
   (``no-validation``), a large probe that ran more Python lines than the small
   one (``python-loops``).
2. *Variants* (:mod:`cs_conv.check.explain`): one mistake's mutation of the
   reference explains every failing case (equal outputs, or a crash where it
   predicts one and the message agrees) and no passing case contradicts it.
3. *Reads*: the function reads a module-level array instead of its argument
   (``ignores-input``, even when the read crashes); so does a twin case (same
   shapes, another input) with the same output.
4. *Behaviour* (:mod:`cs_conv.check.behaviour`): right on exactly one family of
   cases (stride 1 only, square filters only, ...) where the family means one
   code for this checker.
5. *Structure*: ``mutates-input``, a wrong dtype, ``numerically-loose``, a
   shape no named code explains (``wrong-shape``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .behaviour import hint, name_by_behaviour
from .catalogue import CATALOGUE
from .compare import LOOSE_TOL, PASS_TOL, rel_err
from .exceptions import crash_support
from .explain import explain, kind_of

__all__ = ["Diagnosis", "diagnose"]


@dataclass
class Diagnosis:
    """Codes, the evidence for each, and the case the message should show."""

    codes: list = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    focus: object = None
    focus_code: str | None = None
    named_variants: dict = field(default_factory=dict)
    possible: list = field(default_factory=list)
    hints: dict = field(default_factory=dict)
    behaviour: str = ""


def _smallest(records):
    return min(records, key=lambda r: (r.case.spec.size, r.case.index)) if records else None


def _outcome_codes(checker, records, found) -> None:
    stubs = [r for r in records if r.outcome.not_implemented and not r.case.refusal]
    if stubs:
        r = stubs[0]
        how = "returns None" if r.outcome.status == "none" else "raises NotImplementedError"
        found["not-implemented"] = (
            f"Your {r.outcome.stage or checker.title} {how} on {len(stubs)} of "
            f"{len(records)} cases."
        )
    bad = [r for r in records if r.outcome.status == "bad-return" and not r.case.refusal]
    if bad:
        found["bad-return"] = bad[0].outcome.error_message + "."
    refused = [r for r in records if r.case.refusal]
    accepted = [r for r in refused if not r.passed]
    if accepted and not stubs:
        r = accepted[0]
        found["no-validation"] = (
            f"{len(accepted)} of the {len(refused)} cases it must refuse did not raise "
            f"ValueError: on {r.case.spec.describe(checker.describe_as)}, {r.detail}."
        )
    loops = [r for r in records if r.loops is not None]
    if loops:
        (a, b), big = loops[0].loops, loops[0].case.spec
        small = next(r.case.spec for r in records if r.case.probe == "small")
        found["python-loops"] = (
            f"Your code ran {a} Python lines on a probe case with {small.N} image and "
            f"{small.H_out}x{small.W_out} output positions, and {b} on one with {big.N} images "
            f"and {big.H_out}x{big.W_out} (the same channels, filter, stride and pad): it "
            "loops in Python over images, windows or output positions."
        )


def _refusals_explained(checker, records, d, found) -> None:
    """Drop ``no-validation`` when the named mistake itself makes the function accept the
    inputs it must refuse (a tiling check made with HH for WW): one cause, one name."""
    if "no-validation" not in found or not d.named_variants:
        return
    from .compare import matches

    accepted = [r for r in records if r.case.refusal and not r.passed]

    def same(v, r) -> bool:
        m = r.mutation(v) if r.outcome.status == "ok" else None
        got = checker.prepare(dict(r.outcome.outputs))
        return isinstance(m, dict) and matches(got, m, "float64", checker.exact)

    for code, variants in d.named_variants.items():
        for v in variants:
            if accepted and all(same(v, r) for r in accepted):
                del found["no-validation"]
                found[code] += (
                    f" It is also why your function accepts {len(accepted)} input(s) it must "
                    "refuse: its checks use the same wrong sizes."
                )
                return


def _reads(records) -> list[str]:
    seen: dict = {}
    for r in records:
        for name in r.outcome.reads:
            seen.setdefault(name, None)
    return list(seen)


def _structural(checker, records, found, explained, d) -> None:
    mutated = [r for r in records if r.outcome.status == "ok" and r.outcome.mutated]
    if mutated:
        r = mutated[0]
        names = ", ".join(r.outcome.mutated)
        found["mutates-input"] = (
            f"After the call, your function's argument {names} no longer held what was "
            f"passed in ({len(mutated)} of {len(records)} cases)."
        )
    dtype_bad = [
        r
        for r in records
        if r.outcome.status == "ok" and not r.dtype_ok and not r.case.refusal and r.got
    ]
    if dtype_bad:
        r = dtype_bad[0]
        code = checker.dtype_code(r)
        found.setdefault(code, f"On {r.case.spec.describe(checker.describe_as)}: {r.detail}.")
    loose = [
        r
        for r in records
        if r.value_failing
        and r.shape_ok
        and id(r) not in explained
        and r.case.spec.dtype == "float64"
        and r.err is not None
        and PASS_TOL["float64"] < r.err <= LOOSE_TOL
    ]
    if loose:
        worst = max(r.err for r in loose)
        found["numerically-loose"] = (
            f"Your float64 results are off by up to {worst:.1e} (relative): right to "
            "float32 precision, but float64 results should agree to about 1e-15."
        )
    shape_bad = [r for r in records if r.value_failing and not r.shape_ok]
    shape_bad = [r for r in shape_bad if id(r) not in explained]
    if shape_bad:
        from .compare import differing_axes

        r = _smallest(shape_bad)
        parts = []
        for name in checker.outputs:
            g, e = r.got.get(name), r.expected[name]
            if g is None:
                parts.append(f"{name} is missing")
            elif g.shape != e.shape:
                axes = differing_axes(e.shape, g.shape, checker.axis_names.get(name, ()))
                parts.append(f"{name}: expected shape {e.shape}, got {g.shape} ({axes})")
        found["wrong-shape"] = "; ".join(parts) + "."
        column = _column_hint(checker, r)
        if column:
            d.hints["wrong-shape"] = column


def _crash_words(crashes, support, code) -> str:
    """What the crashes say for ``code``: the words of a rule that reads them, or (for
    crashes a variant predicted to the message, which no rule reads) the first error."""
    for r in crashes:
        if code in support[id(r)]:
            return support[id(r)][code]
    o = crashes[0].outcome
    return (
        f"Your {o.stage} raised `{o.error_type}: {o.error_message}`, the error this "
        "mistake gives on these sizes."
    )


def _named_by_variants(checker, regular, stage, d, found) -> dict:
    """Codes named from the variants, or else from behaviour; ``{code: [records]}``."""
    own = getattr(checker, "exception_code", None)
    support = {id(r): crash_support(r, own) for r in regular if kind_of(r) == "crash"}
    exp = explain(checker, regular, checker.variants(stage), support)
    d.possible = exp.possible
    named = {}
    for code, pairs in exp.named.items():
        v, recs = pairs[0]
        crashes = [r for r in recs if kind_of(r) == "crash"]
        evidence = v.evidence
        if crashes and not any(kind_of(r) == "value" for r in recs):
            evidence = f"{_crash_words(crashes, support, code)} {v.evidence}"
        found[code] = evidence
        d.named_variants[code] = [p[0] for p in pairs]
        named[code] = [r for pair in pairs for r in pair[1]]
    if not named:
        by_family = name_by_behaviour(checker, regular)
        if by_family is not None:
            code, evidence = by_family
            found[code] = evidence
            named[code] = [r for r in regular if kind_of(r) in ("value", "crash")]
    return named


def diagnose(checker, records, stage) -> Diagnosis:
    """Name the mistakes shown by ``records`` (see the module docstring)."""
    d = Diagnosis()
    found: dict[str, str] = {}
    _outcome_codes(checker, records, found)
    regular = [r for r in records if not r.case.refusal]
    named = _named_by_variants(checker, regular, stage, d, found)
    _refusals_explained(checker, records, d, found)
    failing = [r for r in regular if kind_of(r) in ("value", "crash")]
    reads = _reads(regular)
    if reads and failing and not named:
        found["ignores-input"] = (
            f"Your function reads the module-level array {', '.join(reads)} instead of "
            "(or besides) its arguments; the cases fail wherever that array is not the "
            "input it was given."
        )
        named["ignores-input"] = failing
    if "ignores-input" not in found:
        _twins(checker, records, found)
    explained = {id(r) for recs in named.values() for r in recs}
    _structural(checker, regular, found, explained, d)
    if "ignores-input" in found:  # a function that ignores its input explains the rest
        for code in ("wrong-shape", "numerically-loose", "dtype-changed"):
            found.pop(code, None)
    d.codes = [c for c in CATALOGUE if c in found]
    d.evidence = found
    d.behaviour = hint(regular, checker)

    # the case the message shows
    fp_codes = [c for c in d.codes if c in d.named_variants]
    if fp_codes:
        code = fp_codes[0]
        d.focus, d.focus_code = _smallest(named[code]), code
    else:
        d.focus = _smallest([r for r in records if not r.passed])
    return d


def _column_hint(checker, rec) -> str | None:
    """A concrete fix when an (F,) output came back as a (F, 1) column or a (1, F) row.

    The code stays ``wrong-shape``: the values are right, only an extra axis of
    length 1 is wrong (``bias-wrong-axis`` is a bias broadcast along the wrong
    axis, ``db-wrong-axes`` a sum over the wrong axes).
    """
    for name in checker.outputs:
        g, e = rec.got.get(name), rec.expected[name]
        if g is None or e.ndim != 1 or g.shape not in ((e.size, 1), (1, e.size)):
            continue
        got = "a (F, 1) column" if g.shape == (e.size, 1) else "a (1, F) row"
        return (
            f"{name} must be (F,): {got} (from keepdims=True or reshape(F, 1)) is the "
            f"classic CS231n mistake; return {name}.reshape(F)."
        )
    return None


def _twins(checker, records, found) -> None:
    ok = {r.case.index: r for r in records if r.outcome.status == "ok" and not r.case.refusal}
    exact = checker.exact

    def flat(a: dict) -> bool:  # empty or constant outputs say nothing about the input
        return all(v.size == 0 or np.all(v == v.flat[0]) for v in a.values())

    def same(a: dict, b: dict, tol: float) -> bool:
        if flat(a):
            return False
        for name in checker.outputs:
            x, y = a.get(name), b.get(name)
            if x is None or y is None or x.shape != y.shape:
                return False
            if exact:
                if not np.array_equal(x, y):
                    return False
            elif rel_err(x, y) > tol:
                return False
        return True

    if checker.twins:
        for r in records:
            t = r.case.twin_of
            if t is None or r.case.index not in ok or t not in ok:
                continue
            base = ok[t]
            if same(base.got, r.got, 1e-12) and not same(base.expected, r.expected, 1e-6):
                found["ignores-input"] = (
                    f"Two cases that differ only in {checker.primary} "
                    f"({r.case.spec.describe(checker.describe_as)}) gave identical outputs: "
                    f"your function does not use its argument {checker.primary}."
                )
                return
        return
    rs = list(ok.values())
    if (
        len(rs) >= 3
        and all(same(rs[0].got, r.got, 1e-12) for r in rs[1:])
        and not all(same(rs[0].expected, r.expected, 1e-12) for r in rs[1:])
    ):
        found["ignores-input"] = (
            f"Your function returned the same answer for all {len(rs)} cases, whose "
            "right answers differ: it does not use its arguments."
        )
