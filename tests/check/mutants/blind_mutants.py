# ruff: noqa: RUF059, SIM300, F841
"""A second corpus, written after the checkers and not tuned to them: each function as a
student would write it from scratch, in a style of its own (CS231n-like variable names,
helpers, as_strided, np.take, ogrid).  The first run's verdicts are in the report of the
commit that added it; the tests hold it to the same standard as the main corpus."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from . import Valid, mutant

x = np.random.default_rng(7).standard_normal((5, 2, 11, 9))  # left over from a cell above


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), "constant")


def _strided_windows(xp, hh, ww, s):
    n, c, h, w = xp.shape
    ho, wo = (h - hh) // s + 1, (w - ww) // s + 1
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c, ho, wo, hh, ww), (sn, sc, sh * s, sw * s, sh, sw), writeable=False)


# ---------------------------------------------------------------- buggy
def conv_forward_gemm_w_channels_last(x, w, b, conv_param):
    """GEMM in notebook 1; w flattened after moving channels last."""
    s, p = conv_param["stride"], conv_param["pad"]
    F = w.shape[0]
    win = _strided_windows(np.ascontiguousarray(_pad(x, p)), w.shape[2], w.shape[3], s)
    N, C, Ho, Wo, hh, ww = win.shape
    X_col = win.transpose(1, 4, 5, 0, 2, 3).reshape(C * hh * ww, -1)
    W_row = np.moveaxis(w, 1, -1).reshape(F, -1)
    out = (W_row @ X_col).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3) + b.reshape(1, F, 1, 1)
    return out, (x, w, b, conv_param)


def conv_backward_gemm_dout_flat(dout, cache):
    """GEMM backward in notebook 1; dout flattened without moving F first."""
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, hh, ww = w.shape
    xp = np.ascontiguousarray(_pad(x, p))
    win = _strided_windows(xp, hh, ww, s)
    N, _, Ho, Wo = win.shape[:4]
    X_col = win.transpose(1, 4, 5, 0, 2, 3).reshape(C * hh * ww, -1)
    dout_mat = dout.reshape(F, -1)
    dw = (dout_mat @ X_col.T).reshape(w.shape)
    dcols = (w.reshape(F, -1).T @ dout_mat).reshape(C, hh, ww, N, Ho, Wo)
    dxp = np.zeros_like(xp)
    for a in range(hh):
        for c_ in range(ww):
            dxp[:, :, a : a + s * Ho : s, c_ : c_ + s * Wo : s] += dcols[:, a, c_].transpose(
                1, 0, 2, 3
            )
    return dxp[:, :, p : p + x.shape[2], p : p + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))


def conv_forward_pad_left_extra(x, w, b, conv_param):
    """Loops; the padded buffer gets one extra column on the left."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad + 1), dtype=x.dtype)
    x_padded[:, :, pad : pad + H, pad + 1 : pad + 1 + W] = x
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for r in range(H_out):
                for q in range(W_out):
                    out[n, f, r, q] = (
                        np.sum(
                            x_padded[
                                n, :, r * stride : r * stride + HH, q * stride : q * stride + WW
                            ]
                            * w[f]
                        )
                        + b[f]
                    )
    return out, (x, w, b, conv_param)


def conv_forward_window_transposed_kernel(x, w, b, conv_param):
    """Window of WW rows and HH columns, paired with the transposed filter."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                patch = xp[n, :, i * stride : i * stride + WW, j * stride : j * stride + HH]
                for f in range(F):
                    out[n, f, i, j] = np.sum(patch * w[f].transpose(0, 2, 1)) + b[f]
    return out, (x, w, b, conv_param)


def conv_forward_end_mixed(x, w, b, conv_param):
    """The row end uses HH, the column end uses HH too."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho = 1 + (H + 2 * pad - HH) // stride
    Wo = 1 + (W + 2 * pad - WW) // stride
    xp = _pad(x, pad)
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    r0, c0 = i * stride, j * stride
                    out[n, f, i, j] = (xp[n, :, r0 : r0 + HH, c0 : c0 + HH] * w[f]).sum() + b[f]
    return out, (x, w, b, conv_param)


def im2col_reads_x(img, HH, WW, stride=1, pad=0):
    """Reads the notebook's x, whose shape differs from img's."""
    N, C, H, W = img.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = _pad(x, pad)
    out = np.empty((C * HH * WW, N * Ho * Wo), dtype=img.dtype)
    col = 0
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                out[:, col] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].reshape(-1)
                col += 1
    return out


