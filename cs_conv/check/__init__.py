"""Checkers that name the student's mistake and say how to fix it.

One checker per function a student writes.  One-call form (notebooks)::

    from cs_conv.check import check_im2col
    check_im2col(im2col, stage="loops").assert_ok()

Split form (the grader; see ``docs/CONTRACTS.md``)::

    checker = CHECKERS["im2col"]
    cases = checker.make_cases(key, stage="loops")
    outcomes = checker.run({"im2col": im2col}, cases)      # untrusted side
    payload = [o.to_payload() for o in outcomes]
    result = checker.evaluate(cases, [Outcome.from_payload(p) for p in payload], stage="loops")

Every checker returns a :class:`CheckResult`; the mistake codes it can name are
in :data:`CATALOGUE` (and ``docs/mistakes.md``).
"""

from __future__ import annotations

from .cases import Case, Spec, make_cases
from .catalogue import CATALOGUE, Mistake, markdown_table
from .checker import Checker
from .im2col_checks import Col2imChecker, Im2colChecker, IndicesChecker
from .outcome import Outcome
from .result import CaseReport, CheckResult, assert_ok

__all__ = [
    "CATALOGUE",
    "CHECKERS",
    "Case",
    "CaseReport",
    "CheckResult",
    "Checker",
    "Mistake",
    "Outcome",
    "Spec",
    "assert_ok",
    "check_col2im",
    "check_im2col",
    "check_im2col_indices",
    "make_cases",
    "markdown_table",
]

CHECKERS: dict[str, Checker] = {
    c.name: c
    for c in (
        Im2colChecker(),
        Col2imChecker(),
        IndicesChecker(),
    )
}
"""Every checker by name."""


def check_im2col(im2col, *, stage="loops", key="visible", shrink=True) -> CheckResult:
    """Check a student's ``im2col(x, HH, WW, stride, pad) -> cols``.

    Examples
    --------
    >>> from cs_conv import im2col_fancy
    >>> check_im2col(im2col_fancy.im2col, stage="fancy").passed
    True
    """
    return CHECKERS["im2col"].check({"im2col": im2col}, key=key, stage=stage, shrink=shrink)


def check_col2im(col2im, *, stage="loops", key="visible", shrink=True) -> CheckResult:
    """Check a student's ``col2im(cols, x_shape, HH, WW, stride, pad) -> dx``."""
    return CHECKERS["col2im"].check({"col2im": col2im}, key=key, stage=stage, shrink=shrink)


def check_im2col_indices(im2col_indices, *, key="visible", shrink=True) -> CheckResult:
    """Check a student's ``im2col_indices(x_shape, HH, WW, stride, pad) -> (k, i, j)``."""
    return CHECKERS["im2col_indices"].check(
        {"im2col_indices": im2col_indices}, key=key, shrink=shrink
    )
