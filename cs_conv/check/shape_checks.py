"""Checkers of ``conv_output_shape`` and ``pad_input``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .checker import Checker
from .gather import PAD_SHIFTS
from .mutations import Variant

__all__ = ["OutputShapeChecker", "PadChecker"]


def _shape(sp, Ho, Wo):
    return {"shape": np.array([sp.N, sp.F, Ho, Wo])}


def _axes(sp, how: str):
    """``((span, k), (span, k))`` of the two axes as a mistake computes them, where
    ``H_out = span // k_stride + 1``: the image size (padded as the code pads it) minus
    the filter size the code uses."""
    H, W, HH, WW, p = sp.H, sp.W, sp.HH, sp.WW, sp.pad
    return {
        "filter-swapped": ((H + 2 * p, WW), (W + 2 * p, HH)),
        "hh-twice": ((H + 2 * p, HH), (W + 2 * p, HH)),
        "ww-twice": ((H + 2 * p, WW), (W + 2 * p, WW)),
        "image-swapped": ((W + 2 * p, HH), (H + 2 * p, WW)),
        "no-pad": ((H, HH), (W, WW)),
        "pad-once": ((H + p, HH), (W + p, WW)),
        "no-stride": ((H + 2 * p, HH), (W + 2 * p, WW)),
    }[how]


_WRONG_SIZES = (
    (
        "filter-hw-swapped",
        "filter-swapped",
        "Your H_out uses the filter width WW and your W_out the height HH.",
    ),
    ("filter-hw-swapped", "hh-twice", "Your H_out and W_out both use the filter height HH."),
    ("filter-hw-swapped", "ww-twice", "Your H_out and W_out both use the filter width WW."),
    (
        "hw-swapped",
        "image-swapped",
        "Your H_out uses the image width W and your W_out the height H.",
    ),
    ("stride-ignored", "no-stride", "Your sizes are those of stride 1."),
    ("pad-ignored", "no-pad", "Your sizes are those of pad 0."),
    (
        "pad-wrong-axes",
        "pad-once",
        "Your sizes count the padding once, `H + pad`, instead of on both sides, `H + 2*pad`.",
    ),
)


def _sizes(how: str, validates: bool):
    """The shape a mistake returns; with ``validates``, None (a ValueError) where its own
    wrong sizes fail the tiling checks it makes."""

    def fn(c):
        sp = c.spec
        s = 1 if how == "no-stride" else sp.stride
        out = []
        for span, k in _axes(sp, how):
            if validates and (span - k) % s:  # the tiling check, made with the wrong sizes
                return None
            out.append((span - k) // s + 1)
        return _shape(sp, *out)

    return fn


def _shape_variants() -> list[Variant]:
    out = [
        Variant(
            "hw-swapped",
            "You return (N, F, W_out, H_out); square outputs hide it.",
            lambda c: _shape(c.spec, c.spec.W_out, c.spec.H_out),
        )
    ]
    for code, how, words in _WRONG_SIZES:
        out.append(Variant(code, words, _sizes(how, False)))
        out.append(
            Variant(
                code,
                words[:-1] + ", and it checks the tiling with those sizes.",
                _sizes(how, True),
            )
        )
    return out


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
