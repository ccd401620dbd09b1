"""The checker machinery shared by every family: run, compare, evaluate, check.

A :class:`Checker` subclass says how to call the student's function on a case
(:meth:`Checker.call`), what the right answer is (:meth:`Checker.reference`,
from :mod:`cs_conv`'s own code) and which mutations name which mistakes
(:meth:`Checker.variants`).  This module does the rest, in the two forms of
``docs/CONTRACTS.md``: the split form (``make_cases`` / ``run`` /
``evaluate``) and the one-call form (:meth:`Checker.check`, which also
shrinks the smallest failing case).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .cases import Case, make_cases
from .mutations import Variant
from .outcome import Outcome
from .record import Record, judge_probes, make_record
from .result import CaseReport, CheckResult
from .runner import CALLS, resolve_funcs, run_checker, run_one

__all__ = ["Checker", "Record"]


class Checker:
    """Base class of the checkers; subclasses set the attributes and three methods.

    Attributes
    ----------
    name : str
        Key in :data:`cs_conv.check.CHECKERS`.
    title : str
        The student's function, for messages.
    functions : tuple of str
        Argument names of the student functions the checker calls (from
        :data:`cs_conv.check.runner.CALLS`).
    required : tuple of str
        Which of ``functions`` must be given.
    outputs : tuple of str
        Names of the outputs compared.
    primary : str
        The array a twin case redraws.
    describe_as : str
        How :meth:`Spec.describe` words a case.
    exact : bool
        Outputs are integers compared exactly.
    twins : bool
        Whether the cases include twins.
    stages : tuple of str or None
        Allowed ``stage`` values (None: the checker has no stages).
    axis_names : dict
        Output name to the names of its axes, for messages.
    refuses : bool
        The function must raise ``ValueError`` on bad input: the cases include
        refusal cases (``no-validation``).
    probe_stages : tuple
        Stages (None for a checker without stages) that must not loop in Python
        over output positions: the cases include two probes (``python-loops``).
    family_codes : dict
        Family of :mod:`cs_conv.check.behaviour` -> the one code it means for this
        checker (a function right on exactly that family is named by it).
    family_words, family_means : dict
        Family -> how this checker words it, and where it says to look (defaults:
        :mod:`cs_conv.check.behaviour`'s, in a convolution's terms).
    moves_values : bool
        The function only moves the input's values (im2col, its indices): a layout
        mistake named by behaviour must return the right values, moved.
    layout : str
        The shapes of the arrays involved, for a message about an error.
    """

    name = ""
    title = ""
    outputs: tuple = ()
    primary = "x"
    describe_as = "im2col"
    exact = False
    twins = True
    stages: tuple | None = None
    default_stage: str | None = None
    axis_names: ClassVar[dict] = {}
    refuses = False
    probe_stages: tuple = ()
    family_codes: ClassVar[dict] = {}
    family_words: ClassVar[dict] = {}
    family_means: ClassVar[dict] = {}
    moves_values = False
    layout = "x (N, C, H, W), w (F, C, HH, WW), cols (C*HH*WW, N*H_out*W_out)"

    @property
    def functions(self) -> tuple:
        return CALLS[self.name].functions

    @property
    def required(self) -> tuple:
        return CALLS[self.name].required

    # ------------------------------------------------------------------ hooks
    def reference(self, case: Case, arrays: dict) -> dict:
        """The right outputs, computed by :mod:`cs_conv`."""
        raise NotImplementedError  # pragma: no cover

    def variants(self, stage) -> list[Variant]:
        """The mutations that name mistakes for this checker (and stage)."""
        return []

    def dtype_code(self, rec: Record) -> str:
        """The code of an output of the wrong dtype."""
        return "dtype-changed"

    def prepare(self, outputs: dict) -> dict:
        """Normalise outputs before comparing (both expected and the student's)."""
        return outputs

    def expected_kind(self, name: str, case: Case) -> str:
        """``"int"`` for index outputs, else the case's float dtype name."""
        return "int" if self.exact else case.spec.dtype

    # ------------------------------------------------------------- the forms
    def label(self, stage=None) -> str:
        """``"im2col (loops)"``, or the title alone for a checker without stages."""
        stage = self._stage(stage)
        return f"{self.title} ({stage})" if stage else self.title

    def _stage(self, stage):
        if self.stages is None:
            return None
        stage = self.default_stage if stage is None else stage
        if stage not in self.stages:
            raise ValueError(f"stage must be one of {list(self.stages)}, got {stage!r}")
        return stage

    def make_cases(self, key: str = "visible", *, stage=None) -> list[Case]:
        """The deterministic cases for ``key``; a vectorised stage adds two probe cases,
        a function that must refuse bad input its refusal cases."""
        stage = self._stage(stage)
        return make_cases(
            self.name,
            str(key),
            primary=self.primary,
            twins=self.twins,
            refusals=self.refuses,
            probes=stage in self.probe_stages,
        )

    def run(self, funcs: dict, cases) -> list[Outcome]:
        """Call the student's functions on every case; never raises for their errors
        (:func:`cs_conv.check.runner.run_checker`, the untrusted side)."""
        return run_checker(self.name, funcs, cases)

    def run_one(self, funcs: dict, case: Case, reads=None) -> Outcome:
        """One case of :meth:`run` (``funcs`` as :func:`~cs_conv.check.runner.resolve_funcs`
        gives them; ``reads``: their global arrays when already known)."""
        return run_one(self.name, funcs, case, reads)

    def evaluate(self, cases, outcomes, *, stage=None) -> CheckResult:
        """Compare outcomes with the reference, diagnose, and compose the result (trusted)."""
        records = self._records(cases, outcomes)
        return self._result(records, stage, focus=None)

    def check(self, funcs, *, key="visible", stage=None, shrink=True) -> CheckResult:
        """The one-call form: make cases, run, evaluate, shrink the smallest failing case."""
        from .shrink import shrink_focus

        funcs = resolve_funcs(self.name, funcs)
        cases = self.make_cases(key, stage=stage)
        records = self._records(cases, self.run(funcs, cases))
        focus = diag = None
        if shrink and not all(r.passed for r in records):
            diag = self._diagnose(records, stage)
            focus = shrink_focus(self, funcs, diag, stage=self._stage(stage))
        return self._result(records, stage, focus=focus, diag=diag)

    # ------------------------------------------------------------ internals
    def _records(self, cases, outcomes) -> list[Record]:
        by_index = {o.index: o for o in outcomes}
        records = []
        for case in cases:
            o = by_index.get(case.index)
            if o is None:
                o = Outcome(case.index, status="bad-payload", error_message="no outcome")
            records.append(self.record(case, o))
        judge_probes(records)
        return records

    def record(self, case: Case, outcome: Outcome) -> Record:
        """Compare one outcome with the reference answer of its case."""
        return make_record(self, case, outcome)

    def _diagnose(self, records, stage):
        from .diagnose import diagnose

        with np.errstate(all="ignore"):
            return diagnose(self, records, self._stage(stage))

    def _result(self, records, stage, focus, diag=None) -> CheckResult:
        """The result of ``records``; ``diag``: their diagnosis when already made (it does
        not depend on ``focus``, the shrunk case that replaces its focus)."""
        from .message import compose

        if diag is None:
            diag = self._diagnose(records, stage)
        stage = self._stage(stage)
        if focus is not None:
            diag.focus = focus
        reports = [self._report(r, diag) for r in records]
        n_pass = sum(r.passed for r in records)
        score = n_pass / len(records) if records else 0.0
        passed = bool(records) and n_pass == len(records)
        with np.errstate(all="ignore"):
            message = compose(self, self.label(stage), records, diag)
        example = None
        f = diag.focus
        if f is not None and f.outcome.status == "ok" and not f.case.refusal:
            for name in self.outputs:
                g, e = f.got.get(name), f.expected[name]
                if g is not None and g.shape == e.shape and not np.array_equal(g, e):
                    example = {"name": name, "expected": e, "got": g}
                    break
        return CheckResult(
            name=self.name,
            label=self.label(stage),
            passed=passed,
            score=score,
            cases=reports,
            mistakes=diag.codes if not passed else [],
            message=message,
            example=example,
            stage=stage or "",
        )

    def _report(self, rec: Record, diag) -> CaseReport:
        sp = rec.case.spec
        shapes = {"x": sp.x_shape}
        if self.describe_as in ("conv", "shape"):
            shapes["w"] = sp.w_shape
        else:
            shapes["filter"] = (sp.HH, sp.WW)
        return CaseReport(
            index=rec.case.index,
            description=sp.describe(self.describe_as),
            shapes=shapes,
            stride=sp.stride,
            pad=sp.pad,
            dtype=sp.dtype,
            max_rel_error=rec.err,
            passed=rec.passed,
            detail=rec.detail,
            mistakes=sorted({v.code for v in rec.hits}),
        )
