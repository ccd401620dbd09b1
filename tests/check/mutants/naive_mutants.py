# ruff: noqa: RUF059
# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Student versions of the naive conv_forward / conv_backward (notebook 1), wrong and right.

Four styles: four nested loops; vectorised (sliding windows and ``tensordot`` or
broadcasting, loops over taps at most); im2col + GEMM (what a student who read
ahead writes); einsum.  The checkers of notebook 1 must name a mistake whatever
the style: a GEMM answer's ``weight-flatten-order`` is as much a mistake here.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import Valid, mutant

x = np.random.default_rng(1).standard_normal((3, 3, 7, 7))  # a notebook global


def _geom(x, w, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    return (
        N,
        C,
        H,
        W,
        F,
        HH,
        WW,
        stride,
        pad,
        (H + 2 * pad - HH) // stride + 1,
        (W + 2 * pad - WW) // stride + 1,
    )


# ==================================================================== forward: loops
def loops_forward(
    *,
    flip=False,
    bias="ok",
    step="stride",
    padding="ok",
    window="ok",
    ranges="ok",
    out_dtype="x",
    source=None,
    mutate=False,
    loose=False,
    name="conv_forward",
):
    """A four-loop forward; the keywords inject one mistake each."""

    def conv_forward(x_in, w, b, conv_param):
        N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x_in, w, conv_param)
        data = x_in if source is None else source[:N]
        if loose:
            data, w_use = data.astype(np.float32), w.astype(np.float32)
        else:
            w_use = w
        if padding == "ok":
            x_pad = np.pad(data, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
        elif padding == "none":
            x_pad = data
            Ho, Wo = (H - HH) // s + 1, (W - WW) // s + 1
        elif padding == "all-axes":
            x_pad = np.pad(data, p)
        elif padding == "top-left":
            x_pad = np.pad(data, ((0, 0), (0, 0), (2 * p, 0), (2 * p, 0)))
        elif padding == "uneven":
            x_pad = np.pad(data, ((0, 0), (0, 0), (p + 1, p), (p + 1, p)))
        out = np.zeros((N, F, Ho, Wo), dtype=x_in.dtype if out_dtype == "x" else out_dtype)
        rows, columns = (range(Wo), range(Ho)) if ranges == "swapped" else (range(Ho), range(Wo))
        for n in range(N):
            for f in range(F):
                for i in rows:
                    for j in columns:
                        hs = i * s if step == "stride" else i
                        ws = j * s if step == "stride" else j
                        if window == "offset":
                            hs += 1
                        if window == "mixed":
                            patch = x_pad[n, :, hs : hs + WW, ws : ws + HH]
                        elif window == "hh":
                            patch = x_pad[n, :, hs : hs + HH, ws : ws + HH]
                        else:
                            patch = x_pad[n, :, hs : hs + HH, ws : ws + WW]
                        kernel = w_use[f, :, ::-1, ::-1] if flip else w_use[f]
                        val = np.sum(patch * kernel)
                        if bias == "ok":
                            val += b[f]
                        out[n, f, i, j] = val
        if bias == "last-axis":
            out = out + b
        if mutate:
            x_in *= 2.0
        return out, (x_in, w, b, conv_param)

    conv_forward.__name__ = name
    return conv_forward


fwd_loops = loops_forward(name="fwd_loops")


def fwd_loops_windows_first(x, w, b, conv_param):
    """Valid: loops over windows, every filter at once by broadcasting."""
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                win = xp[n, :, i * s : i * s + HH, j * s : j * s + WW]
                out[n, :, i, j] = (win[None] * w).sum(axis=(1, 2, 3)) + b
    return out, (x, w, b, conv_param)


def fwd_loops_global(image, w, b, conv_param):
    """Four loops over the notebook's global x (which has another shape)."""
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(image, w, conv_param)
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F, Ho, Wo), dtype=image.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = x_pad[n, :, i * s : i * s + HH, j * s : j * s + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (image, w, b, conv_param)


def fwd_vec_global(image, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::s, ::s]
    out = np.tensordot(v, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return (out + b[None, :, None, None]).astype(image.dtype), (image, w, b, conv_param)


def fwd_loops_first_channel_weights(x, w, b, conv_param):
    """A near miss (w[f, 0] for every channel: right only with C == 1): named by nothing."""
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = (
                        np.sum(xp[n, :, i * s : i * s + HH, j * s : j * s + WW] * w[f, 0]) + b[f]
                    )
    return out, (x, w, b, conv_param)


def fwd_loops_true_division(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) / stride
    W_out = 1 + (W + 2 * pad - WW) / stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, f, i, j] = (
                        np.sum(
                            x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                            * w[f]
                        )
                        + b[f]
                    )
    return out, (x, w, b, conv_param)


def fwd_vec_true_division(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = (H + 2 * p - HH) / s + 1, (W + 2 * p - WW) / s + 1
    v = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), (HH, WW), axis=(2, 3))
    v = v[:, :, ::s, ::s][:, :, :Ho, :Wo]
    return np.tensordot(v, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2) + b[
        :, None, None
    ], (x, w, b, conv_param)


