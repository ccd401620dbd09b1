"""Checks of notebook 7, where the student's layers train a network on real data.

Two checkers, in the split form of ``docs/CONTRACTS.md`` (the trusted side builds
the cases and decides from the returned arrays only):

- ``"loss_sanity"``: the student's ``softmax_loss(scores, y) -> (loss, dscores)``
  on scores the trusted side draws: near zero (the loss must be ``log(classes)``,
  the sanity check of an untrained network), of unit size, and huge (a softmax
  that does not subtract the row maximum overflows).
- ``"digits_accuracy"``: the student's ``predict(X) -> labels`` on the held-out
  digits of :func:`digits_split`, in an order drawn from the key; it passes at
  95% accuracy.

The module is self-contained: it needs scikit-learn's bundled digits (no
download) and nothing of the reference package.
"""

from __future__ import annotations

import numpy as np

from .cases import Case, Spec, seed_of
from .catalogue import CATALOGUE
from .outcome import Outcome
from .result import CaseReport, CheckResult
from .runner import run_checker
from .training_calls import LOSS_CASES, TEST_FRACTION, digits_split, held_out, loss_inputs

__all__ = [
    "ACCURACY_GOAL",
    "DigitsAccuracyChecker",
    "LossSanityChecker",
    "check_digits_accuracy",
    "check_loss_sanity",
    "digits_split",
]

#: the accuracy ``predict`` must reach on the held-out digits
ACCURACY_GOAL = 0.95
_TOL = 1e-7


def _case(name: str, key: str, index: int, n: int, classes: int) -> Case:
    return Case(name, index, seed_of(key, name, index), Spec(n, 1, 1, 1, classes, 1, 1, 1, 0))


def _report(case: Case, description: str, passed: bool, detail: str, err=None, codes=()):
    return CaseReport(
        case.index, description, {}, 0, 0, "float64", err, passed, detail, list(codes)
    )


def _fix(code: str) -> str:
    m = CATALOGUE.get(code)
    return f"Diagnosis [{code}]: {m.what} Fix: {m.fix}" if m else ""


def _failure(o: Outcome) -> str:
    """Why an outcome is not ok: the exception, else its status and what came back."""
    if o.status == "error":
        return f"{o.error_type}: {o.error_message}"
    return f"{o.status}: {o.error_message}" if o.error_message else o.status


def _stub(outcomes) -> bool:
    return bool(outcomes) and all(o.not_implemented for o in outcomes)


class _TrainingChecker:
    """Shared plumbing: the one-call form on top of make_cases / run / evaluate."""

    name = ""
    title = ""
    functions: tuple = ()
    required: tuple = ()
    stages = None

    def check(self, funcs, *, key="visible", stage=None, shrink=True) -> CheckResult:
        if callable(funcs):
            funcs = {self.functions[0]: funcs}
        cases = self.make_cases(key, stage=stage)
        return self.evaluate(cases, self.run(funcs, cases), stage=stage)

    def _result(self, passed, score, reports, mistakes, message) -> CheckResult:
        return CheckResult(
            name=self.name,
            label=self.title,
            passed=passed,
            score=score,
            cases=reports,
            mistakes=[] if passed else mistakes,
            message=message,
        )

    def _not_implemented(self, cases, outcomes) -> CheckResult:
        o = outcomes[0]
        what = "returned None" if o.status == "none" else "raised NotImplementedError"
        reports = [_report(c, "", False, "not implemented") for c in cases]
        message = (
            f"{self.title}: not implemented yet (your {o.stage or self.functions[0]} {what}).\n"
            + _fix("not-implemented")
        )
        return self._result(False, 0.0, reports, ["not-implemented"], message)


