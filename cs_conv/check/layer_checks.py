"""Checkers of the im2col + GEMM layer: ``conv_forward`` and ``conv_backward`` at a stage.

The stage (``loops``, ``fancy``, ``cython``) names the exercise; the cases, the
reference and the mistakes considered are those of the naive checkers
(:mod:`cs_conv.check.naive_checks`): every checker of a forward or backward
pass considers every mistake a forward or backward pass can make.
"""

from __future__ import annotations

from .naive_checks import BackwardChecker, ForwardChecker

__all__ = ["LayerBackwardChecker", "LayerForwardChecker"]

_STAGES = ("loops", "fancy", "cython")


class LayerForwardChecker(ForwardChecker):
    """``conv_forward(x, w, b, conv_param) -> (out, cache)`` by im2col + GEMM."""

    name = "layer_forward"
    stages = _STAGES
    default_stage = "loops"


class LayerBackwardChecker(BackwardChecker):
    """``conv_backward(dout, cache) -> (dx, dw, db)`` of the student's GEMM layer.

    The student's ``conv_forward`` is required: its cache is what their backward reads.
    """

    name = "layer_backward"
    stages = _STAGES
    default_stage = "loops"