def fwd_loops_output_at_input_index(x, w, b, conv_param):
    """Output indexed by the window's row and column, not by i and j."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for r in range(0, H + 2 * pad - HH + 1, stride):
                for c in range(0, W + 2 * pad - WW + 1, stride):
                    out[n, f, r, c] = np.sum(x_pad[n, :, r : r + HH, c : c + WW] * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def fwd_loops_bias_in_sum(x, w, b, conv_param):
    """A near miss (b[f] added to every product inside the sum): named by nothing."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, f, i, j] = np.sum(
                        x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                        * w[f]
                        + b[f]
                    )
    return out, (x, w, b, conv_param)


def fwd_stub(x, w, b, conv_param):
    raise NotImplementedError


def fwd_out_only(x, w, b, conv_param):
    return fwd_loops(x, w, b, conv_param)[0]


def fwd_one_row_short(x, w, b, conv_param):
    out, cache = fwd_loops(x, w, b, conv_param)
    return out[:, :, :-1], cache


# =============================================================== forward: vectorised
def vectorised_forward(
    *,
    flip=False,
    bias="ok",
    step="stride",
    padding="ok",
    window="ok",
    out="ok",
    dtype=None,
    source=None,
    mutate=False,
    name="conv_forward",
):
    """Sliding windows and tensordot; the keywords inject one mistake each."""

    def conv_forward(x_in, w, b, conv_param):
        N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x_in, w, conv_param)
        data = x_in if source is None else source[:N, :C].astype(x_in.dtype)
        if padding == "ok":
            xp = np.pad(data, ((0, 0), (0, 0), (p, p), (p, p)))
        elif padding == "none":
            xp = data
        elif padding == "bottom":
            xp = np.pad(data, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))
        size = (WW, HH) if window == "swapped" else (HH, WW)
        st = s if step == "stride" else 1
        v = sliding_window_view(xp, size, axis=(2, 3))
        v = v[:, :, 1::st, ::st] if window == "offset" else v[:, :, ::st, ::st]
        kernel = w[:, :, ::-1, ::-1] if flip else w
        if window == "swapped":
            kernel = kernel.reshape(F, C, WW, HH)
        res = np.tensordot(v, kernel, axes=([1, 4, 5], [1, 2, 3]))  # (N, Ho, Wo, F)
        if bias == "ok":
            res = res + b
        if out == "ok":
            res = res.transpose(0, 3, 1, 2)
        elif out == "hw":
            res = res.transpose(0, 3, 2, 1)
        elif out == "nfhw-reshape":
            res = res.reshape(N, F, res.shape[1], res.shape[2])
        if bias == "rows":
            res = res + b.reshape(-1, 1)
        if dtype is not None:
            res = res.astype(dtype)
        if mutate:
            x_in[...] = 0
        return res, (x_in, w, b, conv_param)

    conv_forward.__name__ = name
    return conv_forward


fwd_vec = vectorised_forward(name="fwd_vec")


def fwd_vec_broadcast(x, w, b, conv_param):
    """Valid: loops over the taps, every window at once."""
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for di in range(HH):
        for dj in range(WW):
            patch = xp[:, :, di : di + s * Ho : s, dj : dj + s * Wo : s]  # (N, C, Ho, Wo)
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, di, dj])
    return out + b[None, :, None, None], (x, w, b, conv_param)


def fwd_vec_float32(x, w, b, conv_param):
    out, cache = fwd_vec(x.astype(np.float32), w.astype(np.float32), b, conv_param)
    return out.astype(x.dtype), (x, w, b, conv_param)


# ==================================================================== forward: GEMM
def _im2col(x, HH, WW, s, p, *, order="nij", taps="cij", step=None, pads=None):
    N, C, H, W = x.shape
    t, bo, le, r = (p, p, p, p) if pads is None else pads
    xp = np.pad(x, ((0, 0), (0, 0), (t, bo), (le, r)))
    st = s if step is None else step
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::st, ::st]
    Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
    v = v[:, :, :Ho, :Wo]
    tap_axes = {"cij": (1, 4, 5), "cji": (1, 5, 4), "ijc": (4, 5, 1)}[taps]
    col_axes = {"nij": (0, 2, 3), "ijn": (2, 3, 0), "nji": (0, 3, 2)}[order]
    return v.transpose(tap_axes + col_axes).reshape(C * HH * WW, -1)


