"""The notebook's check that a ``%%cython`` kernel is typed, and its split-form checker.

:func:`check_kernel_typed` (notebook 4) finds the ``.pyx`` source that IPython's
Cython magic keeps next to the compiled module and runs
:func:`cs_conv.check.kernel_typing.analyse_kernel` on it.

In the grader the verdict must not come from the student's process: the trusted
side runs the analysis on the graded cell's source, :meth:`KernelTypedChecker.evaluate_source`.
The split form's :meth:`KernelTypedChecker.run` / :meth:`KernelTypedChecker.evaluate`
also work (the analysis runs where the kernel was compiled and only line numbers
travel back), as plain ``nbgrader autograde`` would grade it: less safely.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .cases import Case, Spec, seed_of
from .cython_annotate import MAX_SOURCE
from .kernel_typing import CODE, KernelTyping, Problem, analyse_kernel
from .outcome import Outcome
from .result import CaseReport, CheckResult

__all__ = ["KernelTypedChecker", "check_kernel_typed", "kernel_source", "verdict_result"]

# status <-> small integer, for the array payload of the split form
_STATUSES = ("typed", "untyped", "not-implemented", "not-found", "not-compiled", "compile-error")


def kernel_source(kernel) -> tuple[str, str]:
    """``(status, pyx text)`` of a function compiled by IPython's ``%%cython`` magic.

    The magic keeps ``<module>.pyx`` next to the built extension module; a plain
    Python function gives ``("not-compiled", "")``, a source larger than a cell may
    be ``("too-large", "")`` (it is not read), one that is not UTF-8 ``("not-text", "")``.

    Examples
    --------
    >>> kernel_source(len)[0], kernel_source(lambda: 0)[0]
    ('not-compiled', 'not-compiled')
    """
    module = sys.modules.get(getattr(kernel, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    if not path or path.endswith(".py") or "cython" not in type(kernel).__name__.lower():
        return "not-compiled", ""
    pyx = Path(path).with_name(module.__name__.rpartition(".")[2] + ".pyx")
    if not pyx.is_file():
        return "not-found", ""
    if pyx.stat().st_size > MAX_SOURCE:  # never read a huge file: a cell is a few KiB
        return "too-large", ""
    try:
        return "ok", pyx.read_bytes().decode("utf-8")
    except UnicodeDecodeError:  # Cython reads UTF-8 only
        return "not-text", ""


def kernel_verdict(kernel) -> KernelTyping:
    """:func:`analyse_kernel` on the source of a compiled kernel (or why it cannot run)."""
    name = getattr(kernel, "__name__", "kernel")
    if kernel is None or not callable(kernel):
        return KernelTyping(name, "not-found", message="No kernel: not implemented yet.")
    status, pyx = kernel_source(kernel)
    if status == "not-compiled":
        return KernelTyping(
            name,
            "not-compiled",
            message=f"{name}: {CODE}. It is not compiled Cython: define it in a `%%cython` cell.",
        )
    if status == "not-found":
        return KernelTyping(
            name, "not-found", message=f"{name}: its .pyx source is gone; re-run its cell."
        )
    if status in ("too-large", "not-text"):
        why = (
            f"larger than the {MAX_SOURCE // 1024} KiB a %%cython kernel cell may have: keep "
            "only the kernel (and what it needs) in it"
            if status == "too-large"
            else "not UTF-8 text: re-run its cell"
        )
        return KernelTyping(name, "compile-error", message=f"{name}: its .pyx source is {why}.")
    return analyse_kernel("%%cython\n" + pyx, name)


def verdict_result(verdict: KernelTyping) -> CheckResult:
    """The :class:`~cs_conv.check.result.CheckResult` of a :class:`KernelTyping`.

    Examples
    --------
    >>> r = verdict_result(KernelTyping("k", "untyped", [Problem(4, "s += v", "why", [])]))
    >>> r.passed, r.mistakes, r.cases[0].description
    (False, ['untyped-kernel'], 'line 4: s += v')
    """
    cases = [
        CaseReport(
            index=i,
            description=f"line {p.line}: {p.text}",
            shapes={},
            stride=0,
            pad=0,
            dtype="",
            max_rel_error=None,
            passed=False,
            detail=p.why,
            mistakes=[CODE],
        )
        for i, p in enumerate(verdict.problems)
    ]
    return CheckResult(
        name="kernel_typed",
        label=f"{verdict.kernel} typed",
        passed=verdict.passed,
        score=1.0 if verdict.passed else 0.0,
        cases=cases,
        mistakes=verdict.mistakes,
        message=verdict.message,
    )


def check_kernel_typed(kernel, *, key: str = "visible") -> CheckResult:
    """Check that a kernel compiled in a ``%%cython`` cell is typed.

    Parameters
    ----------
    kernel : callable
        The compiled function (``im2col_kernel``).
    key : str
        Accepted like every check's key; the analysis has no random cases.

    Returns
    -------
    CheckResult
        Passed when no line of the kernel's innermost loops (headers included)
        calls the Python C-API, as ``%%cython -a`` shows it; else each such line,
        why, and the fix (mistake ``untyped-kernel``).

    Examples
    --------
    >>> check_kernel_typed(len).mistakes
    ['untyped-kernel']
    """
    return verdict_result(kernel_verdict(kernel))


class KernelTypedChecker:
    """``CHECKERS["kernel_typed"]``: the split form of :func:`check_kernel_typed`.

    Metadata of a graded cell: ``{"checker": "kernel_typed", "functions": {"kernel":
    "im2col_kernel"}, "key": ...}``.  One case; the stage is ignored.
    """

    name = "kernel_typed"
    title = "kernel typed"
    functions = ("kernel",)
    required = ("kernel",)
    stages = None

    def make_cases(self, key: str = "visible", *, stage=None) -> list[Case]:
        """One case (kept a :class:`Case` so that it travels like the others)."""
        return [Case(self.name, 0, seed_of(key, self.name), Spec(1, 1, 1, 1, 1, 1, 1, 1, 0))]

    def run(self, funcs, cases) -> list[Outcome]:
        """Untrusted side: analyse the compiled kernel; return status and line numbers."""
        kernel = funcs["kernel"] if isinstance(funcs, dict) else funcs
        try:
            verdict = kernel_verdict(kernel)
        except Exception as exc:  # the analysis itself failed: an error outcome
            return [
                Outcome(c.index, "error", error_type=type(exc).__name__, error_message=str(exc))
                for c in cases
            ]
        outputs = {
            "status": np.array([_STATUSES.index(verdict.status)]),
            "lines": np.array([p.line for p in verdict.problems], dtype=np.int64),
        }
        return [Outcome(c.index, outputs=dict(outputs)) for c in cases]

    def evaluate(self, cases, outcomes, *, stage=None) -> CheckResult:
        """From the arrays of :meth:`run` (less safe than :meth:`evaluate_source`)."""
        o = next(iter(outcomes), None)
        if o is None or o.status != "ok" or "status" not in o.outputs:
            detail = "no outcome" if o is None else (o.error_message or o.status)
            return verdict_result(KernelTyping("kernel", "not-found", message=detail))
        code = int(np.asarray(o.outputs["status"]).ravel()[0])
        status = _STATUSES[code] if 0 <= code < len(_STATUSES) else "not-found"
        lines = [int(v) for v in np.asarray(o.outputs.get("lines", [])).ravel()[:50]]
        problems = [Problem(n, "", "calls the Python C-API") for n in lines]
        if status == "untyped" and not problems:
            status = "not-found"
        message = (
            "typed: the innermost loops are white in `%%cython -a`"
            if status == "typed"
            else f"{status}: lines {lines} of the kernel's innermost loops call the Python C-API"
        )
        return verdict_result(KernelTyping("kernel", status, problems, message))

    def evaluate_source(self, source: str, kernel: str) -> CheckResult:
        """Trusted side: the verdict on ``kernel`` from the ``%%cython`` cell's text."""
        return verdict_result(analyse_kernel(source, kernel))

    def check(self, funcs, *, key="visible", stage=None, shrink=True) -> CheckResult:
        kernel = funcs["kernel"] if isinstance(funcs, dict) else funcs
        return check_kernel_typed(kernel, key=key)