def im2col_fancy_np_pad(x, HH, WW, stride=1, pad=0):
    """Fancy im2col with np.pad(x, pad)."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, pad)
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i = i0[:, None] + stride * np.repeat(np.arange(Ho), Wo)[None, :]
    j = j0[:, None] + stride * np.tile(np.arange(Wo), Ho)[None, :]
    k = np.repeat(np.arange(C), HH * WW)[:, None]
    cols = xp[:, k, i, j]
    return cols.transpose(1, 0, 2).reshape(C * HH * WW, -1)


def output_shape_trusting(x_shape, w_shape, stride=1, pad=0):
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return N, F, 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride


def output_shape_slash(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, Cw, HH, WW = w_shape
    if C != Cw:
        raise ValueError("C mismatch")
    for size, k in ((H, HH), (W, WW)):
        if size + 2 * pad < k or (size + 2 * pad - k) % stride != 0:
            raise ValueError("bad stride/pad")
    return N, F, 1 + (H + 2 * pad - HH) / stride, 1 + (W + 2 * pad - WW) / stride


def conv_forward_start_plus_one(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho = 1 + (H + 2 * pad - HH) // stride
    Wo = 1 + (W + 2 * pad - WW) // stride
    xp = _pad(x, pad)
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    hs, ws = i * stride + 1, j * stride + 1
                    out[n, f, i, j] = np.sum(xp[n, :, hs : hs + HH, ws : ws + WW] * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def col2im_fancy_assign(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = np.ogrid[:C, :HH, :WW]
    rows = (di[..., None, None] + stride * np.arange(Ho)[:, None]).reshape(1, HH, 1, Ho, 1)
    colsi = (dj[..., None, None] + stride * np.arange(Wo)[None, :]).reshape(1, 1, WW, 1, Wo)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    vals = cols.reshape(C, HH, WW, N, Ho, Wo).transpose(3, 0, 1, 2, 4, 5)
    xp[:, np.arange(C)[:, None, None, None, None], rows, colsi] = vals
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_bincount_uncropped(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo = (Hp - HH) // stride + 1, (Wp - WW) // stride + 1
    c, a, bb, n, i, j = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    flat = np.ravel_multi_index((n, c, i * stride + a, j * stride + bb), (N, C, Hp, Wp))
    return np.bincount(flat, cols.ravel(), N * C * Hp * Wp).reshape(N, C, Hp, Wp).astype(cols.dtype)


def conv_backward_loops_flipped(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = _pad(x, pad)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    wf = w[:, :, ::-1, ::-1]
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    sl = np.s_[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    dxp[sl] += wf[f] * dout[n, f, i, j]
                    dw[f] += xp[sl][:, ::-1, ::-1] * dout[n, f, i, j]
    return dxp[:, :, pad : pad + H, pad : pad + W], dw, dout.sum(axis=(0, 2, 3))


def indices_no_stride_ogrid(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, a, bb = np.ogrid[:C, :HH, :WW]
    io, jo = np.ogrid[:Ho, :Wo]
    k = np.broadcast_to(c, (C, HH, WW)).reshape(-1, 1)
    i = np.broadcast_to(a, (C, HH, WW)).reshape(-1, 1) + np.broadcast_to(io, (Ho, Wo)).reshape(
        1, -1
    )
    j = np.broadcast_to(bb, (C, HH, WW)).reshape(-1, 1) + np.broadcast_to(jo, (Ho, Wo)).reshape(
        1, -1
    )
    return k, i, j


def layer_forward_no_bias(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    v = sliding_window_view(_pad(x, p), (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    N, _, Ho, Wo = v.shape[:4]
    cols = v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, -1)
    out = (w.reshape(F, -1) @ cols).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
    return out, (x, w, b, conv_param, cols)


def layer_forward_ok(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    v = sliding_window_view(_pad(x, p), (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    N, _, Ho, Wo = v.shape[:4]
    cols = v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, -1)
    out = (w.reshape(F, -1) @ cols + b[:, None]).reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
    return out, (x, w, b, conv_param, cols)


def conv_forward_hw_loops(x, w, b, conv_param):
    """Output allocated (N, F, W_out, H_out)."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho = 1 + (H + 2 * pad - HH) // stride
    Wo = 1 + (W + 2 * pad - WW) // stride
    xp = _pad(x, pad)
    out = np.zeros((N, F, Wo, Ho), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, j, i] = (
                        np.sum(
                            xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                            * w[f]
                        )
                        + b[f]
                    )
    return out, (x, w, b, conv_param)


