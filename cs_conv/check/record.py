"""One case compared: the student's outcome against the reference (the trusted side).

:func:`make_record` compares the outputs of an ordinary case; a refusal case
passes when the function raised ``ValueError``; :func:`judge_probes` fails the
large probe case of a vectorised stage whose Python work grows with the
number of output positions (``python-loops``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .cases import Case
from .compare import PASS_TOL, rel_err
from .mutations import Ctx, Variant
from .outcome import Outcome
from .special_cases import refusal_words

__all__ = ["LOOP_GROWTH", "Record", "judge_probes", "make_record"]

LOOP_GROWTH = 3
"""Python lines more in the large probe than in the small one that mean a loop over images,
windows or output positions (each runs at least 3 more times there)."""


@dataclass
class Record:
    """One case, its expected outputs, the student's outcome and the comparison.

    ``loops`` is ``(lines in the small probe, lines in the large probe)`` on the
    large probe case of a function that loops in Python over output positions.
    """

    case: Case
    arrays: dict
    expected: dict
    outcome: Outcome
    got: dict = field(default_factory=dict)
    shape_ok: bool = False
    dtype_ok: bool = True
    values_ok: bool = False
    err: float | None = None
    passed: bool = False
    detail: str = ""
    hits: list = field(default_factory=list)
    loops: tuple | None = None
    _ctx: Ctx | None = None
    _mut: dict = field(default_factory=dict)

    @property
    def ctx(self) -> Ctx:
        if self._ctx is None:
            self._ctx = Ctx(self.case, self.arrays)
        return self._ctx

    def mutation(self, v: Variant):
        """The outputs mistake ``v`` would have given on this case (memoised), or None
        where that mistake would crash."""
        key = (v.code, v.evidence)
        if key not in self._mut:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._mut[key] = v.fn(self.ctx)
            except (ValueError, IndexError):  # the mistake cannot produce an answer here
                self._mut[key] = None
        return self._mut[key]

    @property
    def value_failing(self) -> bool:
        return self.outcome.status == "ok" and not self.values_ok and not self.case.refusal


def status_detail(o: Outcome) -> str:
    """Why a case without outputs failed, in a few words."""
    if o.not_implemented:
        return "not implemented" if o.status == "none" else "raised NotImplementedError"
    if o.status == "error":
        return f"{o.stage} raised {o.error_type}"
    return o.error_message or o.status


def _refusal(case: Case, outcome: Outcome) -> Record:
    rec = Record(case, {}, {}, outcome)
    if outcome.status == "error" and outcome.error_type.split("(")[-1].rstrip(")") == "ValueError":
        rec.passed = rec.values_ok = True
        return rec
    what = refusal_words(case.refusal)
    if outcome.status == "ok":
        shown = ", ".join(
            f"{k} {np.asarray(v).tolist()}" for k, v in list(outcome.outputs.items())[:3]
        )
        rec.detail = f"accepted ({what}): returned {shown}"
    elif outcome.status == "error":
        rec.detail = f"raised {outcome.error_type}, not ValueError ({what})"
    else:
        rec.detail = f"{status_detail(outcome)} ({what})"
    return rec


def _compare(checker, rec: Record) -> None:
    case, outcome = rec.case, rec.outcome
    got = checker.prepare(dict(outcome.outputs))
    rec.got = got
    shape_ok, dtype_ok, errs, notes = True, True, [], []
    for name in checker.outputs:
        e = rec.expected[name]
        g = got.get(name)
        if g is None:
            shape_ok = False
            notes.append(f"{name} missing")
            continue
        kind = checker.expected_kind(name, case)
        if kind == "int":
            if g.dtype.kind not in "iu":
                dtype_ok = False
                notes.append(f"{name} dtype {g.dtype}, not integer")
        elif g.dtype != np.dtype(kind):
            dtype_ok = False
            notes.append(f"{name} dtype {g.dtype} != {kind}")
        if g.shape != e.shape:
            shape_ok = False
            notes.append(f"{name} shape {g.shape} != {e.shape}")
            continue
        if kind == "int" or checker.exact:
            errs.append(0.0 if np.array_equal(g, e) else float("inf"))
        else:
            errs.append(rel_err(e, g))
    rec.shape_ok, rec.dtype_ok = shape_ok, dtype_ok
    rec.err = max(errs) if errs else None
    tol = 0.0 if checker.exact else PASS_TOL[case.spec.dtype]
    rec.values_ok = shape_ok and rec.err is not None and rec.err <= tol
    if shape_ok and not rec.values_ok:
        notes.append(f"max rel. error {rec.err:.1e}")
    if outcome.mutated:
        notes.append("changed " + ", ".join(outcome.mutated))
    rec.passed = rec.values_ok and dtype_ok and not outcome.mutated
    rec.detail = "; ".join(notes)


def make_record(checker, case: Case, outcome: Outcome) -> Record:
    """Compare one outcome with the reference answer of its case (or, for a refusal
    case, with the ``ValueError`` it must raise)."""
    if case.refusal:
        return _refusal(case, outcome)
    with np.errstate(all="ignore"):  # a student's inf or NaN must not warn
        arrays = case.arrays()
        expected = checker.prepare(checker.reference(case, arrays))
        rec = Record(case, arrays, expected, outcome)
        if outcome.status != "ok":
            rec.detail = status_detail(outcome)
        else:
            _compare(checker, rec)
    return rec


def judge_probes(records) -> None:
    """Fail the large probe case when the student's own Python code ran at least
    :data:`LOOP_GROWTH` more lines on it than on the small one.

    Only probes whose calls returned normally and whose tracer stayed on count.
    """
    probes = {r.case.probe: r for r in records if r.case.probe}
    small, large = probes.get("small"), probes.get("large")
    if small is None or large is None:
        return
    a, b = small.outcome, large.outcome
    if a.status != "ok" or b.status != "ok" or a.lines < 0 or b.lines < 0:
        return
    if a.trace_removed or b.trace_removed or b.lines - a.lines < LOOP_GROWTH:
        return
    large.loops = (a.lines, b.lines)
    large.passed = False
    note = f"Python loops: {a.lines} lines ran for the small probe, {b.lines} for this one"
    large.detail = f"{large.detail}; {note}" if large.detail else note
