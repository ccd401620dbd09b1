# ruff: noqa: RUF059
# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Student versions of the im2col + GEMM layer (notebook 2), wrong and right.

The layer checkers see the same forward and backward passes as the naive ones
(:mod:`.naive_mutants`); here they come in the layer's own styles: im2col by
loops and a GEMM, fancy indexing and a GEMM, einsum over cols.
"""

from __future__ import annotations

import numpy as np

from . import Valid, mutant
from .col2im_mutants import (
    col2im_fancy,
    col2im_fancy_plus_equals,
    col2im_loops,
    col2im_loops_assign,
    col2im_loops_uncropped,
    col2im_loops_zero_crop,
)
from .im2col_mutants import im2col_fancy, im2col_loops, im2col_loops_n_fastest
from .naive_mutants import (
    bwd_gemm,
    bwd_gemm_seed_w_order,
    fwd_gemm,
    fwd_gemm_bias_column,
    fwd_gemm_rows,
    fwd_gemm_seed_hw,
    gemm_backward,
    gemm_forward,
)

x = np.random.default_rng(2).standard_normal((3, 3, 16, 16))  # a notebook global


def _param(conv_param):
    return conv_param["stride"], conv_param["pad"]


def layer_forward(
    im2col=im2col_loops,
    *,
    w_flat="ok",
    bias="ok",
    reshape="ok",
    dtype=None,
    out_dtype=None,
    name="conv_forward",
):
    """im2col (a student's own) + GEMM; the keywords inject one mistake each."""

    def conv_forward(x_in, w, b, conv_param):
        s, p = _param(conv_param)
        N, C, H, W = x_in.shape
        F, _, HH, WW = w.shape
        cols = im2col(x_in.astype(dtype) if dtype else x_in, HH, WW, s, p)
        w2 = w.reshape(F, -1) if w_flat == "ok" else w.transpose(0, 2, 3, 1).reshape(F, -1)
        out2 = w2.astype(cols.dtype) @ cols
        out2 = out2 + b[:, None] if bias == "ok" else out2
        Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
        if reshape == "ok":
            out = out2.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
        elif reshape == "n-fastest":
            out = out2.reshape(F, Ho, Wo, N).transpose(3, 0, 1, 2)
        elif reshape == "direct":
            out = out2.reshape(N, F, Ho, Wo)
        out = out.astype(x_in.dtype) if dtype else out
        out = out.astype(out_dtype) if out_dtype else out
        return out, (x_in, w, b, conv_param, cols)

    conv_forward.__name__ = name
    return conv_forward


lfwd_loops = layer_forward(name="lfwd_loops")
lfwd_fancy = layer_forward(im2col_fancy, name="lfwd_fancy")


def lfwd_einsum(x_in, w, b, conv_param):
    """Valid: einsum over a 6-D view of the student's cols."""
    s, p = _param(conv_param)
    N, C, H, W = x_in.shape
    F, _, HH, WW = w.shape
    cols = im2col_fancy(x_in, HH, WW, s, p)
    Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
    out = np.einsum("fchw,chwnij->nfij", w, cols.reshape(C, HH, WW, N, Ho, Wo))
    return out + b[None, :, None, None], (x_in, w, b, conv_param, cols)


def lfwd_n_fastest_consistent(x_in, w, b, conv_param):
    """Valid: cols with n fastest, and the result reshaped for it."""
    return layer_forward(im2col_loops_n_fastest, reshape="n-fastest")(x_in, w, b, conv_param)


def lfwd_stub(x_in, w, b, conv_param):
    raise NotImplementedError


def lfwd_out_only(x_in, w, b, conv_param):
    return lfwd_loops(x_in, w, b, conv_param)[0]


def lfwd_einsum_global(x_in, w, b, conv_param):
    s, p = _param(conv_param)
    N, C, H, W = x_in.shape
    F, _, HH, WW = w.shape
    cols = im2col_fancy(x[:N, :C, :H, :W].astype(x_in.dtype), HH, WW, s, p)
    Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
    out = np.einsum("fchw,chwnij->nfij", w, cols.reshape(C, HH, WW, N, Ho, Wo))
    return out + b[None, :, None, None], (x_in, w, b, conv_param, cols)


def lfwd_einsum_no_bias(x_in, w, b, conv_param):
    out, cache = lfwd_einsum(x_in, w, b, conv_param)
    return out - b[None, :, None, None], cache


def lfwd_einsum_w_hwc(x_in, w, b, conv_param):
    s, p = _param(conv_param)
    N, C, H, W = x_in.shape
    F, _, HH, WW = w.shape
    cols = im2col_fancy(x_in, HH, WW, s, p)
    Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
    w_hwc = w.transpose(0, 2, 3, 1).reshape(F, C, HH, WW)
    out = np.einsum("fchw,chwnij->nfij", w_hwc, cols.reshape(C, HH, WW, N, Ho, Wo))
    return out + b[None, :, None, None], (x_in, w, b, conv_param, cols)


def layer_backward(col2im=col2im_loops, *, d_flat="ok", w_flat="ok", db="ok", name="conv_backward"):
    """GEMM backward with the student's col2im; the keywords inject one mistake each."""

    def conv_backward(dout, cache):
        x_in, w, _b, conv_param, cols = cache
        s, p = _param(conv_param)
        F, _, HH, WW = w.shape
        d = dout.transpose(1, 0, 2, 3).reshape(F, -1) if d_flat == "ok" else dout.reshape(F, -1)
        dw = (d @ cols.T).reshape(w.shape)
        w2 = w.reshape(F, -1) if w_flat == "ok" else w.transpose(0, 2, 3, 1).reshape(F, -1)
        dx = col2im(w2.T @ d, x_in.shape, HH, WW, s, p)
        dbv = dout.sum(axis=(0, 2, 3)) if db == "ok" else dout.sum(axis=(0, 2, 3), keepdims=True)
        return dx, dw, dbv

    conv_backward.__name__ = name
    return conv_backward


lbwd_loops = layer_backward(name="lbwd_loops")
lbwd_fancy = layer_backward(col2im_fancy, name="lbwd_fancy")


def lbwd_einsum(dout, cache):
    """Valid: einsum over a 6-D view of cols."""
    x_in, w, _b, conv_param, cols = cache
    s, p = _param(conv_param)
    N, C, _H, _W = x_in.shape
    _F, _, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    dw = np.einsum("nfij,chwnij->fchw", dout, cols.reshape(C, HH, WW, N, Ho, Wo))
    dcols = np.einsum("fchw,nfij->chwnij", w, dout).reshape(C * HH * WW, -1)
    return col2im_fancy(dcols, x_in.shape, HH, WW, s, p), dw, dout.sum(axis=(0, 2, 3))


def lbwd_stub(dout, cache):
    raise NotImplementedError


def lbwd_einsum_dout_direct(dout, cache):
    x_in, w, _b, conv_param, cols = cache
    s, p = _param(conv_param)
    N, C, _H, _W = x_in.shape
    F, _, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    d = dout.reshape(F, N, Ho, Wo)
    dw = np.einsum("fnij,chwnij->fchw", d, cols.reshape(C, HH, WW, N, Ho, Wo))
    dcols = np.einsum("fchw,fnij->chwnij", w, d).reshape(C * HH * WW, -1)
    return col2im_fancy(dcols, x_in.shape, HH, WW, s, p), dw, dout.sum(axis=(0, 2, 3))


def lbwd_einsum_db_keepdims(dout, cache):
    dx, dw, db = lbwd_einsum(dout, cache)
    return dx, dw, db[None, :]


def _pair(backward, forward=lfwd_loops):
    return {"conv_backward": backward, "conv_forward": forward}


LF, LB = "layer_forward", "layer_backward"
MUTANTS = [
    mutant(LF, "not-implemented", "gemm", lfwd_stub),
    mutant(LF, "bad-return", "gemm", lfwd_out_only),
    mutant(LF, "hw-swapped", "gemm", fwd_gemm_seed_hw),
    mutant(LF, "hw-swapped", "gemm", gemm_forward(reshape="hw", name="lfwd_gemm_reshape_hw")),
    mutant(
        LF, "weight-flatten-order", "gemm", layer_forward(w_flat="hwc", name="lfwd_loops_w_hwc")
    ),
    mutant(
        LF,
        "weight-flatten-order",
        "fancy",
        layer_forward(im2col_fancy, w_flat="hwc", name="lfwd_fancy_w_hwc"),
    ),
    mutant(LF, "weight-flatten-order", "einsum", lfwd_einsum_w_hwc),
    mutant(
        LF, "gemm-reshape-order", "gemm", layer_forward(reshape="direct", name="lfwd_loops_direct")
    ),
    mutant(
        LF,
        "gemm-reshape-order",
        "fancy",
        layer_forward(im2col_fancy, reshape="direct", name="lfwd_fancy_direct"),
    ),
    mutant(
        LF, "cols-n-fastest", "gemm", layer_forward(im2col_loops_n_fastest, name="lfwd_n_fastest")
    ),
    mutant(LF, "bias-missing", "gemm", layer_forward(bias="none", name="lfwd_loops_no_bias")),
    mutant(LF, "bias-missing", "einsum", lfwd_einsum_no_bias),
    mutant(LF, "bias-wrong-axis", "gemm", fwd_gemm_bias_column),
    mutant(LF, "ignores-input", "einsum", lfwd_einsum_global),
    mutant(
        LF, "dtype-changed", "gemm", layer_forward(out_dtype=np.float64, name="lfwd_loops_float64")
    ),
    mutant(
        LF,
        "numerically-loose",
        "fancy",
        layer_forward(im2col_fancy, dtype=np.float32, name="lfwd_fancy_float32"),
    ),
    mutant(LB, "not-implemented", "gemm", _pair(lbwd_stub)),
    mutant(
        LB,
        "wrong-shape",
        "gemm",
        _pair(layer_backward(db="keepdims", name="lbwd_loops_db_keepdims")),
    ),
    mutant(LB, "wrong-shape", "einsum", _pair(lbwd_einsum_db_keepdims, lfwd_einsum)),
    mutant(
        LB,
        "dout-not-transposed",
        "gemm",
        _pair(layer_backward(d_flat="direct", name="lbwd_loops_dout_direct")),
    ),
    mutant(
        LB,
        "dout-not-transposed",
        "fancy",
        _pair(
            layer_backward(col2im_fancy, d_flat="direct", name="lbwd_fancy_dout_direct"), lfwd_fancy
        ),
    ),
    mutant(LB, "dout-not-transposed", "einsum", _pair(lbwd_einsum_dout_direct, lfwd_einsum)),
    mutant(
        LB,
        "weight-flatten-order",
        "gemm",
        _pair(layer_backward(w_flat="hwc", name="lbwd_loops_w_hwc")),
    ),
    mutant(LB, "weight-flatten-order", "gemm", _pair(bwd_gemm_seed_w_order, fwd_gemm)),
    mutant(
        LB,
        "col2im-not-accumulating",
        "gemm",
        _pair(layer_backward(col2im_loops_assign, name="lbwd_col2im_assign")),
    ),
    mutant(
        LB,
        "col2im-not-accumulating",
        "fancy",
        _pair(layer_backward(col2im_fancy_plus_equals, name="lbwd_col2im_plus_equals"), lfwd_fancy),
    ),
    mutant(
        LB,
        "col2im-uncropped",
        "gemm",
        _pair(layer_backward(col2im_loops_uncropped, name="lbwd_col2im_uncropped")),
    ),
    mutant(
        LB,
        "pad-zero-crop",
        "gemm",
        _pair(layer_backward(col2im_loops_zero_crop, name="lbwd_col2im_zero_crop")),
    ),
    mutant(
        LB,
        "hw-swapped",
        "gemm",
        _pair(gemm_backward(d_flat="hw", name="lbwd_gemm_dout_hw"), fwd_gemm),
    ),
]

VALID = [
    Valid(LF, "gemm", lfwd_loops),
    Valid(LF, "fancy", lfwd_fancy),
    Valid(LF, "einsum", lfwd_einsum),
    Valid(LF, "gemm", fwd_gemm_rows),
    Valid(LF, "gemm", lfwd_n_fastest_consistent),
    Valid(LB, "gemm", _pair(lbwd_loops)),
    Valid(LB, "fancy", _pair(lbwd_fancy, lfwd_fancy)),
    Valid(LB, "einsum", _pair(lbwd_einsum, lfwd_einsum)),
    Valid(LB, "gemm", _pair(bwd_gemm, fwd_gemm)),
]
