"""Wrong (and right) student versions of the im2col + GEMM layer, forward and backward."""

from __future__ import annotations

import numpy as np

from .im2col_mutants import (
    col2im_assign,
    col2im_loops,
    col2im_negative_crop,
    col2im_uncropped,
    im2col_loops,
    im2col_n_fastest,
    im2col_no_stride,
    im2col_taps_transposed,
)

x = np.random.default_rng(2).standard_normal((3, 3, 16, 16))  # a notebook global


def _param(conv_param):
    return conv_param["stride"], conv_param["pad"]


# -------------------------------------------------------------------- forward
def make_forward(
    im2col=im2col_loops,
    *,
    w_flat=None,
    bias="ok",
    reshape="ok",
    xsrc=None,
    dtype=None,
    mutate=False,
    out_dtype=None,
):
    def conv_forward(x_in, w, b, conv_param):
        s, p = _param(conv_param)
        N, C, H, W = x_in.shape
        F, _, HH, WW = w.shape
        data = x_in if xsrc is None else xsrc[:N, :C, :H, :W].astype(x_in.dtype)
        cols = im2col(data.astype(dtype) if dtype else data, HH, WW, s, p)
        w2 = w.reshape(F, -1) if w_flat is None else w_flat(w).reshape(F, -1)
        out2 = w2.astype(cols.dtype) @ cols
        if bias == "ok":
            out2 = out2 + b[:, None]
        elif bias == "last":
            out2 = out2 + b
        Ho = (H + 2 * p - HH) // s + 1
        Wo = (W + 2 * p - WW) // s + 1
        if reshape == "ok":
            out = out2.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
        elif reshape == "hw":
            out = out2.reshape(F, N, Wo, Ho).transpose(1, 0, 2, 3)
        elif reshape == "direct":
            out = out2.reshape(N, F, Ho, Wo)
        if dtype:
            out = out.astype(x_in.dtype)
        if out_dtype:
            out = out.astype(out_dtype)
        if mutate:
            x_in[...] = 0
        return out, (x_in, w, b, conv_param, cols)

    return conv_forward


fwd_ok = make_forward()


def fwd_einsum(x, w, b, conv_param):
    """Valid: sliding windows + einsum, cache holds cols."""
    from numpy.lib.stride_tricks import sliding_window_view

    s, p = _param(conv_param)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::s, ::s]
    out = np.einsum("ncijhw,fchw->nfij", v, w) + b[None, :, None, None]
    return out, (x, w, b, conv_param, im2col_loops(x, w.shape[2], w.shape[3], s, p))


def fwd_cols_transposed_gemm(x, w, b, conv_param):
    """Valid: (N*L, K) @ (K, F) orientation, reshaped correctly."""
    s, p = _param(conv_param)
    N = x.shape[0]
    F, _, HH, WW = w.shape
    cols = im2col_loops(x, HH, WW, s, p)
    out2 = cols.T @ w.reshape(F, -1).T + b[None, :]
    Ho = (x.shape[2] + 2 * p - HH) // s + 1
    out = out2.reshape(N, Ho, -1, F).transpose(0, 3, 1, 2)
    return out, (x, w, b, conv_param, cols)


def fwd_torch(x, w, b, conv_param):
    """Valid: torch conv2d (cache still holds cols for the backward)."""
    import torch

    s, p = _param(conv_param)
    out = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=s, padding=p
    ).numpy()
    return out, (x, w, b, conv_param, im2col_loops(x, w.shape[2], w.shape[3], s, p))


def fwd_stub(x, w, b, conv_param):
    raise NotImplementedError


def fwd_out_only(x, w, b, conv_param):
    return fwd_ok(x, w, b, conv_param)[0]


def fwd_wrong_shape(x, w, b, conv_param):
    out, cache = fwd_ok(x, w, b, conv_param)
    return out[:1], cache


def fwd_no_pad(x, w, b, conv_param):
    return fwd_ok(x, w, b, {"stride": conv_param["stride"], "pad": 0})


def _hwc(w):
    return w.transpose(0, 2, 3, 1)


def _flip(w):
    return w[:, :, ::-1, ::-1]