def gemm_forward(
    *,
    order="nij",
    taps="cij",
    w_flat="ok",
    bias="ok",
    reshape="ok",
    step=None,
    pads=None,
    flip=False,
    out_dtype=None,
    mutate=False,
    source=None,
    loose=False,
    name="conv_forward",
):
    """im2col + one matrix product; the keywords inject one mistake each."""

    def conv_forward(x_in, w, b, conv_param):
        N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x_in, w, conv_param)
        data = x_in if source is None else source[:N, :C, :H, :W].astype(x_in.dtype)
        if loose:
            data = data.astype(np.float32)
        cols = _im2col(data, HH, WW, s, p, order=order, taps=taps, step=step, pads=pads)
        kernel = w[:, :, ::-1, ::-1] if flip else w
        if w_flat == "ok":
            w2 = kernel.reshape(F, -1)
        elif w_flat == "hwc":
            w2 = kernel.transpose(0, 2, 3, 1).reshape(F, -1)
        out2 = w2 @ cols
        if bias == "ok":
            out2 = out2 + b[:, None]
        elif bias == "last":
            out2 = out2 + b
        if reshape == "ok":
            out = out2.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
        elif reshape == "direct":
            out = out2.reshape(N, F, Ho, Wo)
        elif reshape == "hw":
            out = out2.reshape(F, N, Wo, Ho).transpose(1, 0, 3, 2)
        elif reshape == "no-transpose":
            out = out2.reshape(F, N, Ho, Wo)
        out = out.astype(x_in.dtype if out_dtype is None else out_dtype)
        if mutate:
            x_in += 1.0
        return out, (x_in, w, b, conv_param, cols)

    conv_forward.__name__ = name
    return conv_forward


fwd_gemm = gemm_forward(name="fwd_gemm")


def fwd_gemm_rows(X, Wt, b, conv_param):
    """Valid: the first seed's orientation, (N*L, K) @ (K, F), reshaped right."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    n_f, d_f, h_f, w_f = Wt.shape
    n_x, _d, h_x, w_x = X.shape
    h_out = (h_x - h_f + 2 * pad) // stride + 1
    w_out = (w_x - w_f + 2 * pad) // stride + 1
    X_col = _im2col(X, h_f, w_f, stride, pad)
    out = X_col.T @ Wt.reshape(n_f, -1).T + b
    out = out.reshape(n_x, h_out, w_out, n_f).transpose(0, 3, 1, 2)
    return out, (X, Wt, b, conv_param, X_col)


def fwd_gemm_seed_hw(X, Wt, b, conv_param):
    """The first seed's bug: the (N*L, F) result reshaped to (N, W_out, H_out, F)."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    n_f, d_f, h_f, w_f = Wt.shape
    n_x, _d, h_x, w_x = X.shape
    h_out = int((h_x - h_f + 2 * pad) / stride) + 1
    w_out = int((w_x - w_f + 2 * pad) / stride) + 1
    X_col = _im2col(X, h_f, w_f, stride, pad)
    out = X_col.T @ Wt.reshape(-1, d_f * h_f * w_f).T + b
    out = out.reshape(n_x, w_out, h_out, n_f)
    out = out.transpose((0, 3, 1, 2))
    return out, (X, Wt, b, conv_param, X_col)


def fwd_gemm_bias_column(X, Wt, b, conv_param):
    """The second seed's bias: `b.reshape(F, 1)` added to the (N*L, F) rows."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    F = Wt.shape[0]
    X_col = _im2col(X, Wt.shape[2], Wt.shape[3], stride, pad)
    out = X_col.T @ Wt.reshape(F, -1).T + b.reshape(F, 1)
    h_out = (X.shape[2] + 2 * pad - Wt.shape[2]) // stride + 1
    out = out.reshape(X.shape[0], h_out, -1, F).transpose(0, 3, 1, 2)
    return out, (X, Wt, b, conv_param, X_col)


def fwd_gemm_global(image, w, b, conv_param):
    """im2col of the notebook's global x (cut to size) instead of the argument."""
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(image, w, conv_param)
    cols = _im2col(x[:N, :C, :H, :W].astype(image.dtype), HH, WW, s, p)
    out = (w.reshape(F, -1) @ cols + b[:, None]).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
    return out, (image, w, b, conv_param, cols)


# ================================================================== forward: einsum
def fwd_einsum(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    v = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), w.shape[2:], axis=(2, 3))
    out = np.einsum("ncijhw,fchw->nfij", v[:, :, ::s, ::s], w) + b[None, :, None, None]
    return out, (x, w, b, conv_param)


def einsum_forward(
    *,
    spec="ncijhw,fchw->nfij",
    flip=False,
    bias="ok",
    step="stride",
    padding="ok",
    offset=0,
    dtype=None,
    name="conv_forward",
):
    def conv_forward(x, w, b, conv_param):
        s, p = conv_param["stride"], conv_param["pad"]
        if padding == "ok":
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        elif padding == "none":
            xp = x
        elif padding == "all-axes":
            xp = np.pad(x, p)[:, : x.shape[1]]
        st = s if step == "stride" else 1
        v = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, offset::st, offset::st]
        kernel = w[:, :, ::-1, ::-1] if flip else w
        out = np.einsum(spec, v, kernel)
        if bias == "ok":
            out = out + b[None, :, None, None]
        elif bias == "last":
            out = out + b
        if dtype is not None:
            out = out.astype(dtype)
        return out, (x, w, b, conv_param)

    conv_forward.__name__ = name
    return conv_forward


def fwd_einsum_global(image, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    v = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), w.shape[2:], axis=(2, 3))
    out = np.einsum("ncijhw,fchw->nfij", v[:, :, ::s, ::s], w) + b[None, :, None, None]
    return out.astype(image.dtype), (image, w, b, conv_param)


def fwd_einsum_mutating(x, w, b, conv_param):
    out, cache = fwd_einsum(x, w, b, conv_param)
    x[0] = 0.0
    return out, cache


