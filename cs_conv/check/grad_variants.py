"""The variants of a convolution's backward pass, whatever the style.

Loops (notebook 1) and im2col + GEMM (notebook 2) make the same mistakes, and
each checker of a backward pass considers all of them: a window geometry or
layout of :mod:`cs_conv.check.layouts` in the scatter of dx (and, where the
code rebuilds the windows, in dw too), overwriting instead of adding, the
padded gradient returned, db summed over the wrong axes, dout flattened in the
wrong order, the filters flattened in another order, the kernel flipped.
"""

from __future__ import annotations

import numpy as np

from .conv_variants import w_hwc
from .gather import Gather, adjoint, gather
from .im2col_variants import crash_only, loop_variants, pad_geom
from .layouts import GEOMETRY, LAYOUT, WINDOW_SIZE
from .loops import loop_grads
from .mutations import (
    Variant,
    crop,
    fold_assign,
    fold_fancy_plus_equals,
    grads_from_windows,
)

__all__ = ["backward_variants", "ref_grads"]


def ref_grads(c):
    """``(dx_pad, dw, db)`` of the reference geometry, memoised."""
    return c.memo(
        "ref_grads", lambda: grads_from_windows(c.ref_win, c.a["w"], c.a["dout"], *pad_geom(c))
    )


def _grads(dx, dw, db):
    return {"dx": dx, "dw": dw, "db": np.asarray(db)}


def _dwin(c, w=None, dout=None):
    """Per-window gradient values ``(N, C, Ho, Wo, HH, WW)`` before they are folded."""
    w = c.a["w"] if w is None else w
    dout = c.a["dout"] if dout is None else dout
    return np.einsum("nfij,fchw->ncijhw", dout, w)


def _dout2(c):
    d = c.a["dout"]
    return d.transpose(1, 0, 2, 3).reshape(d.shape[1], -1)


def _scattered(c, g, dw_too: bool):
    """dx from a col2im with the layout of ``g`` (and dw from the same windows)."""
    sp = c.spec
    w2 = c.a["w"].reshape(sp.F, -1)
    dx = adjoint(w2.T @ _dout2(c), sp, g)
    if dx is None:
        return None
    _, dw, db = ref_grads(c)
    if dw_too:
        cols = gather(c.a["x"], sp, g)
        if cols is None or cols.shape != (w2.shape[1], _dout2(c).shape[1]):
            return None
        dw = (_dout2(c) @ cols.T).reshape(c.a["w"].shape)
    return _grads(dx, dw, db)


def _with_dout(c, dout_eff):
    g = grads_from_windows(c.ref_win, c.a["w"], dout_eff, *pad_geom(c))
    _, _, db = ref_grads(c)
    return _grads(crop(g[0], c.spec), g[1], db)


def _layouts() -> list[Variant]:
    out = []
    for code, words, g in (*LAYOUT[1:], *WINDOW_SIZE, *GEOMETRY):
        out.append(
            Variant(
                code,
                f"Your dx is scattered back from {words}.",
                lambda c, g=g: _scattered(c, g, False),
            )
        )
        out.append(
            Variant(
                code,
                f"Your dx and dw both use {words}.",
                lambda c, g=g: _scattered(c, g, True),
            )
        )
    return out


