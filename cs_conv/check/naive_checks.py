"""Checkers of a convolution's ``conv_forward`` and ``conv_backward`` (notebook 1's loops).

Each considers every mistake of :mod:`cs_conv.check.conv_variants` and
:mod:`cs_conv.check.grad_variants`, whether the student wrote loops or an
im2col + GEMM: the layer checkers (:mod:`cs_conv.check.layer_checks`) differ
only in their name, their stages and which functions they require.
"""

from __future__ import annotations

from typing import ClassVar

from .checker import Checker
from .conv_variants import forward_variants
from .grad_variants import backward_variants

__all__ = ["BackwardChecker", "ForwardChecker"]

_OUT_AXES = ("n", "f", "i (output row)", "j (output column)")
# right only with C == 1 or N == 1 has other causes (w[f, 0] for every channel, the
# first image for every image): those families only say where to look
_FAMILIES = {
    "square-filter": "filter-hw-swapped",
    "square-output": "hw-swapped",
    "stride1": "stride-ignored",
}


class ForwardChecker(Checker):
    """``conv_forward(x, w, b, conv_param) -> (out, cache)`` (the naive stage)."""

    name = "conv_forward"
    title = "conv_forward"
    outputs = ("out",)
    describe_as = "conv"
    axis_names: ClassVar[dict] = {"out": _OUT_AXES}
    family_codes: ClassVar[dict] = _FAMILIES

    def reference(self, case, arrays):
        from .. import layers

        sp = case.spec
        param = {"stride": sp.stride, "pad": sp.pad}
        out, _ = layers.conv_forward(arrays["x"], arrays["w"], arrays["b"], param, backend="fancy")
        return {"out": out}

    def variants(self, stage):
        return forward_variants()


class BackwardChecker(Checker):
    """``conv_backward(dout, cache) -> (dx, dw, db)`` (the naive stage).

    The cache comes from the student's ``conv_forward`` when given, else it is
    the naive reference cache ``(x, w, b, conv_param)``.
    """

    name = "conv_backward"
    title = "conv_backward"
    outputs = ("dx", "dw", "db")
    primary = "dout"
    describe_as = "conv"
    axis_names: ClassVar[dict] = {
        "dx": ("n", "c", "h (input row)", "w (input column)"),
        "dw": ("f", "c", "di (filter row)", "dj (filter column)"),
        "db": ("f",),
    }
    family_codes: ClassVar[dict] = {**_FAMILIES, "no-overlap": "col2im-not-accumulating"}

    def reference(self, case, arrays):
        from .. import layers

        sp = case.spec
        param = {"stride": sp.stride, "pad": sp.pad}
        _, cache = layers.conv_forward(
            arrays["x"], arrays["w"], arrays["b"], param, backend="fancy"
        )
        dx, dw, db = layers.conv_backward(arrays["dout"], cache)
        return {"dx": dx, "dw": dw, "db": db}

    def variants(self, stage):
        return backward_variants()