def fwd_einsum_float32(x, w, b, conv_param):
    out, _ = fwd_einsum(x.astype(np.float32), w.astype(np.float32), b, conv_param)
    return out.astype(x.dtype), (x, w, b, conv_param)


def fwd_einsum_w_channel_last(x, w, b, conv_param):
    """w read as if it were (F, HH, WW, C)."""
    F, C, HH, WW = w.shape
    s, p = conv_param["stride"], conv_param["pad"]
    v = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), (HH, WW), axis=(2, 3))
    out = np.einsum("ncijhw,fhwc->nfij", v[:, :, ::s, ::s], w.reshape(F, HH, WW, C))
    return out + b[None, :, None, None], (x, w, b, conv_param)


def fwd_einsum_first_image(x, w, b, conv_param):
    out, cache = fwd_einsum(x, w, b, conv_param)
    return out[0], cache


FWD = "conv_forward"
FORWARD = [
    mutant(FWD, "not-implemented", "loops", fwd_stub),
    mutant(FWD, (), "loops", fwd_loops_first_channel_weights),
    mutant(FWD, (), "loops", fwd_loops_bias_in_sum),
    mutant(FWD, "true-division", "loops", fwd_loops_true_division),
    mutant(FWD, "true-division", "vectorised", fwd_vec_true_division),
    mutant(FWD, "stride-ignored", "loops", fwd_loops_output_at_input_index),
    mutant(FWD, "bad-return", "loops", fwd_out_only),
    mutant(FWD, "wrong-shape", "loops", fwd_one_row_short),
    mutant(FWD, "wrong-shape", "einsum", fwd_einsum_first_image),
    mutant(FWD, "kernel-flipped", "loops", loops_forward(flip=True, name="fwd_loops_flipped")),
    mutant(
        FWD, "kernel-flipped", "vectorised", vectorised_forward(flip=True, name="fwd_vec_flipped")
    ),
    mutant(FWD, "kernel-flipped", "gemm", gemm_forward(flip=True, name="fwd_gemm_flipped")),
    mutant(FWD, "kernel-flipped", "einsum", einsum_forward(flip=True, name="fwd_einsum_flipped")),
    mutant(FWD, "bias-missing", "loops", loops_forward(bias="none", name="fwd_loops_no_bias")),
    mutant(
        FWD, "bias-missing", "vectorised", vectorised_forward(bias="none", name="fwd_vec_no_bias")
    ),
    mutant(FWD, "bias-missing", "gemm", gemm_forward(bias="none", name="fwd_gemm_no_bias")),
    mutant(FWD, "bias-missing", "einsum", einsum_forward(bias="none", name="fwd_einsum_no_bias")),
    mutant(
        FWD, "bias-wrong-axis", "loops", loops_forward(bias="last-axis", name="fwd_loops_bias_last")
    ),
    mutant(
        FWD,
        "bias-wrong-axis",
        "vectorised",
        vectorised_forward(bias="rows", name="fwd_vec_bias_rows"),
    ),
    mutant(FWD, "bias-wrong-axis", "gemm", gemm_forward(bias="last", name="fwd_gemm_bias_last")),
    mutant(FWD, "bias-wrong-axis", "gemm", fwd_gemm_bias_column),
    mutant(
        FWD, "bias-wrong-axis", "einsum", einsum_forward(bias="last", name="fwd_einsum_bias_last")
    ),
    mutant(FWD, "stride-ignored", "loops", loops_forward(step="1", name="fwd_loops_no_stride")),
    mutant(
        FWD, "stride-ignored", "vectorised", vectorised_forward(step="1", name="fwd_vec_no_stride")
    ),
    mutant(FWD, "stride-ignored", "gemm", gemm_forward(step=1, name="fwd_gemm_no_stride")),
    mutant(FWD, "stride-ignored", "einsum", einsum_forward(step="1", name="fwd_einsum_no_stride")),
    mutant(FWD, "pad-ignored", "loops", loops_forward(padding="none", name="fwd_loops_no_pad")),
    mutant(
        FWD, "pad-ignored", "vectorised", vectorised_forward(padding="none", name="fwd_vec_no_pad")
    ),
    mutant(FWD, "pad-ignored", "gemm", gemm_forward(pads=(0, 0, 0, 0), name="fwd_gemm_no_pad")),
    mutant(FWD, "pad-ignored", "einsum", einsum_forward(padding="none", name="fwd_einsum_no_pad")),
    mutant(
        FWD, "pad-wrong-axes", "loops", loops_forward(padding="all-axes", name="fwd_loops_pad_all")
    ),
    mutant(
        FWD,
        "pad-wrong-axes",
        "loops",
        loops_forward(padding="top-left", name="fwd_loops_pad_corner"),
    ),
    mutant(
        FWD, "pad-wrong-axes", "loops", loops_forward(padding="uneven", name="fwd_loops_pad_uneven")
    ),
    mutant(
        FWD,
        "pad-wrong-axes",
        "vectorised",
        vectorised_forward(padding="bottom", name="fwd_vec_pad_bottom"),
    ),
    mutant(
        FWD,
        "pad-wrong-axes",
        "einsum",
        einsum_forward(padding="all-axes", name="fwd_einsum_pad_all"),
    ),
    mutant(
        FWD, "hw-swapped", "loops", loops_forward(ranges="swapped", name="fwd_loops_ranges_swapped")
    ),
    mutant(FWD, "hw-swapped", "vectorised", vectorised_forward(out="hw", name="fwd_vec_hw")),
    mutant(FWD, "hw-swapped", "gemm", fwd_gemm_seed_hw),
    mutant(FWD, "hw-swapped", "gemm", gemm_forward(reshape="hw", name="fwd_gemm_reshape_hw")),
    mutant(
        FWD, "filter-hw-swapped", "loops", loops_forward(window="mixed", name="fwd_loops_end_mixed")
    ),
    mutant(FWD, "filter-hw-swapped", "loops", loops_forward(window="hh", name="fwd_loops_hh_wide")),
    mutant(
        FWD,
        "filter-hw-swapped",
        "vectorised",
        vectorised_forward(window="swapped", name="fwd_vec_window_swapped"),
    ),
    mutant(FWD, "filter-hw-swapped", "gemm", gemm_forward(taps="cji", name="fwd_gemm_taps_cji")),
    mutant(FWD, "weight-flatten-order", "gemm", gemm_forward(w_flat="hwc", name="fwd_gemm_w_hwc")),
    mutant(
        FWD,
        "weight-flatten-order",
        "gemm",
        gemm_forward(taps="ijc", name="fwd_gemm_cols_channel_last"),
    ),
    mutant(FWD, "weight-flatten-order", "einsum", fwd_einsum_w_channel_last),
    mutant(
        FWD,
        "gemm-reshape-order",
        "gemm",
        gemm_forward(reshape="direct", name="fwd_gemm_reshape_direct"),
    ),
    mutant(
        FWD,
        "gemm-reshape-order",
        "gemm",
        gemm_forward(reshape="no-transpose", name="fwd_gemm_no_transpose"),
    ),
    mutant(
        FWD,
        "gemm-reshape-order",
        "vectorised",
        vectorised_forward(out="nfhw-reshape", name="fwd_vec_reshape_nhwf"),
    ),
    mutant(FWD, "cols-n-fastest", "gemm", gemm_forward(order="ijn", name="fwd_gemm_n_fastest")),
    mutant(FWD, "window-offset", "loops", loops_forward(window="offset", name="fwd_loops_offset")),
    mutant(
        FWD,
        "window-offset",
        "vectorised",
        vectorised_forward(window="offset", name="fwd_vec_offset"),
    ),
    mutant(FWD, "window-offset", "einsum", einsum_forward(offset=1, name="fwd_einsum_offset")),
    mutant(FWD, "ignores-input", "loops", fwd_loops_global),
    mutant(FWD, "ignores-input", "vectorised", fwd_vec_global),
    mutant(FWD, "ignores-input", "gemm", fwd_gemm_global),
    mutant(FWD, "ignores-input", "einsum", fwd_einsum_global),
    mutant(FWD, "mutates-input", "loops", loops_forward(mutate=True, name="fwd_loops_mutating")),
    mutant(
        FWD, "mutates-input", "vectorised", vectorised_forward(mutate=True, name="fwd_vec_mutating")
    ),
    mutant(FWD, "mutates-input", "gemm", gemm_forward(mutate=True, name="fwd_gemm_mutating")),
    mutant(FWD, "mutates-input", "einsum", fwd_einsum_mutating),
    mutant(
        FWD, "dtype-changed", "loops", loops_forward(out_dtype=np.float64, name="fwd_loops_float64")
    ),
    mutant(
        FWD,
        "dtype-changed",
        "vectorised",
        vectorised_forward(dtype=np.float64, name="fwd_vec_float64"),
    ),
    mutant(
        FWD, "dtype-changed", "gemm", gemm_forward(out_dtype=np.float64, name="fwd_gemm_float64")
    ),
    mutant(
        FWD, "dtype-changed", "einsum", einsum_forward(dtype=np.float64, name="fwd_einsum_float64")
    ),
    mutant(FWD, "numerically-loose", "loops", loops_forward(loose=True, name="fwd_loops_float32")),
    mutant(FWD, "numerically-loose", "vectorised", fwd_vec_float32),
    mutant(FWD, "numerically-loose", "gemm", gemm_forward(loose=True, name="fwd_gemm_float32")),
    mutant(FWD, "numerically-loose", "einsum", fwd_einsum_float32),
]