def im2col_cs231n(x, HH, WW, stride=1, pad=0):
    """CS231n's im2col_indices verbatim in spirit: columns with n fastest."""
    N, C, H, W = x.shape
    out_h, out_w = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    i1 = stride * np.repeat(np.arange(out_h), out_w)
    j0 = np.tile(np.arange(WW), HH * C)
    j1 = stride * np.tile(np.arange(out_w), out_h)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    cols = _pad(x, pad)[:, k, i, j]
    return cols.transpose(1, 2, 0).reshape(HH * WW * C, -1)


def im2col_no_dtype(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo))
    for idx in range(N * Ho * Wo):
        n, rem = divmod(idx, Ho * Wo)
        i, j = divmod(rem, Wo)
        cols[:, idx] = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW].ravel()
    return cols


def conv_backward_scales_dout(dout, cache):
    x, w, b, conv_param = cache
    dout /= 1.0  # "normalise" in place
    dout[0] *= 1.0
    stride, pad = conv_param["stride"], conv_param["pad"]
    HH, WW = w.shape[2:]
    xp = _pad(x, pad)
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.einsum("nfij,ncijhw->fchw", dout, v)
    dxp = np.zeros_like(xp)
    Ho, Wo = dout.shape[2:]
    for a in range(HH):
        for c_ in range(WW):
            dxp[:, :, a : a + stride * Ho : stride, c_ : c_ + stride * Wo : stride] += np.einsum(
                "nfij,fc->ncij", dout, w[:, :, a, c_]
            )
    dout += 0.5  # left over from debugging
    return (
        dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]],
        dw,
        (dout - 0.5).sum(axis=(0, 2, 3)),
    )


def conv_backward_db_wrong(dout, cache):
    x, w, b, conv_param = cache
    dx, dw, _ = conv_backward_ok(dout, cache)
    db = np.sum(dout, axis=(2, 3))  # forgot the images
    return dx, dw, db


def im2col_float32(x, HH, WW, stride=1, pad=0):
    xp = _pad(x, pad).astype(np.float32)
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo).astype(x.dtype)


def col2im_fancy_no_stride(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, a, bb, n, i, j = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(xp, (n, c, i + a, j + bb), cols.ravel())
    return xp[:, :, pad : pad + H, pad : pad + W]


def conv_backward_gemm_zero_crop(dout, cache):
    x, w, b, conv_param, cols = cache
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    N, _, H, W = x.shape
    Ho, Wo = dout.shape[2:]
    d2 = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    dcols = (w.reshape(F, -1).T @ d2).reshape(C, HH, WW, N, Ho, Wo)
    dxp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dout.dtype)
    for a in range(HH):
        for c_ in range(WW):
            dxp[:, :, a : a + s * Ho : s, c_ : c_ + s * Wo : s] += dcols[:, a, c_].transpose(
                1, 0, 2, 3
            )
    return dxp[:, :, p:-p, p:-p], (d2 @ cols.T).reshape(w.shape), dout.sum(axis=(0, 2, 3))


def im2col_rows_python_loop(x, HH, WW, stride=1, pad=0):
    """Submitted as the fancy stage: vectorised per output row only."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = _pad(x, pad)
    parts = []
    for i in range(Ho):
        band = sliding_window_view(xp[:, :, i * stride : i * stride + HH], (HH, WW), axis=(2, 3))[
            :, :, 0, ::stride
        ]
        parts.append(band)  # (N, C, Wo, HH, WW)
    v = np.stack(parts, axis=2)  # (N, C, Ho, Wo, HH, WW)
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, -1)


def layer_backward_seed(dout, cache):
    x, w, b, conv_param, cols = cache
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    N, _, H, W = x.shape
    Ho, Wo = dout.shape[2:]
    d2 = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    dw = (d2 @ cols.T).reshape(w.shape)
    dcols = (w.transpose(0, 2, 3, 1).reshape(F, -1).T @ d2).reshape(C, HH, WW, N, Ho, Wo)
    dxp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dout.dtype)
    for a in range(HH):
        for c_ in range(WW):
            dxp[:, :, a : a + s * Ho : s, c_ : c_ + s * Wo : s] += dcols[:, a, c_].transpose(
                1, 0, 2, 3
            )
    return dxp[:, :, p : p + H, p : p + W], dw, dout.sum(axis=(0, 2, 3))


def pad_input_right_bottom(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), x.dtype)
    out[:, :, 2 * pad :, 2 * pad :] = x
    return out


def conv_forward_skips_first_row(x, w, b, conv_param):
    """A near miss: `range(1, H_out)` skips the first output row."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho = 1 + (H + 2 * pad - HH) // stride
    Wo = 1 + (W + 2 * pad - WW) // stride
    xp = _pad(x, pad)
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(1, Ho):
                for j in range(Wo):
                    out[n, f, i, j] = (
                        np.sum(
                            xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                            * w[f]
                        )
                        + b[f]
                    )
    return out, (x, w, b, conv_param)


