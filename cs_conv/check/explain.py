"""Which catalogue mistake explains every failing case: the variants judged case by case.

A *variant* (:class:`cs_conv.check.mutations.Variant`) is one way a mistake can
show: the reference with that mistake injected, computed leniently the way a
student's code would run, or None where that code would crash.  On each case
a variant is judged against what the student's function did:

==============  =================================================================
student         the variant ...
==============  =================================================================
passes          is *contradicted* if it changes the answer there or predicts a crash
wrong values    *explains* the case if the student's output equals its output
crashes         *explains* the case if it predicts a crash there and either the
                error message supports its code (:mod:`cs_conv.check.exceptions`)
                or it explains some wrong values exactly
==============  =================================================================

A code is named when some variant of it explains *every* failing case, is
contradicted by no passing case, and no variant of another code does the same
with as much evidence (equal outputs and crashes whose message the variant
predicted exactly count; a crash that a generic rule only allows does not).
Two codes that explain the cases equally are not told apart: neither is named,
both are listed as possible.  A wrong name is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .compare import active, matches
from .mutations import Crash

__all__ = ["Explanation", "explain", "kind_of", "variant_hits"]


def kind_of(rec) -> str:
    """``"pass"``, ``"value"`` (wrong output), ``"crash"``, ``"refusal"`` or ``"other"``."""
    o = rec.outcome
    if rec.case.refusal:
        return "refusal"
    if o.status == "ok":
        return "pass" if rec.values_ok else "value"
    if o.status == "error" and not o.not_implemented:
        return "crash"
    return "other"


def _mutation(checker, v, rec):
    m = rec.mutation(v)
    if m is None or isinstance(m, Crash):
        return None
    return checker.prepare({k: np.asarray(a) for k, a in m.items()})


def _match_kind(checker, v, rec) -> str:
    """``"strong"`` when the student's output equals the variant's and the variant
    changes the answer clearly, ``"weak"`` when it equals a variant that barely
    changes it (explained, but no evidence), else ``""``."""
    m = _mutation(checker, v, rec)
    if m is None:
        return ""
    dtype = rec.case.spec.dtype
    if not matches(rec.got, m, dtype, checker.exact):
        return ""
    return "strong" if active(m, rec.expected, dtype, checker.exact) else "weak"


def _matches(checker, v, rec) -> bool:
    return _match_kind(checker, v, rec) == "strong"


def _predicts_crash(m) -> bool:
    """None, or outputs with no values at all (a count of no windows, which code
    written one way returns as an empty array and another way crashes on)."""
    return m is None or (isinstance(m, dict) and all(np.asarray(a).size == 0 for a in m.values()))


def variant_hits(checker, rec, variants) -> list:
    """The variants whose output the student's wrong output equals on ``rec``."""
    if kind_of(rec) != "value":
        return []
    return [v for v in variants if _matches(checker, v, rec)]


def _contradicts(checker, v, rec) -> bool:
    m = _mutation(checker, v, rec)
    if m is None:
        return True  # the mistake would have crashed here; the student's code did not
    return active(m, rec.expected, rec.case.spec.dtype, checker.exact)


@dataclass
class Explanation:
    """What the variants say about a set of records.

    Attributes
    ----------
    named : dict
        Code -> list of ``(variant, records it explains)`` for the one code named
        (empty when none, or when several codes explain the cases equally).
    possible : list of str
        Codes that explain some failing cases but not all, or that tie.
    """

    named: dict = field(default_factory=dict)
    possible: list = field(default_factory=list)


def _explains_all(checker, v, failing, support) -> tuple[bool, list, list, list]:
    """``(every failing case explained, value records, crash records, value records
    matched before the first miss)`` for variant ``v`` (smallest cases first).

    The crash records that come first in the list are those whose message the
    variant predicted exactly (signed); they count as evidence, like values.
    """
    values, weak, crashes, signed = [], [], [], []
    for rec, kind in failing:
        if kind == "value":
            how = _match_kind(checker, v, rec)
            if not how:
                return False, [], [], values
            (values if how == "strong" else weak).append(rec)
            continue
        m = rec.mutation(v)
        if _predicts_crash(m):  # a crash predicted where the student crashed
            crashes.append(rec)
        elif isinstance(m, Crash) and m.says in rec.outcome.error_message:
            crashes.append(rec)
            signed.append(rec)
        else:
            return False, [], [], values
    ids = {id(r) for r in signed}
    if not values:  # crashes only: every message must point at this code
        if not crashes or not all(v.code in support[id(r)] or id(r) in ids for r in crashes):
            return False, [], [], []
        if len(crashes) < 2 and len(failing) > 1:
            return False, [], [], []
    crashes = signed + [r for r in crashes if id(r) not in ids]
    return True, values + weak, crashes, values


def explain(checker, records, variants, support) -> Explanation:
    """Judge ``variants`` on ``records`` (see the module docstring).

    Parameters
    ----------
    checker : Checker
    records : list of Record
        The cases (refusal cases are ignored).
    variants : list of Variant
    support : dict
        ``id(record) -> set of codes`` its error message supports (crashes only).
    """
    kinds = [(r, kind_of(r)) for r in records]
    failing = [(r, k) for r, k in kinds if k in ("value", "crash")]
    failing.sort(key=lambda rk: (rk[0].case.spec.size, rk[0].case.index))
    passing = [r for r, k in kinds if k == "pass"]
    exp = Explanation()
    if not failing:
        return exp
    for r, _ in failing:
        r.hits = []
    full: dict[str, list] = {}
    strength: dict[str, int] = {}
    partial: set = set()
    for v in variants:
        ok, values, crashes, matched = _explains_all(checker, v, failing, support)
        for r in matched:
            r.hits.append(v)
        if matched:
            partial.add(v.code)
        if not ok or any(_contradicts(checker, v, r) for r in passing):
            continue
        evidence = sum(_matches(checker, v, r) for r in values)
        evidence += sum(isinstance(r.mutation(v), Crash) for r in crashes)
        full.setdefault(v.code, []).append((evidence, v, values + crashes))
        strength[v.code] = max(strength.get(v.code, 0), evidence)
    order = [v.code for v in variants]
    best = max(strength.values(), default=0)
    strongest = [code for code, n in strength.items() if n == best]
    if len(strongest) == 1:  # a tie between codes names neither
        ranked = sorted(full[strongest[0]], key=lambda t: -t[0])  # the best evidence first
        exp.named = {strongest[0]: [(v, recs) for _, v, recs in ranked]}
    partial |= set(full)
    exp.possible = sorted(partial - set(exp.named), key=order.index)
    return exp