def fwd_hw_swapped_sample(x, w, b, conv_param):
    """The sample class's answer: right shape, H_out and W_out exchanged in the reshape."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, _C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    cols = im2col_loops(x, HH, WW, stride, pad)
    out = w.reshape(F, -1) @ cols + b[:, None]
    out = out.reshape(F, N, W_out, H_out).transpose(0, 1, 3, 2)  # the bug: W_out, H_out
    out = np.ascontiguousarray(out.transpose(1, 0, 2, 3))
    return out, (x, w, b, conv_param, cols)


def fwd_hw_swapped_seed(X, W, b, conv_param):
    """The first seed's version: a (N*L, F) result reshaped to (N, W_out, H_out, F)."""
    stride, padding = conv_param["stride"], conv_param["pad"]
    n_filters, d_filter, h_filter, w_filter = W.shape
    n_x, _d_x, h_x, w_x = X.shape
    h_out = int((h_x - h_filter + 2 * padding) / stride) + 1
    w_out = int((w_x - w_filter + 2 * padding) / stride) + 1
    X_col = im2col_loops(X, h_filter, w_filter, stride, padding)
    out = X_col.T @ W.reshape(-1, d_filter * h_filter * w_filter).T + b
    out = out.reshape(n_x, w_out, h_out, n_filters)
    out = out.transpose((0, 3, 1, 2))
    return out, (X, W, b, conv_param, X_col)


def fwd_hw_swapped_nlf(x, w, b, conv_param):
    """(N*L, F) result reshaped to (N, W_out, H_out, F), transposed to the right shape."""
    out, cache = fwd_hw_swapped_seed(x, w, b, conv_param)
    return np.ascontiguousarray(out.transpose(0, 1, 3, 2)), cache


# ------------------------------------------------------------------- backward
def make_backward(
    *,
    d_flat="ok",
    w_flat=None,
    col2im=col2im_loops,
    db="ok",
    dtype=None,
    mutate=False,
    ones=False,
    out_dtype=None,
):
    def conv_backward(dout, cache):
        x, w, _b, conv_param, cols = cache
        s, p = _param(conv_param)
        F, _, HH, WW = w.shape
        g = np.ones_like(dout) if ones else dout
        if dtype:
            g = g.astype(dtype)
        if d_flat == "ok":
            d = g.transpose(1, 0, 2, 3).reshape(F, -1)
        elif d_flat == "hw":
            d = g.transpose(1, 0, 3, 2).reshape(F, -1)
        else:
            d = g.reshape(F, -1)
        if db == "ok":
            dbv = g.sum(axis=(0, 2, 3))
        elif db == "keepdims":
            dbv = g.sum(axis=(0, 2, 3)).reshape(F, 1)
        else:
            dbv = g.sum(axis=(1, 2, 3))
        dw = (d @ cols.T.astype(d.dtype)).reshape(w.shape)
        w2 = w.reshape(F, -1) if w_flat is None else w_flat(w).reshape(F, -1)
        dx = col2im(w2.T.astype(d.dtype) @ d, x.shape, HH, WW, s, p)
        if dtype:
            dx, dw, dbv = (a.astype(x.dtype) for a in (dx, dw, dbv))
        if out_dtype:
            dx, dw, dbv = (a.astype(out_dtype) for a in (dx, dw, dbv))
        if mutate:
            dout *= 0.5
        return dx, dw, dbv

    return conv_backward


bwd_ok = make_backward()


def bwd_bias_column_sample(dout, cache):
    """The sample class's answer: db returned as a (F, 1) column."""
    x, w, _, conv_param, cols = cache
    F, _, HH, WW = w.shape
    d = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    db = dout.sum(axis=(0, 2, 3)).reshape(F, 1)  # the bug: a column
    dw = (d @ cols.T).reshape(w.shape)
    dx = col2im_loops(
        w.reshape(F, -1).T @ d, x.shape, HH, WW, conv_param["stride"], conv_param["pad"]
    )
    return dx, dw, db


def bwd_bias_row(dout, cache):
    """db as a (1, F) row, `dout.sum(axis=(0, 2, 3), keepdims=True)`-style."""
    dx, dw, db = bwd_ok(dout, cache)
    return dx, dw, db.reshape(1, -1)