# ==================================================================== backward
def loops_backward(
    *,
    assign=False,
    flip=False,
    step="stride",
    crop="ok",
    db_axes=None,
    window="ok",
    ones=False,
    mutate=False,
    out_dtype=None,
    loose=False,
    name="conv_backward",
):
    """The four-loop backward; the keywords inject one mistake each."""

    def conv_backward(dout, cache):
        x, w, b, conv_param = cache[:4]
        N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
        g = np.ones_like(dout) if ones else dout
        if loose:
            g, x, w = g.astype(np.float32), x.astype(np.float32), w.astype(np.float32)
        x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        dx_pad = np.zeros_like(x_pad)
        dw = np.zeros_like(w)
        db = np.zeros_like(b)
        kernel = w[:, :, ::-1, ::-1] if flip else w
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        hs = i * s if step == "stride" else i
                        ws = j * s if step == "stride" else j
                        if window == "offset":
                            ws += 1
                        sl = (n, slice(None), slice(hs, hs + HH), slice(ws, ws + WW))
                        if window == "hh":
                            sl = (n, slice(None), slice(hs, hs + HH), slice(ws, ws + HH))
                        d = g[n, f, i, j]
                        if assign:
                            dx_pad[sl] = d * kernel[f]
                        else:
                            dx_pad[sl] += d * kernel[f]
                        patch = x_pad[sl]
                        dw[f] += d * (patch[:, ::-1, ::-1] if flip else patch)
                        db[f] += d
        if db_axes is not None:
            db = g.sum(axis=db_axes)
        if crop == "none":
            dx = dx_pad
        elif crop == "negative":
            dx = dx_pad[:, :, p:-p, p:-p]
        else:
            dx = dx_pad[:, :, p : p + H, p : p + W]
        if out_dtype is not None:
            dx, dw, db = dx.astype(out_dtype), dw.astype(out_dtype), np.asarray(db, out_dtype)
        if loose:
            dx, dw, db = dx.astype(dout.dtype), dw.astype(dout.dtype), db.astype(dout.dtype)
        if mutate:
            dout *= 2.0
        return dx, dw, db

    conv_backward.__name__ = name
    return conv_backward


