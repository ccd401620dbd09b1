# ruff: noqa: RUF059, B006
# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Student versions of col2im and im2col_indices (notebooks 2 and 3), wrong and right.

col2im in three styles: loops over windows, fancy indexing with ``np.add.at``,
and loops over the filter taps (vectorised over the windows).  im2col_indices
in three: ``np.repeat``/``np.tile`` (the CS231n way), ``np.meshgrid`` or
broadcasting, and ``np.indices``/``sliding_window_view`` of an index grid.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import Valid, mutant

cols_seen = np.random.default_rng(3).standard_normal((18, 32))  # a notebook global


# ================================================================ col2im: loops
def col2im_loops(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_idx(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: a running column index and explicit crop."""
    N, C, H, W = x_shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    x_padded = np.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    idx = 0
    for m in range(N):
        for i in range(0, Hp - HH + 1, stride):
            for j in range(0, Wp - WW + 1, stride):
                x_padded[m, :, i : i + HH, j : j + WW] += cols[:, idx].reshape((C, HH, WW))
                idx += 1
    if pad > 0:
        return x_padded[:, :, pad:-pad, pad:-pad]
    return x_padded


def col2im_stub(cols, x_shape, HH, WW, stride=1, pad=0):
    raise NotImplementedError("col2im")


def col2im_loops_assign(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] = col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_uncropped(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad


def col2im_loops_zero_crop(cols, x_shape, HH, WW, stride=1, pad=0):
    x_pad = col2im_loops_uncropped(cols, x_shape, HH, WW, stride, pad)
    return x_pad[:, :, pad:-pad, pad:-pad]


def col2im_loops_wrong_crop(cols, x_shape, HH, WW, stride=1, pad=0):
    """A near miss (the crop starts at 0): named by nothing."""
    N, C, H, W = x_shape
    return col2im_loops_uncropped(cols, x_shape, HH, WW, stride, pad)[:, :, :H, :W]


def col2im_loops_first_image_columns(cols, x_shape, HH, WW, stride=1, pad=0):
    """A near miss (every image gets image 0's columns: right only with N == 1)."""
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, i * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_n_fastest(cols, x_shape, HH, WW, stride=1, pad=0):
    """The second seed's loop order: rows, columns, then the image."""
    N, C, H, W = x_shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    x_padded = np.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    idx = 0
    for i in range(0, Hp - HH + 1, stride):
        for j in range(0, Wp - WW + 1, stride):
            for m in range(N):
                x_padded[m, :, i : i + HH, j : j + WW] += cols[:, idx].reshape((C, HH, WW))
                idx += 1
    return x_padded[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_wo_outer(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * W_out + j) * H_out + i].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_reshape_ww_hh(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, WW, HH).transpose(0, 2, 1)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_window_hh_wide(cols, x_shape, HH, WW, stride=1, pad=0):
    """The window's columns span ``left : left + HH``."""
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + HH] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_no_stride(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i : i + HH, j : j + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_start_plus_one(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                t, le = i * stride, j * stride + 1
                x_pad[n, :, t : t + HH, le : le + WW] += cols[
                    :, (n * H_out + i) * W_out + j
                ].reshape(C, HH, WW)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_global(cols_in, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols_in.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols_seen[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_mutating(cols, x_shape, HH, WW, stride=1, pad=0):
    out = col2im_loops(cols.copy(), x_shape, HH, WW, stride, pad)
    cols *= 0.0
    return out


def col2im_loops_float64(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                col = cols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
                x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += col
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_loops_float32(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_loops(cols.astype(np.float32), x_shape, HH, WW, stride, pad).astype(cols.dtype)


def col2im_loops_first_image(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_loops(cols, x_shape, HH, WW, stride, pad)[0]


# ================================================================ col2im: fancy
def _idx(C, HH, WW, H_out, W_out, stride):
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.repeat(np.arange(H_out), W_out)
    j1 = stride * np.tile(np.arange(W_out), H_out)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1)


def _sizes(x_shape, HH, WW, stride, pad):
    N, C, H, W = x_shape
    return N, C, H, W, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1


def col2im_fancy(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    per_image = cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2)
    np.add.at(x_pad, (slice(None), k, i, j), per_image)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_flat(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: every index spelled out, one np.add.at on flat arrays."""
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    c, di, dj, n, io, jo = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(x_pad, (n, c, io * stride + di, jo * stride + dj), cols.reshape(-1))
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_bincount(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: np.bincount on flat indices into the padded image."""
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    Hp, Wp = H + 2 * pad, W + 2 * pad
    c, di, dj, n, io, jo = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    flat = ((n * C + c) * Hp + io * stride + di) * Wp + jo * stride + dj
    x_pad = np.bincount(flat, weights=cols.reshape(-1), minlength=N * C * Hp * Wp)
    x_pad = x_pad.reshape(N, C, Hp, Wp).astype(cols.dtype)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_plus_equals(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    x_pad[:, k, i, j] += cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_assign(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    x_pad[:, k, i, j] = cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_uncropped(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(x_pad, (slice(None), k, i, j), cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2))
    return x_pad


def col2im_fancy_zero_crop(cols, x_shape, HH, WW, stride=1, pad=0):
    """The second seed's `col2im_indices` without its pad == 0 guard."""
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    cols_reshaped = cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2)
    np.add.at(x_padded, (slice(None), k, i, j), cols_reshaped)
    return x_padded[:, :, pad:-pad, pad:-pad]


def col2im_fancy_n_fastest(cols, x_shape, HH, WW, stride=1, pad=0):
    """CS231n's col2im_indices: cols read with the image index fastest."""
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    cols_reshaped = cols.reshape(C * HH * WW, -1, N).transpose(2, 0, 1)
    np.add.at(x_pad, (slice(None), k, i, j), cols_reshaped)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_window_order(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.tile(np.arange(Ho), Wo)
    j1 = stride * np.repeat(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(
        x_pad,
        (slice(None), k, i0[:, None] + i1, j0[:, None] + j1),
        cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2),
    )
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_taps_swapped(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    i0 = np.tile(np.repeat(np.arange(WW), HH), C)
    j0 = np.tile(np.arange(HH), WW * C)
    i1 = stride * np.repeat(np.arange(Ho), Wo)
    j1 = stride * np.tile(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(
        x_pad,
        (slice(None), k, i0[:, None] + i1, j0[:, None] + j1),
        cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2),
    )
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_no_stride(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, 1)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(x_pad, (slice(None), k, i, j), cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2))
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_offset(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(
        x_pad, (slice(None), k, i + 1, j), cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2)
    )
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_cached(cols, x_shape, HH, WW, stride=1, pad=0, _seen={}):
    key = (tuple(x_shape), HH, WW, stride, pad, cols.dtype.str)
    if key not in _seen:
        _seen[key] = col2im_fancy(cols, x_shape, HH, WW, stride, pad)
    return _seen[key].copy()


def col2im_fancy_mutating(cols, x_shape, HH, WW, stride=1, pad=0):
    out = col2im_fancy(cols, x_shape, HH, WW, stride, pad)
    cols[:] = 0
    return out


def col2im_fancy_float64(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    np.add.at(x_pad, (slice(None), k, i, j), cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2))
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy_float32(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_fancy(cols.astype(np.float32), x_shape, HH, WW, stride, pad).astype(cols.dtype)


def col2im_fancy_wrong_shape(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_fancy(cols, x_shape, HH, WW, stride, pad).reshape(x_shape[0], -1)


# ======================================================== col2im: loops over taps
def col2im_taps(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_assign(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] = c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_uncropped(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo).transpose(0, 3, 1, 2, 4, 5)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, :, di, dj
            ].transpose(1, 0, 2, 3)
    return x_pad


def col2im_taps_zero_crop(cols, x_shape, HH, WW, stride=1, pad=0):
    p = pad
    return col2im_taps_uncropped(cols, x_shape, HH, WW, stride, pad)[:, :, p:-p, p:-p]


def col2im_taps_n_fastest(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, Ho, Wo, N)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(3, 0, 1, 2)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_hw(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Wo, Ho).transpose(0, 1, 2, 3, 5, 4)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_transposed(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, WW, HH, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, dj, di
            ].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_no_stride(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + Ho, dj : dj + Wo] += c6[:, di, dj].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_offset(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            r0, c0 = di + stride, dj + stride  # windows counted from 1
            x_pad[:, :, r0 : r0 + stride * Ho : stride, c0 : c0 + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_global(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W, Ho, Wo = _sizes(x_shape, HH, WW, stride, pad)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols_seen[: C * HH * WW, : N * Ho * Wo].reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            x_pad[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return x_pad[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_mutating(cols, x_shape, HH, WW, stride=1, pad=0):
    out = col2im_taps(cols, x_shape, HH, WW, stride, pad)
    cols -= cols.mean()
    return out


def col2im_taps_float64(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_taps(cols.astype(float), x_shape, HH, WW, stride, pad)


def col2im_taps_float32(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_taps(cols.astype("float32"), x_shape, HH, WW, stride, pad).astype(cols.dtype)


def col2im_taps_no_batch(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_taps(cols, x_shape, HH, WW, stride, pad)[:, 0]


# ================================================================ im2col_indices
def indices_repeat_tile(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    return _idx(C, HH, WW, Ho, Wo, stride)


def indices_meshgrid(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    k = np.broadcast_to(c.reshape(-1, 1), (C * HH * WW, Ho * Wo)).astype(np.int32)
    return (
        k,
        di.reshape(-1, 1) + stride * io.reshape(1, -1),
        dj.reshape(-1, 1) + stride * jo.reshape(1, -1),
    )


def indices_np_indices(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = (a.reshape(-1, 1) for a in np.indices((C, HH, WW)))
    io, jo = (a.reshape(1, -1) for a in np.indices((Ho, Wo)))
    return c, di + stride * io, dj + stride * jo


def indices_sliding_grid(x_shape, HH, WW, stride=1, pad=0):
    """Valid: the windows of a grid of row (and column) numbers."""
    N, C, H, W = x_shape
    rows, cols = np.indices((H + 2 * pad, W + 2 * pad))
    rw = sliding_window_view(rows, (HH, WW))[::stride, ::stride]  # (Ho, Wo, HH, WW)
    cw = sliding_window_view(cols, (HH, WW))[::stride, ::stride]
    Ho, Wo = rw.shape[:2]
    i = np.tile(rw.reshape(Ho * Wo, HH * WW).T, (C, 1))
    j = np.tile(cw.reshape(Ho * Wo, HH * WW).T, (C, 1))
    k = np.repeat(np.arange(C), HH * WW)[:, None]
    return k, i, j


def indices_stub(x_shape, HH, WW, stride=1, pad=0):
    return None


def indices_tile_repeat_swapped(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.tile(np.arange(Ho), Wo)
    j1 = stride * np.repeat(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0[:, None] + i1[None, :], j0[:, None] + j1[None, :]


def indices_meshgrid_xy(x_shape, HH, WW, stride=1, pad=0):
    """np.meshgrid's default indexing="xy" for the windows: j_out varies slowest."""
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo))  # (Wo, Ho) arrays
    i = di.reshape(-1, 1) + stride * io.reshape(1, -1)
    j = dj.reshape(-1, 1) + stride * jo.reshape(1, -1)
    return c.reshape(-1, 1), i, j


def indices_np_indices_hw(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = (a.reshape(-1, 1) for a in np.indices((C, HH, WW)))
    jo, io = (a.reshape(1, -1) for a in np.indices((Wo, Ho)))
    return c, di + stride * io, dj + stride * jo


def indices_taps_swapped(x_shape, HH, WW, stride=1, pad=0):
    """The pitfall of notebook 3: row offsets from np.repeat(np.arange(WW), HH)."""
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(WW), HH), C)
    j0 = np.tile(np.arange(HH), WW * C)
    i1 = stride * np.repeat(np.arange(Ho), Wo)
    j1 = stride * np.tile(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1)


def indices_meshgrid_taps_transposed(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, dj, di = np.meshgrid(np.arange(C), np.arange(WW), np.arange(HH), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    return (
        c.reshape(-1, 1),
        di.reshape(-1, 1) + stride * io.reshape(1, -1),
        dj.reshape(-1, 1) + stride * jo.reshape(1, -1),
    )


def indices_np_indices_hh_square(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    WW = HH
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = (a.reshape(-1, 1) for a in np.indices((C, HH, WW)))
    io, jo = (a.reshape(1, -1) for a in np.indices((Ho, Wo)))
    return c, di + stride * io, dj + stride * jo


def indices_no_stride(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    return _idx(C, HH, WW, Ho, Wo, 1)


def indices_meshgrid_no_stride(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    return (
        c.reshape(-1, 1),
        di.reshape(-1, 1) + io.reshape(1, -1),
        dj.reshape(-1, 1) + jo.reshape(1, -1),
    )


def indices_sliding_no_stride(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    rows, cols = np.indices((H + 2 * pad, W + 2 * pad))
    rw = sliding_window_view(rows, (HH, WW))[:Ho, :Wo]
    cw = sliding_window_view(cols, (HH, WW))[:Ho, :Wo]
    i = np.tile(rw.reshape(Ho * Wo, HH * WW).T, (C, 1))
    j = np.tile(cw.reshape(Ho * Wo, HH * WW).T, (C, 1))
    return np.repeat(np.arange(C), HH * WW)[:, None], i, j


def indices_no_pad(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H - HH) // stride + 1, (W - WW) // stride + 1
    return _idx(C, HH, WW, Ho, Wo, stride)


def indices_np_indices_no_pad(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H - HH) // stride + 1, (W - WW) // stride + 1
    c, di, dj = (a.reshape(-1, 1) for a in np.indices((C, HH, WW)))
    io, jo = (a.reshape(1, -1) for a in np.indices((Ho, Wo)))
    return c, di + stride * io, dj + stride * jo


def indices_sliding_no_pad(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    rows, cols = np.indices((H, W))
    rw = sliding_window_view(rows, (HH, WW))[::stride, ::stride]
    cw = sliding_window_view(cols, (HH, WW))[::stride, ::stride]
    Ho, Wo = rw.shape[:2]
    i = np.tile(rw.reshape(Ho * Wo, HH * WW).T, (C, 1))
    j = np.tile(cw.reshape(Ho * Wo, HH * WW).T, (C, 1))
    return np.repeat(np.arange(C), HH * WW)[:, None], i, j


def indices_transposed(x_shape, HH, WW, stride=1, pad=0):
    return tuple(a.T for a in indices_repeat_tile(x_shape, HH, WW, stride, pad))


def indices_meshgrid_transposed(x_shape, HH, WW, stride=1, pad=0):
    k, i, j = indices_meshgrid(x_shape, HH, WW, stride, pad)
    return k.T, i.T, j.T


def indices_float(x_shape, HH, WW, stride=1, pad=0):
    return tuple(a.astype(float) for a in indices_repeat_tile(x_shape, HH, WW, stride, pad))


def indices_meshgrid_float(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) / stride + 1, (W + 2 * pad - WW) / stride + 1
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    return (
        c.reshape(-1, 1),
        di.reshape(-1, 1) + stride * io.reshape(1, -1),
        dj.reshape(-1, 1) + stride * jo.reshape(1, -1),
    )


def indices_np_indices_float(x_shape, HH, WW, stride=1, pad=0):
    c, i, j = indices_np_indices(x_shape, HH, WW, stride, pad)
    return c * 1.0, i * 1.0, j * 1.0


def indices_fixed(x_shape, HH, WW, stride=1, pad=0):
    return indices_repeat_tile((1, 1, 4, 4), 2, 2, 1, 0)


def indices_meshgrid_fixed(x_shape, HH, WW, stride=1, pad=0):
    return indices_meshgrid((1, 2, 5, 5), 3, 3, 1, 1)


def indices_np_indices_fixed(x_shape, HH, WW, stride=1, pad=0):
    return indices_np_indices((2, 3, 6, 6), 2, 3, 2, 0)


def indices_wrong_shape(x_shape, HH, WW, stride=1, pad=0):
    k, i, j = indices_repeat_tile(x_shape, HH, WW, stride, pad)
    return k, i[:, :-1], j[:, :-1]


def indices_offset(x_shape, HH, WW, stride=1, pad=0):
    k, i, j = indices_repeat_tile(x_shape, HH, WW, stride, pad)
    return k, i + 1, j


def indices_meshgrid_offset(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(1, Ho + 1), np.arange(1, Wo + 1), indexing="ij")
    return (
        c.reshape(-1, 1),
        di.reshape(-1, 1) + stride * io.reshape(1, -1),
        dj.reshape(-1, 1) + stride * jo.reshape(1, -1),
    )


def indices_np_indices_offset(x_shape, HH, WW, stride=1, pad=0):
    c, i, j = indices_np_indices(x_shape, HH, WW, stride, pad)
    return c, i, j + 1


C2, I = "col2im", "im2col_indices"
MUTANTS = [
    mutant(C2, "not-implemented", "loops", col2im_stub),
    mutant(C2, "wrong-shape", "loops", col2im_loops_first_image),
    mutant(C2, "wrong-shape", "fancy", col2im_fancy_wrong_shape),
    mutant(C2, "wrong-shape", "vectorised", col2im_taps_no_batch),
    mutant(C2, "col2im-not-accumulating", "loops", col2im_loops_assign),
    mutant(C2, "col2im-not-accumulating", "fancy", col2im_fancy_plus_equals),
    mutant(C2, "col2im-not-accumulating", "fancy", col2im_fancy_assign),
    mutant(C2, "col2im-not-accumulating", "vectorised", col2im_taps_assign),
    mutant(C2, "col2im-uncropped", "loops", col2im_loops_uncropped),
    mutant(C2, "col2im-uncropped", "fancy", col2im_fancy_uncropped),
    mutant(C2, "col2im-uncropped", "vectorised", col2im_taps_uncropped),
    mutant(C2, "pad-zero-crop", "loops", col2im_loops_zero_crop),
    mutant(C2, "pad-zero-crop", "fancy", col2im_fancy_zero_crop),
    mutant(C2, "pad-zero-crop", "vectorised", col2im_taps_zero_crop),
    mutant(C2, (), "loops", col2im_loops_wrong_crop),
    mutant(C2, (), "loops", col2im_loops_first_image_columns),
    mutant(C2, "cols-n-fastest", "loops", col2im_loops_n_fastest),
    mutant(C2, "cols-n-fastest", "fancy", col2im_fancy_n_fastest),
    mutant(C2, "cols-n-fastest", "vectorised", col2im_taps_n_fastest),
    mutant(C2, "hw-swapped", "loops", col2im_loops_wo_outer),
    mutant(C2, "hw-swapped", "fancy", col2im_fancy_window_order),
    mutant(C2, "hw-swapped", "vectorised", col2im_taps_hw),
    mutant(C2, "filter-hw-swapped", "loops", col2im_loops_reshape_ww_hh),
    mutant(C2, "filter-hw-swapped", "loops", col2im_loops_window_hh_wide),
    mutant(C2, "filter-hw-swapped", "fancy", col2im_fancy_taps_swapped),
    mutant(C2, "filter-hw-swapped", "vectorised", col2im_taps_transposed),
    mutant(C2, "stride-ignored", "loops", col2im_loops_no_stride),
    mutant(C2, "stride-ignored", "fancy", col2im_fancy_no_stride),
    mutant(C2, "stride-ignored", "vectorised", col2im_taps_no_stride),
    mutant(C2, "window-offset", "loops", col2im_loops_start_plus_one),
    mutant(C2, "window-offset", "fancy", col2im_fancy_offset),
    mutant(C2, "window-offset", "vectorised", col2im_taps_offset),
    mutant(C2, "ignores-input", "loops", col2im_loops_global),
    mutant(C2, "ignores-input", "fancy", col2im_fancy_cached),
    mutant(C2, "ignores-input", "vectorised", col2im_taps_global),
    mutant(C2, "mutates-input", "loops", col2im_loops_mutating),
    mutant(C2, "mutates-input", "fancy", col2im_fancy_mutating),
    mutant(C2, "mutates-input", "vectorised", col2im_taps_mutating),
    mutant(C2, "dtype-changed", "loops", col2im_loops_float64),
    mutant(C2, "dtype-changed", "fancy", col2im_fancy_float64),
    mutant(C2, "dtype-changed", "vectorised", col2im_taps_float64),
    mutant(C2, "numerically-loose", "loops", col2im_loops_float32),
    mutant(C2, "numerically-loose", "fancy", col2im_fancy_float32),
    mutant(C2, "numerically-loose", "vectorised", col2im_taps_float32),
    mutant(I, "not-implemented", "fancy", indices_stub),
    mutant(I, "wrong-shape", "fancy", indices_wrong_shape),
    mutant(I, "hw-swapped", "fancy", indices_tile_repeat_swapped),
    mutant(I, "hw-swapped", "vectorised", indices_meshgrid_xy),
    mutant(I, "hw-swapped", "strided", indices_np_indices_hw),
    mutant(I, "filter-hw-swapped", "fancy", indices_taps_swapped),
    mutant(I, "filter-hw-swapped", "vectorised", indices_meshgrid_taps_transposed),
    mutant(I, "filter-hw-swapped", "strided", indices_np_indices_hh_square),
    mutant(I, "stride-ignored", "fancy", indices_no_stride),
    mutant(I, "stride-ignored", "vectorised", indices_meshgrid_no_stride),
    mutant(I, "stride-ignored", "strided", indices_sliding_no_stride),
    mutant(I, "pad-ignored", "fancy", indices_no_pad),
    mutant(I, "pad-ignored", "vectorised", indices_np_indices_no_pad),
    mutant(I, "pad-ignored", "strided", indices_sliding_no_pad),
    mutant(I, "cols-transposed", "fancy", indices_transposed),
    mutant(I, "cols-transposed", "vectorised", indices_meshgrid_transposed),
    mutant(I, "dtype-changed", "fancy", indices_float),
    mutant(I, "dtype-changed", "vectorised", indices_meshgrid_float),
    mutant(I, "dtype-changed", "strided", indices_np_indices_float),
    mutant(I, "ignores-input", "fancy", indices_fixed),
    mutant(I, "ignores-input", "vectorised", indices_meshgrid_fixed),
    mutant(I, "ignores-input", "strided", indices_np_indices_fixed),
    mutant(I, "window-offset", "fancy", indices_offset),
    mutant(I, "window-offset", "vectorised", indices_meshgrid_offset),
    mutant(I, "window-offset", "strided", indices_np_indices_offset),
]

VALID = [
    Valid(C2, "loops", col2im_loops),
    Valid(C2, "loops", col2im_loops_idx),
    Valid(C2, "fancy", col2im_fancy),
    Valid(C2, "fancy", col2im_fancy_flat),
    Valid(C2, "fancy", col2im_fancy_bincount),
    Valid(C2, "vectorised", col2im_taps),
    Valid(I, "fancy", indices_repeat_tile),
    Valid(I, "vectorised", indices_meshgrid),
    Valid(I, "vectorised", indices_np_indices),
    Valid(I, "strided", indices_sliding_grid),
]
