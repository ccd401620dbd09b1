# ruff: noqa: RUF059, SIM300
"""A second blind round, written after the first one's fixes and run once before any
change (its verdicts are in the commit that added it): slips a student makes in a
hurry, each in a style of its own."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import Valid, mutant

imgs = np.random.default_rng(21).standard_normal((3, 2, 8, 10))  # from an earlier cell


def _p(a, p):
    return np.pad(a, [(0, 0), (0, 0), (p, p), (p, p)])


def fwd_whole_bias(x, w, b, conv_param):
    """`+ b` instead of `+ b[f]` on a scalar."""
    S, P = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Hn, Wn = (H + 2 * P - HH) // S + 1, (W + 2 * P - WW) // S + 1
    xp = _p(x, P)
    y = np.zeros((N, F, Hn, Wn), x.dtype)
    for n in range(N):
        for f in range(F):
            for r in range(Hn):
                for c in range(Wn):
                    y[n, f, r, c] = (
                        np.sum(xp[n, :, r * S : r * S + HH, c * S : c * S + WW] * w[f]) + b
                    )
    return y, (x, w, b, conv_param)


def fwd_hout_from_width(x, w, b, conv_param):
    S, P = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Hn = (W + 2 * P - HH) // S + 1  # slip: W for H
    Wn = (H + 2 * P - WW) // S + 1
    v = sliding_window_view(_p(x, P), (HH, WW), axis=(2, 3))[:, :, ::S, ::S][:, :, :Hn, :Wn]
    return np.einsum("ncijkl,fckl->nfij", v, w) + b[:, None, None], (x, w, b, conv_param)


def fwd_kernel_rot90(x, w, b, conv_param):
    """Flips the kernel with np.flip over the last two axes."""
    S, P = conv_param["stride"], conv_param["pad"]
    v = sliding_window_view(_p(x, P), w.shape[2:], axis=(2, 3))[:, :, ::S, ::S]
    return np.einsum("ncijkl,fckl->nfij", v, np.flip(w, axis=(2, 3))) + b[:, None, None], (
        x,
        w,
        b,
        conv_param,
    )


def fwd_no_pad_loops(x, w, b, conv_param):
    S = conv_param["stride"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Hn, Wn = (H - HH) // S + 1, (W - WW) // S + 1
    y = np.zeros((N, F, Hn, Wn), x.dtype)
    for n in range(N):
        for r in range(Hn):
            for c in range(Wn):
                patch = x[n, :, r * S : r * S + HH, c * S : c * S + WW]
                y[n, :, r, c] = np.tensordot(w, patch, axes=3) + b
    return y, (x, w, b, conv_param)


def fwd_gemm_bias_after_reshape_wrong(x, w, b, conv_param):
    """GEMM result (F, N*L) reshaped straight to (N, F, Ho, Wo)."""
    S, P = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    v = sliding_window_view(_p(x, P), (HH, WW), axis=(2, 3))[:, :, ::S, ::S]
    Hn, Wn = v.shape[2:4]
    cols = v.transpose(1, 4, 5, 0, 2, 3).reshape(-1, N * Hn * Wn)
    y = (w.reshape(F, -1) @ cols).reshape(N, F, Hn, Wn) + b.reshape(1, F, 1, 1)
    return y, (x, w, b, conv_param)


def bwd_dx_assign_loops(dout, cache):
    x, w, b, conv_param = cache
    S, P = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = _p(x, P)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(N):
        for r in range(dout.shape[2]):
            for c in range(dout.shape[3]):
                win = xp[n, :, r * S : r * S + HH, c * S : c * S + WW]
                g = dout[n, :, r, c]
                dw += g[:, None, None, None] * win[None]
                dxp[n, :, r * S : r * S + HH, c * S : c * S + WW] = np.tensordot(g, w, axes=1)
    return dxp[:, :, P : P + H, P : P + W], dw, dout.sum((0, 2, 3))


def bwd_db_mean(dout, cache):
    """db summed over every axis but F... and the images summed away first."""
    x, w, b, conv_param = cache
    dx, dw, _ = bwd_ok(dout, cache)
    return dx, dw, dout.sum(axis=(0, 2, 3), keepdims=True).squeeze(0)


def bwd_no_crop(dout, cache):
    x, w, b, conv_param = cache
    S, P = conv_param["stride"], conv_param["pad"]
    HH, WW = w.shape[2:]
    xp = _p(x, P)
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::S, ::S]
    dw = np.einsum("nfij,ncijkl->fckl", dout, v)
    dxp = np.zeros_like(xp)
    Hn, Wn = dout.shape[2:]
    for kh in range(HH):
        for kw in range(WW):
            dxp[:, :, kh : kh + S * Hn : S, kw : kw + S * Wn : S] += np.einsum(
                "nfij,fc->ncij", dout, w[:, :, kh, kw]
            )
    return dxp, dw, dout.sum((0, 2, 3))


def bwd_ok(dout, cache):
    x, w, b, conv_param = cache
    S, P = conv_param["stride"], conv_param["pad"]
    HH, WW = w.shape[2:]
    xp = _p(x, P)
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::S, ::S]
    dw = np.einsum("nfij,ncijkl->fckl", dout, v)
    dxp = np.zeros_like(xp)
    Hn, Wn = dout.shape[2:]
    for kh in range(HH):
        for kw in range(WW):
            dxp[:, :, kh : kh + S * Hn : S, kw : kw + S * Wn : S] += np.einsum(
                "nfij,fc->ncij", dout, w[:, :, kh, kw]
            )
    return dxp[:, :, P : P + x.shape[2], P : P + x.shape[3]], dw, dout.sum((0, 2, 3))


def im2col_window_order_loops(x, HH, WW, stride=1, pad=0):
    """Columns filled j outer, i inner, by a formula."""
    N, C, H, W = x.shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = _p(x, pad)
    out = np.zeros((C * HH * WW, N * Hn * Wn), x.dtype)
    for n in range(N):
        for c in range(Wn):
            for r in range(Hn):
                out[:, n * Hn * Wn + c * Hn + r] = xp[
                    n, :, r * stride : r * stride + HH, c * stride : c * stride + WW
                ].flatten()
    return out


def im2col_stride_in_window(x, HH, WW, stride=1, pad=0):
    """Windows advance by one; H_out with the stride."""
    N, C, H, W = x.shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    v = sliding_window_view(_p(x, pad), (HH, WW), axis=(2, 3))[:, :, :Hn, :Wn]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, -1)


def im2col_reads_imgs(x_in, HH, WW, stride=1, pad=0):
    v = sliding_window_view(_p(imgs, pad), (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C = x_in.shape[:2]
    v = v[:N, :C]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, -1).astype(x_in.dtype)


def col2im_loops_no_pad_buffer(cols, x_shape, HH, WW, stride=1, pad=0):
    """The buffer has no room for the padding."""
    N, C, H, W = x_shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    img = np.zeros((N, C, H, W), cols.dtype)
    k = 0
    for n in range(N):
        for r in range(Hn):
            for c in range(Wn):
                img[n, :, r * stride : r * stride + HH, c * stride : c * stride + WW] += cols[
                    :, k
                ].reshape(C, HH, WW)
                k += 1
    return img


def col2im_hw_taps(cols, x_shape, HH, WW, stride=1, pad=0):
    """Each column reshaped to (C, WW, HH)."""
    N, C, H, W = x_shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), cols.dtype)
    k = 0
    for n in range(N):
        for r in range(Hn):
            for c in range(Wn):
                img[n, :, r * stride : r * stride + HH, c * stride : c * stride + WW] += (
                    cols[:, k].reshape(C, WW, HH).swapaxes(1, 2)
                )
                k += 1
    return img[:, :, pad : pad + H, pad : pad + W]


def indices_j_uses_height(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    rows = (
        np.tile(np.repeat(np.arange(HH), WW), C)[:, None]
        + stride * np.repeat(np.arange(Hn), Wn)[None]
    )
    cols = np.tile(np.arange(WW), HH * C)[:, None] + stride * np.tile(np.arange(Wn), Hn)[None]
    chans = np.repeat(np.arange(C), HH * WW)[:, None]
    return chans, rows.T, cols.T


def pad_input_loop_bottom(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), x.dtype)
    for r in range(H):
        out[:, :, r, pad : pad + W] = x[:, :, r]
    return out


def shape_hh_for_ww_validates(x_shape, w_shape, stride=1, pad=0):
    """The second seed: validates and computes the width with HH."""
    N, C, H, W = x_shape
    F, Cw, HH, WW = w_shape
    if C != Cw or HH > H + 2 * pad or WW > W + 2 * pad:
        raise ValueError("shapes")
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - HH) % stride:
        raise ValueError("stride")
    return N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - HH) // stride + 1


def layer_fwd_float64_cols(x, w, b, conv_param):
    S, P = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    v = sliding_window_view(_p(x, P), (HH, WW), axis=(2, 3))[:, :, ::S, ::S]
    N, _, Hn, Wn = v.shape[:4]
    cols = v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, -1).astype(np.float64)
    y = (w.reshape(F, -1) @ cols + b[:, None]).reshape(F, N, Hn, Wn).transpose(1, 0, 2, 3)
    return y, (x, w, b, conv_param, cols)


# ---------------------------------------------------------------- valid
def fwd_ok(x, w, b, conv_param):
    S, P = conv_param["stride"], conv_param["pad"]
    v = sliding_window_view(_p(x, P), w.shape[2:], axis=(2, 3))[:, :, ::S, ::S]
    return np.einsum("ncijkl,fckl->nfij", v, w) + b[:, None, None], (x, w, b, conv_param)


def fwd_loops_tensordot(x, w, b, conv_param):
    S, P = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Hn, Wn = (H + 2 * P - HH) // S + 1, (W + 2 * P - WW) // S + 1
    xp = _p(x, P)
    y = np.zeros((N, F, Hn, Wn), x.dtype)
    for n in range(N):
        for r in range(Hn):
            for c in range(Wn):
                y[n, :, r, c] = (
                    np.tensordot(w, xp[n, :, r * S : r * S + HH, c * S : c * S + WW], axes=3) + b
                )
    return y, (x, w, b, conv_param)


def im2col_order_formula(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = _p(x, pad)
    out = np.zeros((C * HH * WW, N * Hn * Wn), x.dtype)
    for n in range(N):
        for c in range(Wn):
            for r in range(Hn):
                out[:, (n * Hn + r) * Wn + c] = xp[
                    n, :, r * stride : r * stride + HH, c * stride : c * stride + WW
                ].flatten()
    return out


def col2im_loop_ok(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), cols.dtype)
    blocks = cols.T.reshape(N, Hn, Wn, C, HH, WW)
    for n in range(N):
        for r in range(Hn):
            for c in range(Wn):
                img[n, :, r * stride : r * stride + HH, c * stride : c * stride + WW] += blocks[
                    n, r, c
                ]
    return img[:, :, pad : pad + H, pad : pad + W]


def indices_broadcast(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Hn, Wn = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    tap = np.arange(C * HH * WW)
    pos = np.arange(Hn * Wn)
    k = (tap // (HH * WW))[:, None]
    i = ((tap // WW) % HH)[:, None] + stride * (pos // Wn)[None]
    j = (tap % WW)[:, None] + stride * (pos % Wn)[None]
    return k, i, j


def _pair(bwd, fwd=fwd_ok):
    return {"conv_backward": bwd, "conv_forward": fwd}


MUTANTS = [
    mutant("conv_forward", "bias-wrong-axis", "loops", fwd_whole_bias),
    mutant("conv_forward", "hw-swapped", "einsum", fwd_hout_from_width),
    mutant("conv_forward", "kernel-flipped", "einsum", fwd_kernel_rot90),
    mutant("conv_forward", "pad-ignored", "loops", fwd_no_pad_loops),
    mutant("layer_forward", "gemm-reshape-order", "gemm", fwd_gemm_bias_after_reshape_wrong),
    mutant("conv_backward", "col2im-not-accumulating", "loops", _pair(bwd_dx_assign_loops)),
    mutant("conv_backward", "wrong-shape", "einsum", _pair(bwd_db_mean)),
    mutant("conv_backward", "col2im-uncropped", "einsum", _pair(bwd_no_crop)),
    mutant("im2col", "hw-swapped", "loops", im2col_window_order_loops),
    mutant("im2col", "stride-ignored", "strided", im2col_stride_in_window, stage="fancy"),
    mutant("im2col", "ignores-input", "strided", im2col_reads_imgs, stage="fancy"),
    mutant("col2im", "pad-ignored", "loops", col2im_loops_no_pad_buffer),
    mutant("col2im", "filter-hw-swapped", "loops", col2im_hw_taps),
    mutant("im2col_indices", "wrong-shape", "vectorised", indices_j_uses_height),
    mutant("pad_input", "pad-wrong-axes", "loops", pad_input_loop_bottom),
    mutant("conv_output_shape", "filter-hw-swapped", "scalar", shape_hh_for_ww_validates),
    mutant("layer_forward", "dtype-changed", "strided", layer_fwd_float64_cols),
]

VALID = [
    Valid("conv_forward", "einsum", fwd_ok),
    Valid("conv_forward", "loops", fwd_loops_tensordot),
    Valid("conv_backward", "einsum", _pair(bwd_ok)),
    Valid("im2col", "loops", im2col_order_formula),
    Valid("col2im", "loops", col2im_loop_ok),
    Valid("im2col_indices", "vectorised", indices_broadcast),
]