class LossSanityChecker(_TrainingChecker):
    """``softmax_loss(scores, y) -> (loss, dscores)``: mean cross-entropy and its gradient."""

    name = "loss_sanity"
    title = "softmax_loss"
    functions = ("softmax_loss",)
    required = ("softmax_loss",)

    def make_cases(self, key: str = "visible", *, stage=None) -> list[Case]:
        return [_case(self.name, key, i, n, k) for i, (n, k, _) in enumerate(LOSS_CASES)]

    @staticmethod
    def inputs(case: Case):
        """``(scores, y)`` of a case, drawn from its seed."""
        a = loss_inputs(case)
        return a["scores"], a["y"]

    @staticmethod
    def reference(scores, y):
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(y)
        dscores = np.exp(log_p)
        dscores[np.arange(n), y] -= 1.0
        return -log_p[np.arange(n), y].mean(), dscores / n

    def run(self, funcs, cases) -> list[Outcome]:
        """The untrusted side: :func:`cs_conv.check.runner.run_checker`."""
        return run_checker(self.name, funcs, cases)

    def evaluate(self, cases, outcomes, *, stage=None) -> CheckResult:
        by_index = {o.index: o for o in outcomes}
        outcomes = [by_index.get(c.index, Outcome(c.index, "bad-payload")) for c in cases]
        if _stub(outcomes):
            return self._not_implemented(cases, outcomes)
        reports, failing, averaged, overflow = [], [], True, True
        for case, o in zip(cases, outcomes, strict=True):
            scores, y = self.inputs(case)
            loss, dscores = self.reference(scores, y)
            n, k, scale = LOSS_CASES[case.index % len(LOSS_CASES)]
            what = f"scores ({n}, {k}) of size ~{scale:g}"
            if o.status != "ok":
                detail = _failure(o)
                reports.append(_report(case, what, False, detail))
                failing.append((case, detail))
                averaged = overflow = False
                continue
            got_loss, got_d = o.outputs.get("loss"), o.outputs.get("dscores")
            if got_loss is None or got_d is None or got_d.shape != dscores.shape:
                shape = None if got_d is None else got_d.shape
                detail = f"dscores has shape {shape}, expected {dscores.shape}"
                reports.append(_report(case, what, False, detail))
                failing.append((case, detail))
                averaged = overflow = False
                continue
            got = np.concatenate([got_loss.ravel()[:1], got_d.ravel()])
            want = np.concatenate([[loss], dscores.ravel()])
            with np.errstate(all="ignore"):
                err = float(np.max(np.abs(got - want)) / max(1.0, np.abs(want).max()))
            ok = bool(np.isfinite(err) and err <= _TOL)
            detail = "" if ok else f"loss {got[0]:.6g}, expected {loss:.6g}"
            reports.append(_report(case, what, ok, detail, err if np.isfinite(err) else None))
            if not ok:
                failing.append((case, detail))
                averaged &= n > 1 and bool(np.allclose(got, n * want, rtol=1e-6, atol=1e-9))
                overflow &= scale >= 100 and not np.all(np.isfinite(got))
        passed = not failing
        codes = []
        if failing and averaged:
            codes = ["loss-not-averaged"]
        elif failing and overflow:
            codes = ["softmax-overflow"]
        score = sum(r.passed for r in reports) / len(reports)
        return self._result(passed, score, reports, codes, self._message(failing, codes))

    def _message(self, failing, codes) -> str:
        goal = f"With scores near 0 the loss must be log(10) = {np.log(10):.4f} for 10 classes."
        if not failing:
            return f"softmax_loss: all {len(LOSS_CASES)} cases pass. {goal}"
        _, detail = failing[0]
        lines = [f"softmax_loss: {len(failing)} of {len(LOSS_CASES)} cases fail."]
        lines += [f"First failing case: {detail}.", goal]
        lines += [_fix(c) for c in codes]
        return "\n".join(lines)


class DigitsAccuracyChecker(_TrainingChecker):
    """``predict(X) -> labels`` on the held-out digits: at least 95% right."""

    name = "digits_accuracy"
    title = "predict (held-out digits)"
    functions = ("predict",)
    required = ("predict",)

    def make_cases(self, key: str = "visible", *, stage=None) -> list[Case]:
        n_test = round(TEST_FRACTION * 1797)
        return [_case(self.name, key, 0, n_test, 10), _case(self.name, key, 1, 100, 10)]

    @staticmethod
    def inputs(case: Case):
        """``(X, y)``: held-out digits in an order drawn from the case's seed."""
        return held_out(case)

    def run(self, funcs, cases) -> list[Outcome]:
        """The untrusted side: :func:`cs_conv.check.runner.run_checker`."""
        return run_checker(self.name, funcs, cases)

    def evaluate(self, cases, outcomes, *, stage=None) -> CheckResult:
        by_index = {o.index: o for o in outcomes}
        outcomes = [by_index.get(c.index, Outcome(c.index, "bad-payload")) for c in cases]
        if _stub(outcomes):
            return self._not_implemented(cases, outcomes)
        reports, lines, low = [], [], False
        for case, o in zip(cases, outcomes, strict=True):
            _, y = self.inputs(case)
            what = f"{len(y)} held-out digits" + (" (float32)" if case.index == 1 else "")
            labels = o.outputs.get("labels") if o.status == "ok" else None
            if labels is None:
                detail = _failure(o)
            elif labels.shape != y.shape:
                detail = (
                    f"predict returned shape {labels.shape}, expected {y.shape}: one label "
                    "(0-9) per image, e.g. the argmax of the scores over the classes"
                )
            else:
                acc = float(np.mean(labels == y))
                detail = f"accuracy {100 * acc:.1f}%"
                ok = acc >= ACCURACY_GOAL
                low |= not ok
                reports.append(_report(case, what, ok, "" if ok else detail, 1.0 - acc))
                lines.append(f"  {what}: {detail}")
                continue
            reports.append(_report(case, what, False, detail))
            lines.append(f"  {what}: {detail}")
        passed = all(r.passed for r in reports)
        codes = ["low-accuracy"] if low and not passed else []
        head = f"predict: {'passed' if passed else 'failed'} (goal {100 * ACCURACY_GOAL:.0f}%)"
        message = "\n".join([head, *lines, *(_fix(c) for c in codes)])
        score = sum(r.passed for r in reports) / len(reports)
        return self._result(passed, score, reports, codes, message)


def check_loss_sanity(softmax_loss, *, key: str = "visible") -> CheckResult:
    """Check ``softmax_loss(scores, y) -> (loss, dscores)`` (mean over the batch).

    Examples
    --------
    >>> def softmax_loss(scores, y):
    ...     return LossSanityChecker.reference(scores, y)
    >>> check_loss_sanity(softmax_loss).passed
    True
    """
    return CHECKERS_TRAINING["loss_sanity"].check({"softmax_loss": softmax_loss}, key=key)


def check_digits_accuracy(predict, *, key: str = "visible") -> CheckResult:
    """Check that ``predict(X) -> labels`` gets 95% of the held-out digits right.

    Examples
    --------
    >>> check_digits_accuracy(lambda X: np.zeros(len(X), dtype=int)).mistakes
    ['low-accuracy']
    """
    return CHECKERS_TRAINING["digits_accuracy"].check({"predict": predict}, key=key)


CHECKERS_TRAINING = {c.name: c for c in (LossSanityChecker(), DigitsAccuracyChecker())}
