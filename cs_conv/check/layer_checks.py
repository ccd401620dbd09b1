"""Checkers of the im2col + GEMM layer: ``conv_forward`` and ``conv_backward`` at a stage.

The stage (``loops``, ``fancy``, ``cython``) names the exercise; the cases and
the reference are the same for all.  On top of the mutations every forward and
backward can make (:mod:`cs_conv.check.naive_checks`), a GEMM layer can
flatten the weights or dout in the wrong order or reshape the GEMM result
wrongly.
"""

from __future__ import annotations

import numpy as np

from .mutations import Variant, crop, grads_from_windows, relayout
from .naive_checks import (
    BackwardChecker,
    ForwardChecker,
    backward_variants,
    forward_variants,
    out_of,
    pad_geom,
    ref_grads,
    ref_out,
)

__all__ = ["LayerBackwardChecker", "LayerForwardChecker"]

_STAGES = ("loops", "fancy", "cython")


def _w_hwc(w):
    """The filters a GEMM sees when ``w`` is flattened in (HH, WW, C) order."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape)


def _w_cji(w):
    """The filters a GEMM sees when the taps of cols are in (c, dj, di) order."""
    F, C, HH, WW = w.shape
    return w.reshape(F, C, WW, HH).transpose(0, 1, 3, 2)


def _layer_forward_variants() -> list[Variant]:
    def rel(src, dst, final=(0, 1, 2, 3)):
        return lambda c: {"out": relayout(ref_out(c), src, dst, final)}

    return [
        *forward_variants(),
        Variant(
            "weight-flatten-order",
            "Your output equals a convolution whose filters were flattened in (HH, WW, C) "
            "order while cols rows are in (C, HH, WW) order; with C == 1 it is the same.",
            lambda c: out_of(c.ref_win, c, _w_hwc(c.a["w"])),
        ),
        Variant(
            "filter-hw-swapped",
            "Your output equals a convolution whose filter taps were paired in (c, dj, di) "
            "order with w's (c, di, dj): HH and WW are exchanged in im2col or in a reshape "
            "of w.",
            lambda c: out_of(c.ref_win, c, _w_cji(c.a["w"])),
        ),
        Variant(
            "gemm-reshape-order",
            "Your output is the (F, N*H_out*W_out) GEMM result reshaped straight to "
            "(N, F, H_out, W_out), without moving F behind N.",
            rel("fnij", "nfij"),
        ),
        Variant(
            "gemm-reshape-order",
            "Your output is the GEMM result left as (F, N, H_out, W_out): the final "
            "`.transpose(1, 0, 2, 3)` is missing.",
            lambda c: {"out": ref_out(c).transpose(1, 0, 2, 3)},
        ),
        Variant(
            "gemm-reshape-order",
            "Your output is the (F, N*H_out*W_out) GEMM result reshaped to "
            "(F, H_out, W_out, N), the order for cols with n fastest; ours has n slowest.",
            rel("fnij", "fijn", (3, 0, 1, 2)),
        ),
        Variant(
            "gemm-reshape-order",
            "Your output is the (N*H_out*W_out, F) GEMM result reshaped straight to "
            "(N, F, H_out, W_out).",
            rel("nijf", "nfij"),
        ),
        Variant(
            "gemm-reshape-order",
            "Your output is left as (N, H_out, W_out, F): the final transpose is missing.",
            lambda c: {"out": ref_out(c).transpose(0, 2, 3, 1)},
        ),
        Variant(
            "cols-n-fastest",
            "Your output is what cols with n fastest give when the result is reshaped "
            "for cols with n slowest; with N == 1 it is the same.",
            rel("fijn", "fnij", (1, 0, 2, 3)),
        ),
    ]


class LayerForwardChecker(ForwardChecker):
    """``conv_forward(x, w, b, conv_param) -> (out, cache)`` by im2col + GEMM."""

    name = "layer_forward"
    stages = _STAGES
    default_stage = "loops"

    def variants(self, stage):
        return _layer_forward_variants()


def _layer_backward_variants() -> list[Variant]:
    def with_dout(c, dout_eff):
        g = grads_from_windows(c.ref_win, c.a["w"], dout_eff, *pad_geom(c))
        _, _, db = ref_grads(c)
        return {"dx": crop(g[0], c.spec), "dw": g[1], "db": np.asarray(db)}

    def flat_no_transpose(c):
        d = c.a["dout"]
        N, F, Ho, Wo = d.shape
        return with_dout(c, d.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3))

    def flat_n_fastest(c):
        d = c.a["dout"]
        N, F, Ho, Wo = d.shape
        return with_dout(c, d.transpose(1, 2, 3, 0).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3))

    def flat_hw_swapped(c):
        # `dout.transpose(1, 0, 3, 2).reshape(F, -1)`: (j, i) order against cols' (i, j)
        d = c.a["dout"]
        N, F, Ho, Wo = d.shape
        return with_dout(c, d.transpose(1, 0, 3, 2).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3))

    def w_order(c, dw_too: bool):
        w = c.a["w"]
        g = grads_from_windows(c.ref_win, _w_hwc(w), c.a["dout"], *pad_geom(c))
        _, dw, db = ref_grads(c)
        if dw_too:
            F, C, HH, WW = w.shape
            dw = dw.reshape(F, HH, WW, C).transpose(0, 3, 1, 2)
        return {"dx": crop(g[0], c.spec), "dw": dw, "db": np.asarray(db)}

    return [
        *backward_variants(),
        Variant(
            "dout-not-transposed",
            "Your dx and dw equal the gradients for dout flattened by `dout.reshape(F, -1)`, "
            "which mixes images and filters (db is right).",
            flat_no_transpose,
        ),
        Variant(
            "dout-not-transposed",
            "Your dx and dw equal the gradients for dout flattened with n fastest, "
            "`dout.transpose(1, 2, 3, 0).reshape(F, -1)`, while cols has n slowest (db is right).",
            flat_n_fastest,
        ),
        Variant(
            "hw-swapped",
            "Your dx and dw equal the gradients for dout flattened with its spatial axes "
            "exchanged, `dout.transpose(1, 0, 3, 2).reshape(F, -1)`, while the columns of "
            "cols run (n, i, j) (db is right).",
            flat_hw_swapped,
        ),
        Variant(
            "weight-flatten-order",
            "Your dx equals the gradient for filters flattened in (HH, WW, C) order.",
            lambda c: w_order(c, False),
        ),
        Variant(
            "weight-flatten-order",
            "Your dx and dw equal the gradients for filters flattened in (HH, WW, C) order.",
            lambda c: w_order(c, True),
        ),
    ]


class LayerBackwardChecker(BackwardChecker):
    """``conv_backward(dout, cache) -> (dx, dw, db)`` of the student's GEMM layer.

    The student's ``conv_forward`` is required: its cache is what their backward reads.
    """

    name = "layer_backward"
    stages = _STAGES
    default_stage = "loops"

    def variants(self, stage):
        return _layer_backward_variants()