bwd_loops = loops_backward(name="bwd_loops")


def bwd_stub(dout, cache):
    raise NotImplementedError


def bwd_loops_db_column(dout, cache):
    dx, dw, db = bwd_loops(dout, cache)
    return dx, dw, db.reshape(-1, 1)


def vectorised_backward(
    *, assign=False, crop="ok", db_axes=None, step="stride", flip=False, name="conv_backward"
):
    """Sliding windows for dw, loops over taps for dx."""

    def conv_backward(dout, cache):
        x, w, b, conv_param = cache[:4]
        N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
        st = s if step == "stride" else 1
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::st, ::st][:, :, :Ho, :Wo]
        kernel = w[:, :, ::-1, ::-1] if flip else w
        dw = np.tensordot(dout, v, axes=([0, 2, 3], [0, 2, 3]))  # (F, C, HH, WW)
        if flip:
            dw = dw[:, :, ::-1, ::-1]
        dxp = np.zeros_like(xp)
        for di in range(HH):
            for dj in range(WW):
                contrib = np.tensordot(dout, kernel[:, :, di, dj], axes=([1], [0]))  # N,Ho,Wo,C
                target = (
                    slice(None),
                    slice(None),
                    slice(di, di + st * Ho, st),
                    slice(dj, dj + st * Wo, st),
                )
                if assign:
                    dxp[target] = contrib.transpose(0, 3, 1, 2)
                else:
                    dxp[target] += contrib.transpose(0, 3, 1, 2)
        db = dout.sum(axis=(0, 2, 3) if db_axes is None else db_axes)
        if crop == "none":
            dx = dxp
        elif crop == "negative":
            dx = dxp[:, :, p:-p, p:-p]
        else:
            dx = dxp[:, :, p : p + H, p : p + W]
        return dx, dw, db

    conv_backward.__name__ = name
    return conv_backward


bwd_vec = vectorised_backward(name="bwd_vec")


def _col2im(dcols, x_shape, HH, WW, s, p, *, mode="add", order="nij", offset=0, step=None):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
    st = s if step is None else step
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dcols.dtype)
    c, di, dj, n, io, jo = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    if order == "ijn":
        c, di, dj, io, jo, n = np.indices((C, HH, WW, Ho, Wo, N)).reshape(6, -1)
    idx = (n, c, io * st + di + offset, jo * st + dj)
    if mode == "assign":
        xp[idx] = dcols.reshape(-1)
    else:
        np.add.at(xp, idx, dcols.reshape(-1))
    if mode == "uncropped":
        return xp
    return xp[:, :, p : p + H, p : p + W]


def gemm_backward(
    *,
    d_flat="ok",
    w_flat="ok",
    col2im_mode="add",
    order="nij",
    db="ok",
    offset=0,
    step=None,
    flip=False,
    name="conv_backward",
):
    """GEMM backward with the cached cols; the keywords inject one mistake each."""

    def conv_backward(dout, cache):
        x, w, b, conv_param, cols = cache
        N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
        if d_flat == "ok":
            d2 = dout.transpose(1, 0, 2, 3).reshape(F, -1)
        elif d_flat == "direct":
            d2 = dout.reshape(F, -1)
        elif d_flat == "n-fastest":
            d2 = dout.transpose(1, 2, 3, 0).reshape(F, -1)
        elif d_flat == "hw":
            d2 = dout.transpose(1, 0, 3, 2).reshape(F, -1)
        kernel = w[:, :, ::-1, ::-1] if flip else w
        w2 = (
            kernel.reshape(F, -1) if w_flat == "ok" else kernel.transpose(0, 2, 3, 1).reshape(F, -1)
        )
        dw = (d2 @ cols.T).reshape(w.shape)
        if flip:
            dw = dw[:, :, ::-1, ::-1]
        dx = _col2im(
            w2.T @ d2,
            x.shape,
            HH,
            WW,
            s,
            p,
            mode=col2im_mode,
            order=order,
            offset=offset,
            step=step,
        )
        if db == "ok":
            dbv = dout.sum(axis=(0, 2, 3))
        elif db == "keepdims":
            dbv = dout.sum(axis=(0, 2, 3)).reshape(F, 1)
        elif db == "axis0":
            dbv = dout.sum(axis=0)
        elif db == "per-image":
            dbv = dout.sum(axis=(1, 2, 3))
        return dx, dw, dbv

    conv_backward.__name__ = name
    return conv_backward