def _dout_orders() -> list[Variant]:
    def reorder(make):
        def fn(c):
            d = c.a["dout"]
            N, F, Ho, Wo = d.shape
            return _with_dout(c, make(d, N, F, Ho, Wo))

        return fn

    def w_order(c, dw_too: bool):
        w = c.a["w"]
        g = grads_from_windows(c.ref_win, w_hwc(w), c.a["dout"], *pad_geom(c))
        _, dw, db = ref_grads(c)
        if dw_too:
            F, C, HH, WW = w.shape
            dw = dw.reshape(F, HH, WW, C).transpose(0, 3, 1, 2)
        return _grads(crop(g[0], c.spec), dw, db)

    return [
        Variant(
            "dout-not-transposed",
            "Your dx and dw equal the gradients for dout flattened by `dout.reshape(F, -1)`, "
            "which mixes images and filters (db is right).",
            reorder(lambda d, N, F, Ho, Wo: d.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)),
        ),
        Variant(
            "dout-not-transposed",
            "Your dx and dw equal the gradients for dout flattened with n fastest, "
            "`dout.transpose(1, 2, 3, 0).reshape(F, -1)`, while cols has n slowest (db is right).",
            reorder(
                lambda d, N, F, Ho, Wo: (
                    d.transpose(1, 2, 3, 0).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
                )
            ),
        ),
        Variant(
            "hw-swapped",
            "Your dx and dw equal the gradients for dout flattened with its spatial axes "
            "exchanged, `dout.transpose(1, 0, 3, 2).reshape(F, -1)` (db is right).",
            reorder(
                lambda d, N, F, Ho, Wo: (
                    d.transpose(1, 0, 3, 2).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
                )
            ),
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


def backward_variants() -> list[Variant]:
    """Every mistake of a backward pass the catalogue names (loops or GEMM)."""

    def flipped(c):
        wf = c.a["w"][:, :, ::-1, ::-1]
        g = grads_from_windows(c.ref_win, wf, c.a["dout"], *pad_geom(c))
        return _grads(crop(g[0], c.spec), g[1][:, :, ::-1, ::-1], g[2])

    def assign(c, D, order="ij"):
        xp = fold_assign(D, *pad_geom(c), order=order)
        _, dw, db = ref_grads(c)
        return None if xp is None else _grads(crop(xp, c.spec), dw, db)

    def last_filter(c):
        # `dx_pad[n, :, window] = dout[n, f, i, j] * w[f]` inside loops over f, i, j
        F = c.spec.F
        return assign(c, _dwin(c, c.a["w"][F - 1 : F], c.a["dout"][:, F - 1 : F]))

    def fancy(c):
        xp = fold_fancy_plus_equals(_dwin(c), *pad_geom(c))
        _, dw, db = ref_grads(c)
        return _grads(crop(xp, c.spec), dw, db)

    def uncropped(c):
        return _grads(*ref_grads(c))

    def zero_crop(c):
        dx_pad, dw, db = ref_grads(c)
        p = c.spec.pad
        return _grads(dx_pad[:, :, p:-p, p:-p], dw, db)

    def db_axes(axes):
        def fn(c):
            dx_pad, dw, _ = ref_grads(c)
            return _grads(crop(dx_pad, c.spec), dw, c.a["dout"].sum(axis=axes))

        return fn

    def right(c):
        dx_pad, dw, db = ref_grads(c)
        return _grads(crop(dx_pad, c.spec), dw, db)

    acc = "col2im-not-accumulating"
    variants = [
        Variant(
            "kernel-flipped",
            "Your dx and dw are the gradients of a convolution with the flipped kernel.",
            flipped,
        ),
        Variant(
            acc,
            "Your dx holds, where windows overlap, only the last window's contribution "
            "(`dx_pad[...] = ...` inside the loops over f, i, j), not the sum.",
            last_filter,
        ),
        Variant(
            acc,
            "Your dx holds, where windows overlap, only the last window's contribution "
            "(`=` instead of `+=`), not the sum.",
            lambda c: assign(c, _dwin(c)),
        ),
        Variant(
            acc,
            "Your dx holds, where windows overlap, only the last window's contribution "
            "(windows visited j outer, i inner, with `=`), not the sum.",
            lambda c: assign(c, _dwin(c), "ji"),
        ),
        Variant(
            acc,
            "Your dx equals what `dx_pad[:, k, i, j] += dcols` gives: fancy indexing keeps "
            "one addition per repeated index.",
            fancy,
        ),
        Variant(
            "col2im-uncropped",
            "Your dx is the padded gradient, (N, C, H + 2*pad, W + 2*pad).",
            uncropped,
        ),
        Variant(
            "pad-zero-crop",
            "With pad 0 your dx is empty, as `dx_pad[:, :, 0:-0, 0:-0]` is.",
            zero_crop,
        ),
    ]
    for axes, words in (
        ((1, 2, 3), "over (F, H_out, W_out), giving one value per image"),
        ((0, 1, 2), "over (N, F, H_out), giving one value per output column"),
        ((0, 1, 3), "over (N, F, W_out), giving one value per output row"),
        ((0,), "over N only"),
        ((0, 2), "over (N, H_out) only"),
        ((2, 3), "over (H_out, W_out) only"),
        ((0, 1, 2, 3), "over every axis, giving one number"),
    ):
        variants.append(Variant("db-wrong-axes", f"Your db is dout summed {words}.", db_axes(axes)))
    loops = loop_variants(loop_grads, "Your dx and dw use", padding=False)
    loops.append(
        Variant(
            "filter-hw-swapped",
            "Your windows span WW rows and HH columns, paired with `w[f]` with its last two "
            "axes exchanged to fit (in loops).",
            lambda c: loop_grads(c, Gather(taps=("WW", "HH")), transposed=True),
        )
    )
    return variants + _layouts() + _dout_orders() + loops + crash_only(right)
