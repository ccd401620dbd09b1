"""The variants of a convolution's forward pass, whatever the style.

A loop-style forward (notebook 1) and an im2col + GEMM forward (notebook 2)
can make the same mistakes, and each checker of a forward pass considers all
of them: the windows' geometry and layout (from :mod:`cs_conv.check.layouts`,
computed as ``w.reshape(F, -1) @ cols``, which equals a loop over windows
whenever the window has the filter's shape), the kernel flipped, the bias,
the filters flattened in another order, and the GEMM result reshaped wrongly.
"""

from __future__ import annotations

import numpy as np

from .gather import Gather, gather, out_hw
from .im2col_variants import crash_only, loop_variants
from .layouts import CLIPPED, GEOMETRY, LAYOUT, PADDING, WINDOW_SIZE
from .loops import loop_forward
from .mutations import Crash, Variant, conv_from_windows, relayout

__all__ = ["forward_variants", "out_of", "ref_out", "w_cji", "w_hwc"]


def ref_out(c):
    """The right output of the case, memoised (computed independently of cs_conv)."""
    return c.memo("ref_out", lambda: conv_from_windows(c.ref_win, c.a["w"], c.a["b"]))


def out_of(win, c, w=None):
    """``{"out": ...}`` of the windows ``win`` (None where there are none: a crash)."""
    if win is None:
        return None
    return {"out": conv_from_windows(win, c.a["w"] if w is None else w, c.a["b"])}


def w_hwc(w):
    """The filters a GEMM sees when ``w`` is flattened in (HH, WW, C) order."""
    return w.transpose(0, 2, 3, 1).reshape(w.shape)


def w_cji(w):
    """The filters a GEMM sees when the taps of cols are in (c, dj, di) order."""
    F, C, HH, WW = w.shape
    return w.reshape(F, C, WW, HH).transpose(0, 1, 3, 2)


def _gemm(c, g, reshape_true: bool = False):
    """``w.reshape(F, -1) @ cols + b`` for the cols of ``g``, reshaped by the counts of
    ``g`` (or, with ``reshape_true``, by the case's H_out and W_out: a crash that says
    the size when the counts differ)."""
    sp = c.spec
    cols = gather(c.a["x"], sp, g)
    if cols is None or cols.shape[0] != sp.C * sp.HH * sp.WW:
        return None
    Ho, Wo = out_hw(sp, g)
    N = sp.N + 2 * sp.pad if g.all_axes else sp.N  # np.pad(x, pad) adds images too
    if cols.shape[1] != N * Ho * Wo:
        return None
    out2 = c.a["w"].reshape(sp.F, -1) @ cols + c.a["b"][:, None]
    if reshape_true and (N, Ho, Wo) != (sp.N, sp.H_out, sp.W_out):
        return Crash(f"size {out2.size} ")
    return {"out": out2.reshape(sp.F, N, Ho, Wo).transpose(1, 0, 2, 3)}


def _bias_broadcast(c, shape):
    """The reference with b[f] replaced by ``b.reshape(shape)`` under numpy broadcasting
    (a ValueError, so a predicted crash, where the shapes do not broadcast)."""
    b = c.a["b"]
    return {"out": ref_out(c) - b[None, :, None, None] + b.reshape(shape)}


def _gemm_bias(c, rows_first: bool, shape):
    """The GEMM result, (F, N*L) or (N*L, F), plus ``b.reshape(shape)`` broadcast by numpy
    (a ValueError, so a predicted crash, where it does not broadcast), reshaped back."""
    sp, b = c.spec, c.a["b"]
    plain = ref_out(c) - b[None, :, None, None]
    if rows_first:
        out2 = plain.transpose(0, 2, 3, 1).reshape(-1, sp.F) + b.reshape(shape)
        back = out2.reshape(sp.N, sp.H_out, sp.W_out, sp.F).transpose(0, 3, 1, 2)
    else:
        out2 = plain.transpose(1, 0, 2, 3).reshape(sp.F, -1) + b.reshape(shape)
        back = out2.reshape(sp.F, sp.N, sp.H_out, sp.W_out).transpose(1, 0, 2, 3)
    return {"out": back}


def _output_layouts(rel):
    return [
        (
            "hw-swapped",
            "equals the reference with its last two axes transposed",
            lambda c: {"out": ref_out(c).transpose(0, 1, 3, 2)},
        ),
        (
            "hw-swapped",
            "holds the right numbers reshaped to (N, F, W_out, H_out)",
            rel("nfij", "nfji"),
        ),
        (
            "hw-swapped",
            "is the (N*H_out*W_out, F) result reshaped to (N, W_out, H_out, F) and transposed",
            rel("nijf", "njif", (0, 3, 1, 2)),
        ),
        (
            "hw-swapped",
            "is the (F, N*H_out*W_out) result reshaped to (F, N, W_out, H_out)",
            rel("fnij", "fnji", (1, 0, 2, 3)),
        ),
        (
            "hw-swapped",
            "is the (F, N*H_out*W_out) result reshaped to (F, N, W_out, H_out) and its last "
            "two axes transposed back: the shape is right, the order is not",
            rel("fnij", "fnji", (1, 0, 3, 2)),
        ),
        (
            "hw-swapped",
            "is the (N*H_out*W_out, F) result reshaped to (N, W_out, H_out, F) and "
            "transposed to (N, F, H_out, W_out): the shape is right, the order is not",
            rel("nijf", "njif", (0, 3, 2, 1)),
        ),
        (
            "gemm-reshape-order",
            "is the (F, N*H_out*W_out) GEMM result reshaped straight to (N, F, H_out, W_out), "
            "without moving F behind N",
            rel("fnij", "nfij"),
        ),
        (
            "gemm-reshape-order",
            "is the GEMM result left as (F, N, H_out, W_out): `.transpose(1, 0, 2, 3)` is missing",
            lambda c: {"out": ref_out(c).transpose(1, 0, 2, 3)},
        ),
        (
            "gemm-reshape-order",
            "is the (F, N*H_out*W_out) GEMM result reshaped to (F, H_out, W_out, N), the "
            "order for cols with n fastest",
            rel("fnij", "fijn", (3, 0, 1, 2)),
        ),
        (
            "gemm-reshape-order",
            "is the (N*H_out*W_out, F) GEMM result reshaped straight to (N, F, H_out, W_out)",
            rel("nijf", "nfij"),
        ),
        (
            "gemm-reshape-order",
            "is left as (N, H_out, W_out, F): the final transpose is missing",
            lambda c: {"out": ref_out(c).transpose(0, 2, 3, 1)},
        ),
        (
            "cols-n-fastest",
            "is what cols with n fastest give when the result is reshaped for n slowest",
            rel("fijn", "fnij", (1, 0, 2, 3)),
        ),
    ]