bwd_gemm = gemm_backward(name="bwd_gemm")


def bwd_gemm_seed_w_order(dout, cache):
    """The first seed's backward: w flattened (HH, WW, C) for dx."""
    X, Wt, b, conv_param, X_col = cache
    n_f = Wt.shape[0]
    db = np.sum(dout, axis=(0, 2, 3))
    d2 = dout.transpose(1, 0, 2, 3).reshape(n_f, -1)
    dW = (d2 @ X_col.T).reshape(Wt.shape)
    W_reshape = Wt.transpose(0, 2, 3, 1).reshape(n_f, -1)
    s, p = conv_param["stride"], conv_param["pad"]
    dX = _col2im(W_reshape.T @ d2, X.shape, Wt.shape[2], Wt.shape[3], s, p)
    return dX, dW, db


def bwd_einsum(dout, cache):
    x, w, b, conv_param = cache[:4]
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    dw = np.einsum("nfij,ncijhw->fchw", dout, v)
    dxp = np.zeros_like(xp)
    for di in range(HH):
        for dj in range(WW):
            dxp[:, :, di : di + s * Ho : s, dj : dj + s * Wo : s] += np.einsum(
                "nfij,fc->ncij", dout, w[:, :, di, dj]
            )
    return dxp[:, :, p : p + H, p : p + W], dw, dout.sum(axis=(0, 2, 3))


def bwd_einsum_dout_direct(dout, cache):
    """dout flattened by `dout.reshape(F, -1)` before the einsum over (F, N*L)."""
    x, w, b, conv_param = cache[:4]
    N, C, H, W, F, HH, WW, s, p, Ho, Wo = _geom(x, w, conv_param)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    d = dout.reshape(F, N, Ho, Wo)
    dw = np.einsum("fnij,ncijhw->fchw", d, v)
    dcols = np.einsum("fchw,fnij->chwnij", w, d).reshape(C * HH * WW, -1)
    return _col2im(dcols, x.shape, HH, WW, s, p), dw, dout.sum(axis=(0, 2, 3))


def bwd_einsum_db_rows(dout, cache):
    dx, dw, _ = bwd_einsum(dout, cache)
    return dx, dw, np.einsum("nfij->n", dout)


def bwd_einsum_mutating(dout, cache):
    grads = bwd_einsum(dout, cache)
    dout[:] = 0.0
    return grads


def bwd_einsum_float64(dout, cache):
    return tuple(g.astype(np.float64) for g in bwd_einsum(dout, cache))


def bwd_einsum_ones(dout, cache):
    return bwd_einsum(np.ones_like(dout), cache)


BWD = "conv_backward"


def _pair(backward, forward=fwd_loops):
    return {"conv_backward": backward, "conv_forward": forward}


def _gemm_pair(backward):
    return _pair(backward, fwd_gemm)


