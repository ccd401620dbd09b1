"""From compared cases to mistake codes.

Rules (a false accusation is worse than a missing diagnosis):

* a fingerprint variant is *evidence* on a failing case when the student's
  output equals the variant's output there, the variant changes the answer
  there (it differs from the reference), and no variant of another code also
  matches (otherwise the case is ambiguous);
* a variant is *contradicted* by any case the student gets right on which the
  variant would have changed the answer;
* a code is named when one of its variants has evidence and no
  contradiction.  Structural codes (stub, shapes, dtype, mutated or ignored
  inputs, loose numerics) are decided from the outcomes directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .catalogue import CATALOGUE
from .compare import LOOSE_TOL, PASS_TOL, active, matches, rel_err

__all__ = ["Diagnosis", "diagnose", "variant_hits"]


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


def variant_hits(checker, rec, variants) -> list:
    """Variants whose output the student's output equals on ``rec`` (where they are active)."""
    if not rec.value_failing:
        return []
    dtype = rec.case.spec.dtype
    hits = []
    for v in variants:
        m = rec.mutation(v)
        if m is None:
            continue
        m = checker.prepare({k: np.asarray(a) for k, a in m.items()})
        if active(m, rec.expected, dtype, checker.exact) and matches(
            rec.got, m, dtype, checker.exact
        ):
            hits.append(v)
    return hits


def _changes_answer(checker, v, rec) -> bool:
    """Mutation ``v`` gives a different answer from the reference on ``rec``'s case."""
    m = rec.mutation(v)
    if m is None:
        return False
    m = checker.prepare({k: np.asarray(a) for k, a in m.items()})
    return active(m, rec.expected, rec.case.spec.dtype, checker.exact)


def _contradicted(checker, v, records) -> bool:
    """The student passes a case where ``v`` would have changed the answer."""
    return any(rec.value_passing and _changes_answer(checker, v, rec) for rec in records)


def _consistent(checker, v, records) -> bool:
    """The student matches ``v`` on every failing case where ``v`` changes the answer."""
    return not any(
        rec.value_failing and v not in rec.hits and _changes_answer(checker, v, rec)
        for rec in records
    )


def _smallest(records):
    return min(records, key=lambda r: (r.case.spec.size, r.case.index)) if records else None


def diagnose(checker, records, stage) -> Diagnosis:
    """Name the mistakes shown by ``records`` (see the module docstring)."""
    d = Diagnosis()
    found: dict[str, str] = {}

    stubs = [r for r in records if r.outcome.not_implemented]
    if stubs:
        r = stubs[0]
        how = "returns None" if r.outcome.status == "none" else "raises NotImplementedError"
        found["not-implemented"] = (
            f"Your {r.outcome.stage or checker.title} {how} on {len(stubs)} of "
            f"{len(records)} cases."
        )
    bad = [r for r in records if r.outcome.status == "bad-return"]
    if bad:
        found["bad-return"] = bad[0].outcome.error_message + "."
    # a mistake named from error messages must explain two crashes (or the only one):
    # one message whose shapes happen to fit is a coincidence, not a diagnosis
    crashed = [r for r in records if r.outcome.status == "error" and not r.outcome.not_implemented]
    from_errors: dict[str, list[str]] = {}
    for r in crashed:
        hit = checker.exception_code(r)
        if hit is not None:
            from_errors.setdefault(hit[0], []).append(hit[1])
    for code, evidence in from_errors.items():
        if len(evidence) >= 2 or len(crashed) == 1:
            found.setdefault(code, evidence[0])

    # fingerprints
    variants = checker.variants(stage)
    evidence: dict = {}
    for r in records:
        r.hits = variant_hits(checker, r, variants)
        if len({v.code for v in r.hits}) == 1:
            for v in r.hits:
                evidence.setdefault((v.code, v.evidence), (v, []))[1].append(r)
    named: dict[str, list] = {}
    for v, recs in evidence.values():
        if not _contradicted(checker, v, records) and _consistent(checker, v, records):
            named.setdefault(v.code, []).append((v, recs))
    for code, pairs in named.items():
        v, recs = pairs[0]
        found[code] = v.evidence
        d.named_variants[code] = [p[0] for p in pairs]
    explained = {id(r) for r in records if any(v.code in named for v in r.hits)}
    d.possible = sorted(
        {v.code for r in records for v in r.hits} - set(named),
        key=list(CATALOGUE).index,
    )

    # structural codes
    _ignored_input(checker, records, found)
    mutated = [r for r in records if r.outcome.status == "ok" and r.outcome.mutated]
    if mutated:
        r = mutated[0]
        names = ", ".join(r.outcome.mutated)
        found["mutates-input"] = (
            f"After the call, your function's argument {names} no longer held what was "
            f"passed in ({len(mutated)} of {len(records)} cases)."
        )
    dtype_bad = [r for r in records if r.outcome.status == "ok" and not r.dtype_ok]
    if dtype_bad:
        r = dtype_bad[0]
        found["dtype-changed"] = f"On {r.case.spec.describe(checker.describe_as)}: {r.detail}."
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
    shape_bad = [
        r for r in records if r.outcome.status == "ok" and not r.shape_ok and id(r) not in explained
    ]
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
        hint = _column_hint(checker, r)
        if hint:
            d.hints["wrong-shape"] = hint

    if "ignores-input" in found:  # a function that ignores its input explains the rest
        for code in ("wrong-shape", "numerically-loose", "dtype-changed"):
            found.pop(code, None)
    d.codes = [c for c in CATALOGUE if c in found]
    d.evidence = found

    # the case the message shows
    failing = [r for r in records if not r.passed]
    fp_codes = [c for c in d.codes if c in named]
    if fp_codes:
        code = fp_codes[0]
        recs = [r for pair in named[code] for r in pair[1]]
        d.focus, d.focus_code = _smallest(recs), code
    else:
        d.focus = _smallest(failing)
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


def _ignored_input(checker, records, found) -> None:
    ok = {r.case.index: r for r in records if r.outcome.status == "ok"}
    exact = checker.exact

    def same(a: dict, b: dict, tol: float) -> bool:
        for name in checker.outputs:
            x, y = a.get(name), b.get(name)
            if x is None or y is None or x.shape != y.shape:
                return False
            if x.size == 0:
                return False  # two empty outputs say nothing about the input
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
