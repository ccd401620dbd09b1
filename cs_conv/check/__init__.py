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
from .layer_checks import LayerBackwardChecker, LayerForwardChecker
from .naive_checks import BackwardChecker, ForwardChecker
from .outcome import Outcome
from .result import CaseReport, CheckResult, assert_ok
from .shape_checks import OutputShapeChecker, PadChecker

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
    "check_conv_backward",
    "check_conv_forward",
    "check_conv_output_shape",
    "check_im2col",
    "check_im2col_indices",
    "check_layer_backward",
    "check_layer_forward",
    "check_pad_input",
    "make_cases",
    "markdown_table",
]

CHECKERS: dict[str, Checker] = {
    c.name: c
    for c in (
        OutputShapeChecker(),
        PadChecker(),
        ForwardChecker(),
        BackwardChecker(),
        Im2colChecker(),
        Col2imChecker(),
        IndicesChecker(),
        LayerForwardChecker(),
        LayerBackwardChecker(),
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


def check_conv_output_shape(conv_output_shape, *, key="visible", shrink=True) -> CheckResult:
    """Check ``conv_output_shape(x_shape, w_shape, stride, pad) -> (N, F, H_out, W_out)``.

    Examples
    --------
    >>> from cs_conv import conv_output_shape
    >>> r = check_conv_output_shape(conv_output_shape)
    >>> r.passed, r.score, len(r.cases)
    (True, 1.0, 12)
    """
    return CHECKERS["conv_output_shape"].check(
        {"conv_output_shape": conv_output_shape}, key=key, shrink=shrink
    )


def check_pad_input(pad_input, *, key="visible", shrink=True) -> CheckResult:
    """Check ``pad_input(x, pad) -> x_pad`` (zero padding of H and W only)."""
    return CHECKERS["pad_input"].check({"pad_input": pad_input}, key=key, shrink=shrink)


def check_conv_forward(conv_forward, *, key="visible", shrink=True) -> CheckResult:
    """Check the naive ``conv_forward(x, w, b, conv_param) -> (out, cache)``."""
    return CHECKERS["conv_forward"].check({"conv_forward": conv_forward}, key=key, shrink=shrink)


def check_conv_backward(
    conv_backward, conv_forward=None, *, key="visible", shrink=True
) -> CheckResult:
    """Check the naive ``conv_backward(dout, cache) -> (dx, dw, db)``.

    With ``conv_forward`` given, its cache is passed to ``conv_backward``;
    without, the cache is the reference ``(x, w, b, conv_param)``.
    """
    return CHECKERS["conv_backward"].check(
        {"conv_backward": conv_backward, "conv_forward": conv_forward}, key=key, shrink=shrink
    )


def check_layer_forward(conv_forward, *, stage="loops", key="visible", shrink=True) -> CheckResult:
    """Check an im2col + GEMM ``conv_forward(x, w, b, conv_param) -> (out, cache)``."""
    return CHECKERS["layer_forward"].check(
        {"conv_forward": conv_forward}, key=key, stage=stage, shrink=shrink
    )


def check_layer_backward(
    conv_backward, conv_forward, *, stage="loops", key="visible", shrink=True
) -> CheckResult:
    """Check an im2col + GEMM ``conv_backward(dout, cache)``.

    The cache passed to ``conv_backward`` is the one the student's ``conv_forward`` returns.
    """
    return CHECKERS["layer_backward"].check(
        {"conv_backward": conv_backward, "conv_forward": conv_forward},
        key=key,
        stage=stage,
        shrink=shrink,
    )


# -- notebooks 4 and 7: the typed-kernel check and the training checks
from .kernel_checks import KernelTypedChecker, check_kernel_typed  # noqa: E402
from .training_checks import (  # noqa: E402
    DigitsAccuracyChecker,
    LossSanityChecker,
    check_digits_accuracy,
    check_loss_sanity,
    digits_split,
)

CHECKERS.update(
    {c.name: c for c in (KernelTypedChecker(), LossSanityChecker(), DigitsAccuracyChecker())}
)
__all__ += [
    "check_digits_accuracy",
    "check_kernel_typed",
    "check_loss_sanity",
    "digits_split",
]