BACKWARD = [
    mutant(BWD, "not-implemented", "loops", _pair(bwd_stub)),
    mutant(BWD, "wrong-shape", "loops", _pair(bwd_loops_db_column)),
    mutant(
        BWD,
        "wrong-shape",
        "gemm",
        _gemm_pair(gemm_backward(db="keepdims", name="bwd_gemm_db_column")),
    ),
    mutant(
        BWD, "kernel-flipped", "loops", _pair(loops_backward(flip=True, name="bwd_loops_flipped"))
    ),
    mutant(
        BWD,
        "kernel-flipped",
        "vectorised",
        _pair(vectorised_backward(flip=True, name="bwd_vec_flipped")),
    ),
    mutant(
        BWD, "kernel-flipped", "gemm", _gemm_pair(gemm_backward(flip=True, name="bwd_gemm_flipped"))
    ),
    mutant(
        BWD, "stride-ignored", "loops", _pair(loops_backward(step="1", name="bwd_loops_no_stride"))
    ),
    mutant(
        BWD,
        "stride-ignored",
        "vectorised",
        _pair(vectorised_backward(step="1", name="bwd_vec_no_stride")),
    ),
    mutant(
        BWD, "stride-ignored", "gemm", _gemm_pair(gemm_backward(step=1, name="bwd_gemm_no_stride"))
    ),
    mutant(
        BWD,
        "col2im-not-accumulating",
        "loops",
        _pair(loops_backward(assign=True, name="bwd_loops_assign")),
    ),
    mutant(
        BWD,
        "col2im-not-accumulating",
        "vectorised",
        _pair(vectorised_backward(assign=True, name="bwd_vec_assign")),
    ),
    mutant(
        BWD,
        "col2im-not-accumulating",
        "gemm",
        _gemm_pair(gemm_backward(col2im_mode="assign", name="bwd_gemm_assign")),
    ),
    mutant(
        BWD,
        "col2im-uncropped",
        "loops",
        _pair(loops_backward(crop="none", name="bwd_loops_uncropped")),
    ),
    mutant(
        BWD,
        "col2im-uncropped",
        "vectorised",
        _pair(vectorised_backward(crop="none", name="bwd_vec_uncropped")),
    ),
    mutant(
        BWD,
        "col2im-uncropped",
        "gemm",
        _gemm_pair(gemm_backward(col2im_mode="uncropped", name="bwd_gemm_uncropped")),
    ),
    mutant(
        BWD,
        "pad-zero-crop",
        "loops",
        _pair(loops_backward(crop="negative", name="bwd_loops_zero_crop")),
    ),
    mutant(
        BWD,
        "pad-zero-crop",
        "vectorised",
        _pair(vectorised_backward(crop="negative", name="bwd_vec_zero_crop")),
    ),
    mutant(
        BWD,
        "db-wrong-axes",
        "loops",
        _pair(loops_backward(db_axes=(1, 2, 3), name="bwd_loops_db_per_image")),
    ),
    mutant(
        BWD,
        "db-wrong-axes",
        "vectorised",
        _pair(vectorised_backward(db_axes=(0,), name="bwd_vec_db_axis0")),
    ),
    mutant(
        BWD,
        "db-wrong-axes",
        "gemm",
        _gemm_pair(gemm_backward(db="per-image", name="bwd_gemm_db_per_image")),
    ),
    mutant(BWD, "db-wrong-axes", "einsum", _pair(bwd_einsum_db_rows)),
    mutant(
        BWD,
        "dout-not-transposed",
        "gemm",
        _gemm_pair(gemm_backward(d_flat="direct", name="bwd_gemm_dout_direct")),
    ),
    mutant(
        BWD,
        "dout-not-transposed",
        "gemm",
        _gemm_pair(gemm_backward(d_flat="n-fastest", name="bwd_gemm_dout_n_fastest")),
    ),
    mutant(BWD, "dout-not-transposed", "einsum", _pair(bwd_einsum_dout_direct)),
    mutant(
        BWD,
        "weight-flatten-order",
        "gemm",
        _gemm_pair(gemm_backward(w_flat="hwc", name="bwd_gemm_w_hwc")),
    ),
    mutant(BWD, "weight-flatten-order", "gemm", _gemm_pair(bwd_gemm_seed_w_order)),
    mutant(
        BWD, "hw-swapped", "gemm", _gemm_pair(gemm_backward(d_flat="hw", name="bwd_gemm_dout_hw"))
    ),
    mutant(
        BWD,
        "filter-hw-swapped",
        "loops",
        _pair(loops_backward(window="hh", name="bwd_loops_hh_wide")),
    ),
    mutant(
        BWD,
        "window-offset",
        "loops",
        _pair(loops_backward(window="offset", name="bwd_loops_offset")),
    ),
    mutant(
        BWD, "window-offset", "gemm", _gemm_pair(gemm_backward(offset=1, name="bwd_gemm_offset"))
    ),
    mutant(BWD, "ignores-input", "loops", _pair(loops_backward(ones=True, name="bwd_loops_ones"))),
    mutant(BWD, "ignores-input", "einsum", _pair(bwd_einsum_ones)),
    mutant(
        BWD, "mutates-input", "loops", _pair(loops_backward(mutate=True, name="bwd_loops_mutating"))
    ),
    mutant(BWD, "mutates-input", "einsum", _pair(bwd_einsum_mutating)),
    mutant(
        BWD,
        "dtype-changed",
        "loops",
        _pair(loops_backward(out_dtype=np.float64, name="bwd_loops_float64")),
    ),
    mutant(BWD, "dtype-changed", "einsum", _pair(bwd_einsum_float64)),
    mutant(
        BWD,
        "numerically-loose",
        "loops",
        _pair(loops_backward(loose=True, name="bwd_loops_float32")),
    ),
]

MUTANTS = FORWARD + BACKWARD

VALID = [
    Valid(FWD, "loops", fwd_loops),
    Valid(FWD, "loops", fwd_loops_windows_first),
    Valid(FWD, "vectorised", fwd_vec),
    Valid(FWD, "vectorised", fwd_vec_broadcast),
    Valid(FWD, "gemm", fwd_gemm),
    Valid(FWD, "gemm", fwd_gemm_rows),
    Valid(FWD, "einsum", fwd_einsum),
    Valid(BWD, "loops", _pair(bwd_loops)),
    Valid(BWD, "vectorised", _pair(bwd_vec)),
    Valid(BWD, "gemm", _gemm_pair(bwd_gemm)),
    Valid(BWD, "einsum", _pair(bwd_einsum)),
    Valid(BWD, "einsum", _pair(bwd_einsum, fwd_einsum)),
]