class _Plain:
    """A case context whose reference output has no bias (for a layout applied to the
    GEMM result before the bias is added)."""

    def __init__(self, c):
        self._c = c
        self.a = c.a
        self.spec = c.spec

    def memo(self, key, make):
        if key == "ref_out":
            return self._c.memo(
                "ref_out_plain", lambda: ref_out(self._c) - self.a["b"][None, :, None, None]
            )
        return self._c.memo(key, make)


def forward_variants() -> list[Variant]:
    """Every mistake of a forward pass the catalogue names (loops or GEMM)."""

    def rel(src, dst, final=(0, 1, 2, 3)):
        return lambda c: {"out": relayout(ref_out(c), src, dst, final)}

    def bias_after(fn):
        def after(c):
            laid = fn(_Plain(c))
            return {"out": laid["out"] + c.a["b"].reshape(1, -1, 1, 1)}

        return after

    out = [Variant(code, f"Your output {words}.", fn) for code, words, fn in _output_layouts(rel)]
    out += [
        Variant(code, f"Your output {words}, with the bias added after.", bias_after(fn))
        for code, words, fn in _output_layouts(rel)
    ]
    out += [
        Variant(code, f"Your output is the convolution of {words}.", lambda c, g=g: _gemm(c, g))
        for code, words, g in (*LAYOUT[1:], *WINDOW_SIZE, *GEOMETRY, *PADDING, *CLIPPED)
    ]
    out += [
        Variant(
            code,
            f"Your output is the convolution of {words}, reshaped to (N, F, H_out, W_out).",
            lambda c, g=g: _gemm(c, g, reshape_true=True),
        )
        for code, words, g in (*WINDOW_SIZE, *GEOMETRY, *PADDING, *CLIPPED)
        if g.count != "true" or g.all_axes or g.clip
    ]
    out += [
        Variant(
            "kernel-flipped",
            "Your output equals the reference computed with the kernel flipped, "
            "`w[:, :, ::-1, ::-1]` (a true convolution).",
            lambda c: out_of(c.ref_win, c, c.a["w"][:, :, ::-1, ::-1]),
        ),
        Variant(
            "weight-flatten-order",
            "Your output equals a convolution whose filters were flattened in (HH, WW, C) "
            "order while cols rows are in (C, HH, WW) order; with C == 1 it is the same.",
            lambda c: out_of(c.ref_win, c, w_hwc(c.a["w"])),
        ),
        Variant(
            "filter-hw-swapped",
            "Your output equals a convolution whose filter taps were paired in (c, dj, di) "
            "order with w's (c, di, dj): HH and WW are exchanged in a reshape of w.",
            lambda c: out_of(c.ref_win, c, w_cji(c.a["w"])),
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
        Variant(
            "bias-wrong-axis",
            "Your code adds the whole bias b to one output value (`+ b` where `+ b[f]` "
            "belongs): it crashes unless F == 1.",
            _whole_bias,
        ),
        Variant(
            "bias-wrong-axis",
            "Your bias is added to the (F, N*H_out*W_out) GEMM result as `+ b`, which numpy "
            "aligns with the last axis (the windows), not with F.",
            lambda c: _gemm_bias(c, False, (-1,)),
        ),
        Variant(
            "bias-wrong-axis",
            "Your bias is added to the (N*H_out*W_out, F) GEMM result as a (F, 1) column, "
            "which numpy aligns with the windows, not with F.",
            lambda c: _gemm_bias(c, True, (-1, 1)),
        ),
    ]
    out += loop_variants(loop_forward, "Your output is the convolution of")
    out.append(
        Variant(
            "filter-hw-swapped",
            "Your windows span WW rows and HH columns, multiplied by `w[f]` with its last two "
            "axes exchanged to fit (in loops).",
            lambda c: loop_forward(c, Gather(taps=("WW", "HH")), transposed=True),
        )
    )
    return out + crash_only(ref_out_dict)


def _whole_bias(c):
    """``out[n, f, i, j] = value + b``: numpy decides (a crash, or for F == 1 in older
    numpy a size-1 array stored as a number)."""
    slot = np.zeros(1)
    slot[0] = 0.0 + c.a["b"]  # raises where the student's assignment raises
    return ref_out_dict(c)


def ref_out_dict(c) -> dict:
    """``{"out": the right output}``."""
    return {"out": ref_out(c)}