def bwd_torch(dout, cache):
    """Valid: torch autograd on the cached inputs."""
    import torch

    x, w, b, conv_param, _ = cache
    s, p = _param(conv_param)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p).backward(torch.from_numpy(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def bwd_einsum(dout, cache):
    """Valid: einsum over a 6-D view of cols."""
    x, w, _b, conv_param, cols = cache
    s, p = _param(conv_param)
    N, C, _H, _W = x.shape
    _F, _, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    dw = np.einsum("nfij,chwnij->fchw", dout, c6)
    dcols = np.einsum("fchw,nfij->chwnij", w, dout).reshape(C * HH * WW, -1)
    return col2im_loops(dcols, x.shape, HH, WW, s, p), dw, dout.sum(axis=(0, 2, 3))


def bwd_stub(dout, cache):
    raise NotImplementedError


def _pair(backward, forward=fwd_ok):
    return {"conv_forward": forward, "conv_backward": backward}


FORWARD_MUTANTS = {
    "not-implemented": [fwd_stub],
    "bad-return": [fwd_out_only],
    "wrong-shape": [fwd_wrong_shape],
    "hw-swapped": [
        make_forward(reshape="hw"),
        fwd_hw_swapped_sample,
        fwd_hw_swapped_seed,
        fwd_hw_swapped_nlf,
    ],
    "filter-hw-swapped": [make_forward(im2col_taps_transposed)],
    "kernel-flipped": [make_forward(w_flat=_flip)],
    "stride-ignored": [make_forward(im2col_no_stride)],
    "pad-ignored": [fwd_no_pad],
    "weight-flatten-order": [make_forward(w_flat=_hwc)],
    "gemm-reshape-order": [make_forward(reshape="direct")],
    "cols-n-fastest": [make_forward(im2col_n_fastest)],
    "bias-missing": [make_forward(bias="none")],
    "bias-wrong-axis": [make_forward(bias="last")],
    "ignores-input": [make_forward(xsrc=x)],
    "mutates-input": [make_forward(mutate=True)],
    "dtype-changed": [make_forward(out_dtype=np.float64)],
    "numerically-loose": [make_forward(dtype=np.float32)],
}

BACKWARD_MUTANTS = {
    "not-implemented": [_pair(bwd_stub)],
    "wrong-shape": [
        _pair(make_backward(db="keepdims")),
        _pair(bwd_bias_column_sample),
        _pair(bwd_bias_row),
    ],
    "hw-swapped": [_pair(make_backward(d_flat="hw"))],
    "dout-not-transposed": [_pair(make_backward(d_flat="direct"))],
    "db-wrong-axes": [_pair(make_backward(db="per-image"))],
    "weight-flatten-order": [_pair(make_backward(w_flat=_hwc))],
    "col2im-not-accumulating": [_pair(make_backward(col2im=col2im_assign))],
    "col2im-uncropped": [_pair(make_backward(col2im=col2im_uncropped))],
    "pad-zero-crop": [_pair(make_backward(col2im=col2im_negative_crop))],
    "ignores-input": [_pair(make_backward(ones=True))],
    "mutates-input": [_pair(make_backward(mutate=True))],
    "dtype-changed": [_pair(make_backward(out_dtype=np.float64))],
    "numerically-loose": [_pair(make_backward(dtype=np.float32))],
}

MUTANTS = {("layer_forward", code): fs for code, fs in FORWARD_MUTANTS.items()}
MUTANTS.update({("layer_backward", code): fs for code, fs in BACKWARD_MUTANTS.items()})


def _torch(*funcs):
    """The torch-based alternatives, when torch is installed (an optional test oracle)."""
    import importlib.util

    return list(funcs) if importlib.util.find_spec("torch") is not None else []


VALID = {
    "layer_forward": [fwd_ok, fwd_einsum, fwd_cols_transposed_gemm, *_torch(fwd_torch)],
    "layer_backward": [_pair(bwd_ok), _pair(bwd_einsum), *_torch(_pair(bwd_torch, fwd_torch))],
}
