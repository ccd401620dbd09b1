"""Checkers of ``conv_output_shape`` and ``pad_input``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .checker import Checker
from .gather import PAD_SHIFTS
from .mutations import Variant, lenient_out

__all__ = ["OutputShapeChecker", "PadChecker"]


def _shape(sp, Ho, Wo):
    return {"shape": np.array([sp.N, sp.F, Ho, Wo])}


def _shape_variants() -> list[Variant]:
    def one_side(c):
        sp = c.spec
        s, p = sp.stride, sp.pad
        return _shape(sp, (sp.H + p - sp.HH) // s + 1, (sp.W + p - sp.WW) // s + 1)

    return [
        Variant(
            "hw-swapped",
            "You return (N, F, W_out, H_out); square outputs hide it.",
            lambda c: _shape(c.spec, c.spec.W_out, c.spec.H_out),
        ),
        Variant(
            "filter-hw-swapped",
            "Your H_out uses the filter width WW and your W_out the height HH.",
            lambda c: _shape(c.spec, *lenient_out(c.spec, HH=c.spec.WW, WW=c.spec.HH)),
        ),
        Variant(
            "filter-hw-swapped",
            "Your H_out and W_out both use the filter height HH.",
            lambda c: _shape(c.spec, *lenient_out(c.spec, WW=c.spec.HH)),
        ),
        Variant(
            "filter-hw-swapped",
            "Your H_out and W_out both use the filter width WW.",
            lambda c: _shape(c.spec, *lenient_out(c.spec, HH=c.spec.WW)),
        ),
        Variant(
            "stride-ignored",
            "Your sizes are those of stride 1.",
            lambda c: _shape(c.spec, *lenient_out(c.spec, stride=1)),
        ),
        Variant(
            "pad-ignored",
            "Your sizes are those of pad 0.",
            lambda c: _shape(c.spec, *lenient_out(c.spec, pad=0)),
        ),
        Variant(
            "pad-wrong-axes",
            "Your sizes count the padding once, `H + pad`, instead of on both sides, `H + 2*pad`.",
            one_side,
        ),
    ]


class OutputShapeChecker(Checker):
    """``conv_output_shape(x_shape, w_shape, stride, pad) -> (N, F, H_out, W_out)``."""

    name = "conv_output_shape"
    title = "conv_output_shape"
    outputs = ("shape",)
    describe_as = "shape"
    exact = True
    twins = False
    refuses = True
    axis_names: ClassVar[dict] = {"shape": ("entries",)}

    def reference(self, case, arrays):
        from ..geometry import conv_output_shape

        sp = case.spec
        return {"shape": np.array(conv_output_shape(sp.x_shape, sp.w_shape, sp.stride, sp.pad))}

    def variants(self, stage):
        return _shape_variants()

    def dtype_code(self, rec):
        """``true-division`` for sizes that come back as floats."""
        floats = any(np.asarray(g).dtype.kind == "f" for g in rec.got.values())
        return "true-division" if floats else "dtype-changed"


def _pad_variants() -> list[Variant]:
    def padded(c, widths):
        return {"x_pad": np.pad(c.a["x"], widths)}

    def shifted(axes, tb):
        def fn(c):
            p = c.spec.pad
            t, b = (a * p + k for a, k in tb)
            hw = ((t, b) if "h" in axes else (p, p), (t, b) if "w" in axes else (p, p))
            return padded(c, ((0, 0), (0, 0), *hw))  # np.pad refuses a negative width

        return fn

    def p(c):
        return c.spec.pad

    out = [
        Variant("pad-ignored", "You return x without padding.", lambda c: {"x_pad": c.a["x"]}),
        Variant(
            "pad-wrong-axes",
            "You padded all four axes (as `np.pad(x, pad)` does), N and C included.",
            lambda c: padded(c, p(c)),
        ),
        Variant(
            "pad-wrong-axes",
            "You padded the N and C axes instead of H and W.",
            lambda c: padded(c, ((p(c), p(c)), (p(c), p(c)), (0, 0), (0, 0))),
        ),
    ]
    for tb, words in PAD_SHIFTS.values():
        for axes, where in (("h", "rows"), ("w", "columns"), ("hw", "rows and columns")):
            out.append(
                Variant(
                    "pad-wrong-axes",
                    f"You padded {words} ({where}); x must sit in `[pad:pad+H, pad:pad+W]`.",
                    shifted(axes, tb),
                )
            )
    return out


class PadChecker(Checker):
    """``pad_input(x, pad) -> x_pad``."""

    name = "pad_input"
    title = "pad_input"
    outputs = ("x_pad",)
    describe_as = "pad"
    axis_names: ClassVar[dict] = {"x_pad": ("N", "C", "H + 2*pad", "W + 2*pad")}

    def reference(self, case, arrays):
        from ..padding import pad_input

        return {"x_pad": pad_input(arrays["x"], case.spec.pad)}

    def variants(self, stage):
        return _pad_variants()
