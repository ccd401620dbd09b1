"""Checkers of the naive (loop) convolution: ``conv_forward`` and ``conv_backward``.

The forward and backward mutations defined here are shared with the layer
checkers (:mod:`cs_conv.check.layer_checks`), which add the GEMM-specific ones.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .checker import Checker
from .exceptions import bias_exception, filter_hw_exception, padding_exception
from .mutations import (
    Variant,
    conv_from_windows,
    crop,
    fold_assign,
    fold_fancy_plus_equals,
    grads_from_windows,
    relayout,
)

__all__ = [
    "BackwardChecker",
    "ForwardChecker",
    "backward_variants",
    "forward_variants",
]

_OUT_AXES = ("n", "f", "i (output row)", "j (output column)")


def ref_out(c):
    return c.memo("ref_out", lambda: conv_from_windows(c.ref_win, c.a["w"], c.a["b"]))


def out_of(win, c, w=None):
    if win is None:
        return None
    return {"out": conv_from_windows(win, c.a["w"] if w is None else w, c.a["b"])}


def _bias_broadcast(c, shape):
    """The reference with b[f] replaced by ``b.reshape(shape)`` under numpy broadcasting.

    None when the shapes do not broadcast (the student's code would raise).
    """
    b = c.a["b"]
    no_bias = ref_out(c) - b[None, :, None, None]
    return {"out": no_bias + b.reshape(shape)}


def forward_variants() -> list[Variant]:
    """Mutations of a forward pass that any implementation (loops or GEMM) can make."""

    def sized(c, **kw):
        return c.win(Ho=c.spec.H_out, Wo=c.spec.W_out, **kw)

    def rel(src, dst, final=(0, 1, 2, 3)):
        return lambda c: {"out": relayout(ref_out(c), src, dst, final)}

    p = lambda c: c.spec.pad  # noqa: E731
    return [
        Variant(
            "hw-swapped",
            "Your output equals the reference with its last two axes transposed; square "
            "outputs hide it.",
            lambda c: {"out": ref_out(c).transpose(0, 1, 3, 2)},
        ),
        Variant(
            "hw-swapped",
            "Your output holds the right numbers reshaped to (N, F, W_out, H_out).",
            rel("nfij", "nfji"),
        ),
        Variant(
            "hw-swapped",
            "Your output equals the (N*H_out*W_out, F) result reshaped to "
            "(N, W_out, H_out, F) and transposed: H_out and W_out are exchanged in the reshape.",
            rel("nijf", "njif", (0, 3, 1, 2)),
        ),
        Variant(
            "hw-swapped",
            "Your output equals the (F, N*H_out*W_out) result reshaped to "
            "(F, N, W_out, H_out): H_out and W_out are exchanged in the reshape.",
            rel("fnij", "fnji", (1, 0, 2, 3)),
        ),
        Variant(
            "hw-swapped",
            "Your output equals the (F, N*H_out*W_out) result reshaped to "
            "(F, N, W_out, H_out) and its last two axes transposed back: the shape comes "
            "out right but H_out and W_out are exchanged in the reshape.",
            rel("fnij", "fnji", (1, 0, 3, 2)),
        ),
        Variant(
            "hw-swapped",
            "Your output equals the (N*H_out*W_out, F) result reshaped to "
            "(N, W_out, H_out, F) and transposed to (N, F, H_out, W_out): the shape comes "
            "out right but H_out and W_out are exchanged in the reshape.",
            rel("nijf", "njif", (0, 3, 2, 1)),
        ),
        Variant(
            "hw-swapped",
            "Your loops run i over range(W_out) and j over range(H_out).",
            lambda c: out_of(c.win(Ho=c.spec.W_out, Wo=c.spec.H_out), c),
        ),
        Variant(
            "kernel-flipped",
            "Your output equals the reference computed with the kernel flipped, "
            "`w[:, :, ::-1, ::-1]` (a true convolution).",
            lambda c: out_of(c.ref_win, c, c.a["w"][:, :, ::-1, ::-1]),
        ),
        Variant(
            "stride-ignored",
            "Your windows start at row i and column j instead of i*stride and j*stride.",
            lambda c: out_of(sized(c, stride=1), c),
        ),
        Variant(
            "stride-ignored",
            "Your output is the stride-1 output.",
            lambda c: out_of(c.win(stride=1), c),
        ),
        Variant(
            "pad-ignored",
            "Your output equals the convolution of the unpadded input.",
            lambda c: out_of(c.win(pads=(0, 0, 0, 0)), c),
        ),
        Variant(
            "pad-wrong-axes",
            "Your output equals the convolution of the input padded on the top and left only.",
            lambda c: out_of(c.win(pads=(p(c), 0, p(c), 0)), c),
        ),
        Variant(
            "pad-wrong-axes",
            "Your output equals the convolution of the input padded on the bottom and right only.",
            lambda c: out_of(c.win(pads=(0, p(c), 0, p(c))), c),
        ),
        Variant(
            "bias-missing",
            "Your output equals the reference minus b[f] in every channel f.",
            lambda c: {"out": ref_out(c) - c.a["b"][None, :, None, None]},
        ),
        Variant(
            "bias-wrong-axis",
            "Your bias runs along the output columns j (b[j] added instead of b[f]): numpy "
            "aligned b with the last axis.",
            lambda c: _bias_broadcast(c, (-1,)),
        ),
        Variant(
            "bias-wrong-axis",
            "Your bias runs along the output rows i (b[i] added instead of b[f]), as a "
            "(F, 1) bias does against (..., H_out, W_out).",
            lambda c: _bias_broadcast(c, (-1, 1)),
        ),
        Variant(
            "bias-wrong-axis",
            "Your bias runs along the batch axis n (b[n] added instead of b[f]).",
            lambda c: _bias_broadcast(c, (-1, 1, 1, 1)),
        ),
    ]


class ForwardChecker(Checker):
    """``conv_forward(x, w, b, conv_param) -> (out, cache)`` by loops (the naive stage)."""

    name = "conv_forward"
    title = "conv_forward"
    outputs = ("out",)
    describe_as = "conv"
    axis_names: ClassVar[dict] = {"out": _OUT_AXES}

    def reference(self, case, arrays):
        from .. import layers

        sp = case.spec
        param = {"stride": sp.stride, "pad": sp.pad}
        out, _ = layers.conv_forward(arrays["x"], arrays["w"], arrays["b"], param, backend="fancy")
        return {"out": out}

    def variants(self, stage):
        return forward_variants()

    def exception_code(self, rec):
        return bias_exception(rec) or padding_exception(rec) or filter_hw_exception(rec)


def pad_geom(c):
    sp = c.spec
    return sp.H + 2 * sp.pad, sp.W + 2 * sp.pad, sp.stride, sp.stride


def ref_grads(c):
    """``(dx_pad, dw, db)`` of the reference geometry, memoised."""
    return c.memo(
        "ref_grads", lambda: grads_from_windows(c.ref_win, c.a["w"], c.a["dout"], *pad_geom(c))
    )


def _grads(dx, dw, db):
    return {"dx": dx, "dw": dw, "db": np.asarray(db)}


def dwin(c, w=None, dout=None):
    """Per-window gradient values ``(N, C, Ho, Wo, HH, WW)`` before they are folded."""
    w = c.a["w"] if w is None else w
    dout = c.a["dout"] if dout is None else dout
    return np.einsum("nfij,fchw->ncijhw", dout, w)


def backward_variants() -> list[Variant]:
    """Mutations of a backward pass that any implementation can make."""

    def flipped(c):
        wf = c.a["w"][:, :, ::-1, ::-1]
        g = grads_from_windows(c.ref_win, wf, c.a["dout"], *pad_geom(c))
        return _grads(crop(g[0], c.spec), g[1][:, :, ::-1, ::-1], g[2])

    def no_stride(c):
        sp = c.spec
        win = c.win(stride=1, Ho=sp.H_out, Wo=sp.W_out)
        Hp, Wp, _, _ = pad_geom(c)
        g = grads_from_windows(win, c.a["w"], c.a["dout"], Hp, Wp, 1, 1)
        return None if g is None else _grads(crop(g[0], sp), g[1], g[2])

    def assign(c, D, order="ij"):
        xp = fold_assign(D, *pad_geom(c), order=order)
        _, dw, db = ref_grads(c)
        return None if xp is None else _grads(crop(xp, c.spec), dw, db)

    def last_filter(c):
        # `dx_pad[n, :, window] = dout[n, f, i, j] * w[f]` inside loops over f, i, j
        F = c.spec.F
        D = dwin(c, c.a["w"][F - 1 : F], c.a["dout"][:, F - 1 : F])
        return assign(c, D)

    def fancy(c):
        xp = fold_fancy_plus_equals(dwin(c), *pad_geom(c))
        _, dw, db = ref_grads(c)
        return _grads(crop(xp, c.spec), dw, db)

    def uncropped(c):
        dx_pad, dw, db = ref_grads(c)
        return _grads(dx_pad, dw, db)

    def zero_crop(c):
        dx_pad, dw, db = ref_grads(c)
        p = c.spec.pad
        return _grads(dx_pad[:, :, p:-p, p:-p], dw, db)

    def db_axes(axes):
        def fn(c):
            dx_pad, dw, _ = ref_grads(c)
            return _grads(crop(dx_pad, c.spec), dw, c.a["dout"].sum(axis=axes))

        return fn

    acc = "col2im-not-accumulating"
    variants = [
        Variant(
            "kernel-flipped",
            "Your dx and dw are the gradients of a convolution with the flipped kernel.",
            flipped,
        ),
        Variant(
            "stride-ignored",
            "Your dx and dw treat window (i, j) as starting at row i and column j instead "
            "of i*stride and j*stride.",
            no_stride,
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
            lambda c: assign(c, dwin(c)),
        ),
        Variant(
            acc,
            "Your dx holds, where windows overlap, only the last window's contribution "
            "(windows visited j outer, i inner, with `=`), not the sum.",
            lambda c: assign(c, dwin(c), "ji"),
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
    return variants


class BackwardChecker(Checker):
    """``conv_backward(dout, cache) -> (dx, dw, db)`` by loops (the naive stage).

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