# ---------------------------------------------------------------- valid
class ShapeError(ValueError):
    """A student's own exception class."""


def output_shape_own_error(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, C2, HH, WW = w_shape
    if C2 != C:
        raise ShapeError(f"{C} != {C2}")
    h, rh = divmod(H + 2 * pad - HH, stride)
    ww_, rw = divmod(W + 2 * pad - WW, stride)
    if rh or rw or h < 0 or ww_ < 0:
        raise ShapeError("geometry")
    return N, F, h + 1, ww_ + 1


def conv_forward_ok(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    win = _strided_windows(np.ascontiguousarray(_pad(x, p)), w.shape[2], w.shape[3], s)
    return np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2) + b[
        :, None, None
    ], (x, w, b, conv_param)


def conv_backward_ok(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    HH, WW = w.shape[2:]
    xp = np.ascontiguousarray(_pad(x, p))
    win = _strided_windows(xp, HH, WW, s)
    dw = np.tensordot(dout, win, axes=([0, 2, 3], [0, 2, 3]))
    N, C, Ho, Wo = win.shape[:4]
    dwin = np.einsum("nfij,fchw->ncijhw", dout, w)
    n, c, i, j, a, bb = np.indices(dwin.shape).reshape(6, -1)
    dxp = np.zeros_like(xp)
    np.add.at(dxp, (n, c, i * s + a, j * s + bb), dwin.ravel())
    return dxp[:, :, p : p + x.shape[2], p : p + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))


def im2col_take(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    xp = _pad(x, pad)
    Hp, Wp = xp.shape[2:]
    Ho, Wo = (Hp - HH) // stride + 1, (Wp - WW) // stride + 1
    c, a, bb, n, i, j = np.ix_(
        np.arange(C), np.arange(HH), np.arange(WW), np.arange(N), np.arange(Ho), np.arange(Wo)
    )
    flat = np.ravel_multi_index((n, c, i * stride + a, j * stride + bb), xp.shape)
    return np.take(xp, flat).reshape(C * HH * WW, N * Ho * Wo)


def col2im_bincount(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    Ho, Wo = (Hp - HH) // stride + 1, (Wp - WW) // stride + 1
    c, a, bb, n, i, j = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    flat = np.ravel_multi_index((n, c, i * stride + a, j * stride + bb), (N, C, Hp, Wp))
    dx = np.bincount(flat, cols.ravel(), N * C * Hp * Wp).reshape(N, C, Hp, Wp)
    return dx[:, :, pad : pad + H, pad : pad + W].astype(cols.dtype)


def indices_ogrid(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, a, bb = np.ogrid[:C, :HH, :WW]
    io, jo = np.ogrid[:Ho, :Wo]
    shape = (C, HH, WW)
    k = np.broadcast_to(c, shape).reshape(-1, 1)
    i = np.broadcast_to(a, shape).reshape(-1, 1) + stride * np.broadcast_to(io, (Ho, Wo)).reshape(
        1, -1
    )
    j = np.broadcast_to(bb, shape).reshape(-1, 1) + stride * np.broadcast_to(jo, (Ho, Wo)).reshape(
        1, -1
    )
    return k, i, j


def pad_input_put(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    out[..., pad : H + pad, pad : W + pad] = x[...]
    return out


def layer_backward_ok(dout, cache):
    x, w, b, conv_param, cols = cache
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    N, _, H, W = x.shape
    Ho, Wo = dout.shape[2:]
    d2 = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    dcols = w.reshape(F, -1).T @ d2
    return (
        col2im_bincount(dcols, x.shape, HH, WW, s, p),
        (d2 @ cols.T).reshape(w.shape),
        dout.sum(axis=(0, 2, 3)),
    )


def im2col_strided_fancy_ok(x, HH, WW, stride=1, pad=0):
    win = _strided_windows(np.ascontiguousarray(_pad(x, pad)), HH, WW, stride)
    N, C, Ho, Wo = win.shape[:4]
    return np.ascontiguousarray(win.transpose(1, 4, 5, 0, 2, 3)).reshape(C * HH * WW, -1)


def _bpair(backward, forward=conv_forward_ok):
    return {"conv_backward": backward, "conv_forward": forward}


def _gemm_fwd_for_backward(x, w, b, conv_param):
    out, _ = conv_forward_ok(x, w, b, conv_param)
    s, p = conv_param["stride"], conv_param["pad"]
    return out, (x, w, b, conv_param, im2col_strided_fancy_ok(x, w.shape[2], w.shape[3], s, p))


MUTANTS = [
    mutant("conv_forward", "weight-flatten-order", "gemm", conv_forward_gemm_w_channels_last),
    mutant("conv_backward", "dout-not-transposed", "gemm", _bpair(conv_backward_gemm_dout_flat)),
    mutant("conv_forward", "pad-wrong-axes", "loops", conv_forward_pad_left_extra),
    mutant("conv_forward", "filter-hw-swapped", "loops", conv_forward_window_transposed_kernel),
    mutant("conv_forward", "filter-hw-swapped", "loops", conv_forward_end_mixed),
    mutant("im2col", "ignores-input", "loops", im2col_reads_x),
    mutant("im2col", "pad-wrong-axes", "fancy", im2col_fancy_np_pad),
    mutant("conv_output_shape", "no-validation", "scalar", output_shape_trusting),
    mutant("conv_output_shape", "true-division", "loops", output_shape_slash),
    mutant("conv_forward", "window-offset", "loops", conv_forward_start_plus_one),
    mutant("col2im", "col2im-not-accumulating", "fancy", col2im_fancy_assign),
    mutant("col2im", "col2im-uncropped", "fancy", col2im_bincount_uncropped),
    mutant("conv_backward", "kernel-flipped", "loops", _bpair(conv_backward_loops_flipped)),
    mutant("im2col_indices", "stride-ignored", "vectorised", indices_no_stride_ogrid),
    mutant("layer_forward", "bias-missing", "strided", layer_forward_no_bias),
    mutant("conv_forward", "hw-swapped", "loops", conv_forward_hw_loops),
    mutant("im2col", "cols-n-fastest", "fancy", im2col_cs231n),
    mutant("im2col", "dtype-changed", "loops", im2col_no_dtype),
    mutant("conv_backward", "mutates-input", "einsum", _bpair(conv_backward_scales_dout)),
    mutant("conv_backward", "db-wrong-axes", "einsum", _bpair(conv_backward_db_wrong)),
    mutant("im2col", "numerically-loose", "strided", im2col_float32),
    mutant("col2im", "stride-ignored", "fancy", col2im_fancy_no_stride),
    mutant(
        "layer_backward",
        "pad-zero-crop",
        "gemm",
        _bpair(conv_backward_gemm_zero_crop, _gemm_fwd_for_backward),
    ),
    mutant("im2col", "python-loops", "strided", im2col_rows_python_loop, stage="fancy"),
    mutant(
        "layer_backward",
        "weight-flatten-order",
        "gemm",
        _bpair(layer_backward_seed, _gemm_fwd_for_backward),
    ),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_input_right_bottom),
    mutant("conv_forward", (), "loops", conv_forward_skips_first_row),
]

VALID = [
    Valid("conv_output_shape", "scalar", output_shape_own_error),
    Valid("conv_forward", "strided", conv_forward_ok),
    Valid("conv_backward", "strided", _bpair(conv_backward_ok)),
    Valid("im2col", "fancy", im2col_take, stage="fancy"),
    Valid("col2im", "fancy", col2im_bincount, stage="fancy"),
    Valid("im2col_indices", "vectorised", indices_ogrid),
    Valid("pad_input", "vectorised", pad_input_put),
    Valid("layer_forward", "strided", layer_forward_ok),
    Valid("layer_backward", "gemm", _bpair(layer_backward_ok, _gemm_fwd_for_backward)),
    Valid("im2col", "strided", im2col_strided_fancy_ok, stage="fancy"),
]
