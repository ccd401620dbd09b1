# ruff: noqa: RUF059, B006
# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Student versions of im2col (notebooks 2 and 3), wrong and right, in three styles:
loops over windows, fancy indexing with index arrays, and sliding_window_view/as_strided."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from . import Valid, mutant

x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))  # a notebook global


# ================================================================ loops
def im2col_loops(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                top, left = i * stride, j * stride
                window = x_pad[n, :, top : top + HH, left : left + WW]
                cols[:, (n * H_out + i) * W_out + j] = window.reshape(-1)
    return cols


def im2col_loops_counter(x, HH, WW, stride=1, pad=0):
    """Valid: a running column counter and a list of columns."""
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    Hp, Wp = xp.shape[2:]
    columns = []
    for n in range(N):
        for r in range(0, Hp - HH + 1, stride):
            for c in range(0, Wp - WW + 1, stride):
                columns.append(xp[n, :, r : r + HH, c : c + WW].flatten())
    return np.stack(columns, axis=1)


def im2col_loops_taps(x, HH, WW, stride=1, pad=0):
    """Valid: loops over the filter taps, each a strided slice of every window."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((C, HH, WW, N, Ho, Wo), dtype=x.dtype)
    for di in range(HH):
        for dj in range(WW):
            patch = xp[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride]
            cols[:, di, dj] = patch.transpose(1, 0, 2, 3)
    return cols.reshape(C * HH * WW, N * Ho * Wo)


def im2col_stub(x, HH, WW, stride=1, pad=0):
    # YOUR CODE HERE
    raise NotImplementedError()


def im2col_no_return(x, HH, WW, stride=1, pad=0):
    cols = im2col_loops(x, HH, WW, stride, pad)  # noqa: F841 (forgot to return)


def im2col_returns_shape_too(x, HH, WW, stride=1, pad=0):
    cols = im2col_loops(x, HH, WW, stride, pad)
    return cols, cols.shape


def im2col_loops_first_image(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, H_out * W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            cols[:, i * W_out + j] = x_pad[
                0, :, i * stride : i * stride + HH, j * stride : j * stride + WW
            ].ravel()
    return cols


def im2col_loops_image_zero(x, HH, WW, stride=1, pad=0):
    """A near miss (image 0's windows for every image: right only with N == 1)."""
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[0, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                cols[:, (n * H_out + i) * W_out + j] = window.reshape(-1)
    return cols


def im2col_loops_ji(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    col = 0
    for n in range(N):
        for j in range(W_out):
            for i in range(H_out):
                cols[:, col] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].ravel()
                col += 1
    return cols


def im2col_loops_ranges_swapped(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    k = 0
    for n in range(N):
        for i in range(W_out):
            for j in range(H_out):
                cols[:, k] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].ravel()
                k += 1
    return cols


def im2col_loops_window_transposed(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                cols[:, (n * H_out + i) * W_out + j] = window.transpose(0, 2, 1).ravel()
    return cols


def im2col_loops_end_mixed(image, HH, WW, stride=1, pad=0):
    """The first seed's end indices: rows end at `start_i + WW`, columns at `start_j + HH`."""
    M, C, h, w = image.shape
    x_padded = np.pad(image, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    h_new = (h - HH + 2 * pad) // stride + 1
    w_new = (w - WW + 2 * pad) // stride + 1
    out = np.zeros((WW * HH * C, M * h_new * w_new), dtype=image.dtype)
    itr = 0
    for m in range(M):
        for i in range(h_new):
            for j in range(w_new):
                start_i, start_j = stride * i, stride * j
                end_i, end_j = start_i + WW, start_j + HH
                out[:, itr] = x_padded[m, :, start_i:end_i, start_j:end_j].ravel()
                itr += 1
    return out


def im2col_loops_square_filter(x, HH, WW, stride=1, pad=0):
    """`f = HH` used for both sides, sizes included (the first seed's `f`)."""
    f = HH
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_new = (H + 2 * pad - f) // stride + 1
    w_new = (W + 2 * pad - f) // stride + 1
    rows = []
    for n in range(N):
        for i in range(h_new):
            for j in range(w_new):
                rows.append(
                    xp[n, :, stride * i : stride * i + f, stride * j : stride * j + f].ravel()
                )
    return np.array(rows, dtype=x.dtype).reshape(-1, C * f * f).T


def im2col_loops_no_stride(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[:, (n * H_out + i) * W_out + j] = xp[n, :, i : i + HH, j : j + WW].ravel()
    return cols


def im2col_loops_no_pad(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H - HH) // stride + 1
    W_out = (W - WW) // stride + 1
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                t, le = i * stride, j * stride
                cols[:, (n * H_out + i) * W_out + j] = x[n, :, t : t + HH, le : le + WW].ravel()
    return cols


def im2col_loops_pad_all_axes(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, pad)
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                t, le = i * stride, j * stride
                cols[:, (n * H_out + i) * W_out + j] = xp[n, :, t : t + HH, le : le + WW].ravel()
    return cols


def im2col_loops_pad_top_left(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                t, le = i * stride, j * stride
                cols[:, (n * H_out + i) * W_out + j] = xp[n, :, t : t + HH, le : le + WW].ravel()
    return cols


def im2col_loops_rows(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.zeros((N * H_out * W_out, C * HH * WW), dtype=x.dtype)
    r = 0
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                rows[r] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].ravel()
                r += 1
    return rows


def im2col_loops_n_fastest(image, HH, WW, stride=1, pad=0):
    """The second seed's loop order: i, j, then the image m innermost."""
    M, C, h, w = image.shape
    x_padded = np.pad(image, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_new = (h - HH + 2 * pad) // stride + 1
    w_new = (w - WW + 2 * pad) // stride + 1
    out = np.zeros((HH * WW * C, M * h_new * w_new), dtype=image.dtype)
    itr = 0
    for i in range(h_new):
        for j in range(w_new):
            for m in range(M):
                out[:, itr] = x_padded[
                    m, :, stride * i : stride * i + HH, stride * j : stride * j + WW
                ].ravel()
                itr += 1
    return out


def im2col_loops_channel_last(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                cols[:, (n * H_out + i) * W_out + j] = window.transpose(1, 2, 0).ravel()
    return cols


def im2col_loops_global(image, HH, WW, stride=1, pad=0):
    """The second seed: pads the global x instead of its argument."""
    M, C, h, w = image.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    h_new = (h - HH + 2 * pad) // stride + 1
    w_new = (w - WW + 2 * pad) // stride + 1
    out = np.zeros((HH * WW * C, M * h_new * w_new), dtype=image.dtype)
    itr = 0
    for m in range(M):
        for i in range(h_new):
            for j in range(w_new):
                si, sj = stride * i, stride * j
                out[:, itr] = x_padded[m, :, si : si + HH, sj : sj + WW].ravel()
                itr += 1
    return out


def im2col_loops_mutating(x, HH, WW, stride=1, pad=0):
    cols = im2col_loops(x, HH, WW, stride, pad)
    x -= x.mean()
    return cols


def im2col_loops_float64(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[:, (n * H_out + i) * W_out + j] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].ravel()
    return cols


def im2col_loops_float32(x, HH, WW, stride=1, pad=0):
    return im2col_loops(x.astype(np.float32), HH, WW, stride, pad).astype(x.dtype)


def im2col_loops_start_plus_one(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                top = i * stride + 1
                left = j * stride
                cols[:, (n * H_out + i) * W_out + j] = xp[
                    n, :, top : top + HH, left : left + WW
                ].ravel()
    return cols


def im2col_loops_range_from_one(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    k = 0
    for n in range(N):
        for i in range(1, H_out + 1):
            for j in range(1, W_out + 1):
                cols[:, k] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].ravel()
                k += 1
    return cols


# ================================================================ fancy indexing
def _idx(C, HH, WW, H_out, W_out, stride):
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.repeat(np.arange(H_out), W_out)
    j1 = stride * np.tile(np.arange(W_out), H_out)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1)


def im2col_fancy(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[:, k, i, j].transpose(1, 0, 2).reshape(C * HH * WW, -1)


def im2col_fancy_meshgrid(x, HH, WW, stride=1, pad=0):
    """Valid: broadcasting index arrays built with np.meshgrid, one gather."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    rows = di.reshape(-1, 1) + stride * io.reshape(1, -1)
    cols_ = dj.reshape(-1, 1) + stride * jo.reshape(1, -1)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    g = xp[:, c.reshape(-1, 1), rows, cols_]  # (N, K, L)
    return np.concatenate(list(g), axis=1)


def im2col_fancy_5d(x, HH, WW, stride=1, pad=0):
    """Valid: one broadcast gather of (N, C, HH, WW, Ho, Wo), then a transpose."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    r = np.arange(HH)[:, None, None, None] + stride * np.arange(Ho)[None, None, :, None]
    s = np.arange(WW)[None, :, None, None] + stride * np.arange(Wo)[None, None, None, :]
    g = xp[:, :, r, s]  # (N, C, HH, WW, Ho, Wo)
    return g.transpose(1, 2, 3, 0, 4, 5).reshape(C * HH * WW, N * Ho * Wo)


def _fancy_with(x, HH, WW, stride, pad, k, i, j):
    C = x.shape[1]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[:, k, i, j].transpose(1, 0, 2).reshape(C * HH * WW, -1)


def im2col_fancy_stub(x, HH, WW, stride=1, pad=0):
    return None


def im2col_fancy_first_image(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[0, k, i, j]


def im2col_fancy_window_order(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.tile(np.arange(Ho), Wo)  # tile and repeat exchanged
    j1 = stride * np.repeat(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return _fancy_with(x, HH, WW, stride, pad, k, i0[:, None] + i1, j0[:, None] + j1)


def im2col_fancy_taps_swapped(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(WW), HH), C)  # WW rows, HH columns
    j0 = np.tile(np.arange(HH), WW * C)
    i1 = stride * np.repeat(np.arange(Ho), Wo)
    j1 = stride * np.tile(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    ii, jj = i0[:, None] + i1, j0[:, None] + j1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad + max(0, WW - HH)), (pad, pad + max(0, HH - WW))))
    return xp[:, k, ii, jj].transpose(1, 0, 2).reshape(C * HH * WW, -1)


def im2col_fancy_taps_transposed(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.tile(np.tile(np.arange(HH), WW), C)  # di fastest: (c, dj, di)
    j0 = np.tile(np.repeat(np.arange(WW), HH), C)
    i1 = stride * np.repeat(np.arange(Ho), Wo)
    j1 = stride * np.tile(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return _fancy_with(x, HH, WW, stride, pad, k, i0[:, None] + i1, j0[:, None] + j1)


def im2col_fancy_no_stride(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, 1)
    return _fancy_with(x, HH, WW, stride, pad, k, i, j)


def im2col_fancy_no_pad(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H - HH) // stride + 1, (W - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    return x[:, k, i, j].transpose(1, 0, 2).reshape(C * HH * WW, -1)


def im2col_fancy_pad_all_axes(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, pad)
    return xp[:, k, i, j].transpose(1, 0, 2).reshape(C * HH * WW, -1)


def im2col_fancy_pad_uneven(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad + 1, pad), (pad, pad + 1)))
    return xp[:, k, i, j].transpose(1, 0, 2).reshape(C * HH * WW, -1)


def im2col_fancy_rows(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[:, k, i, j].transpose(0, 2, 1).reshape(-1, C * HH * WW)


def im2col_fancy_n_fastest(x, HH, WW, stride=1, pad=0):
    """CS231n's `cols.transpose(1, 2, 0)`: the image index fastest."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[:, k, i, j].transpose(1, 2, 0).reshape(C * HH * WW, -1)


def im2col_fancy_raw_reshape(x, HH, WW, stride=1, pad=0):
    """The gathered (N, K, L) reshaped without `.transpose(1, 0, 2)`."""
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[:, k, i, j].reshape(C * HH * WW, -1)


def im2col_loops_true_division(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) / stride + 1
    W_out = (W + 2 * pad - WW) / stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[:, (n * H_out + i) * W_out + j] = xp[
                    n, :, i * stride : i * stride + HH, j * stride : j * stride + WW
                ].ravel()
    return cols


def im2col_fancy_channel_last(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    i0 = np.repeat(np.repeat(np.arange(HH), WW), C)  # (di, dj, c): c fastest
    j0 = np.repeat(np.tile(np.arange(WW), HH), C)
    k = np.tile(np.arange(C), HH * WW).reshape(-1, 1)
    i = i0[:, None] + stride * np.repeat(np.arange(Ho), Wo)
    j = j0[:, None] + stride * np.tile(np.arange(Wo), Ho)
    return _fancy_with(x, HH, WW, stride, pad, k, i, j)


def im2col_fancy_global(image, HH, WW, stride=1, pad=0):
    N, C, H, W = image.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp[:, k, i, j].transpose(1, 0, 2).reshape(C * HH * WW, -1).astype(image.dtype)


def im2col_fancy_mutating(x, HH, WW, stride=1, pad=0):
    cols = im2col_fancy(x, HH, WW, stride, pad)
    x[...] = 0
    return cols


def im2col_fancy_float64(x, HH, WW, stride=1, pad=0):
    return im2col_fancy(x.astype(np.float64), HH, WW, stride, pad)


def im2col_fancy_float32(x, HH, WW, stride=1, pad=0):
    return im2col_fancy(np.float32(x), HH, WW, stride, pad).astype(x.dtype)


def im2col_fancy_offset(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    k, i, j = _idx(C, HH, WW, Ho, Wo, stride)
    return _fancy_with(x, HH, WW, stride, pad, k, i + 1, j + 1)


# ================================================================ strided views
def im2col_sliding(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_strided(x, HH, WW, stride=1, pad=0):
    xp = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))))
    N, C, Hp, Wp = xp.shape
    Ho, Wo = (Hp - HH) // stride + 1, (Wp - WW) // stride + 1
    sn, sc, sh, sw = xp.strides
    v = as_strided(
        xp, (C, HH, WW, N, Ho, Wo), (sc, sh, sw, sn, sh * stride, sw * stride), writeable=False
    )
    return np.ascontiguousarray(v).reshape(C * HH * WW, N * Ho * Wo)


def _sliding(xp, HH, WW, stride):
    return sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]


def im2col_sliding_bad_return(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)
    return list(v.transpose(1, 4, 5, 0, 2, 3).reshape(x.shape[1] * HH * WW, -1)), "cols"


def im2col_sliding_first_image(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)[0]
    C, Ho, Wo = v.shape[:3]
    return v.transpose(0, 3, 4, 1, 2).reshape(C * HH * WW, Ho * Wo)


def im2col_sliding_hw(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 3, 2).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_window_swapped(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = sliding_window_view(xp, (WW, HH), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_taps_transposed(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 5, 4, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_no_stride(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_no_pad(x, HH, WW, stride=1, pad=0):
    v = _sliding(x, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_pad_bottom(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))
    v = _sliding(xp, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_pad_all_axes(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, pad)
    v = _sliding(xp, HH, WW, stride)[:, : x.shape[1]]
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_rows(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * HH * WW)


def im2col_sliding_n_fastest(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 2, 3, 0).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_channel_last(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = _sliding(xp, HH, WW, stride)
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(4, 5, 1, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_sliding_cached(x, HH, WW, stride=1, pad=0, _memory={}):
    key = (x.shape, HH, WW, stride, pad, x.dtype.str)
    if key not in _memory:
        _memory[key] = im2col_sliding(x, HH, WW, stride, pad)
    return _memory[key]


def im2col_sliding_mutating(x, HH, WW, stride=1, pad=0):
    cols = im2col_sliding(x, HH, WW, stride, pad)
    x[..., 0] = 0.0  # clears the first column of the caller's images
    return cols


def im2col_sliding_float64(x, HH, WW, stride=1, pad=0):
    return im2col_sliding(x, HH, WW, stride, pad).astype(np.float64)


def im2col_sliding_float32(x, HH, WW, stride=1, pad=0):
    return im2col_sliding(x.astype("f"), HH, WW, stride, pad).astype(x.dtype)


def im2col_sliding_offset(x, HH, WW, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, 1::stride, ::stride]
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


M = "im2col"
MUTANTS = [
    mutant(M, "not-implemented", "loops", im2col_stub),
    mutant(M, "not-implemented", "loops", im2col_no_return),
    mutant(M, "not-implemented", "fancy", im2col_fancy_stub),
    mutant(M, "bad-return", "loops", im2col_returns_shape_too),
    mutant(M, "bad-return", "strided", im2col_sliding_bad_return),
    mutant(M, "wrong-shape", "loops", im2col_loops_first_image),
    mutant(M, (), "loops", im2col_loops_image_zero),
    mutant(M, "wrong-shape", "fancy", im2col_fancy_first_image),
    mutant(M, "wrong-shape", "strided", im2col_sliding_first_image),
    mutant(M, "hw-swapped", "loops", im2col_loops_ji),
    mutant(M, "hw-swapped", "loops", im2col_loops_ranges_swapped),
    mutant(M, "hw-swapped", "fancy", im2col_fancy_window_order),
    mutant(M, "hw-swapped", "strided", im2col_sliding_hw),
    mutant(M, "filter-hw-swapped", "loops", im2col_loops_window_transposed),
    mutant(M, "filter-hw-swapped", "loops", im2col_loops_end_mixed),
    mutant(M, "filter-hw-swapped", "loops", im2col_loops_square_filter),
    mutant(M, "filter-hw-swapped", "fancy", im2col_fancy_taps_swapped),
    mutant(M, "filter-hw-swapped", "fancy", im2col_fancy_taps_transposed),
    mutant(M, "filter-hw-swapped", "strided", im2col_sliding_window_swapped),
    mutant(M, "filter-hw-swapped", "strided", im2col_sliding_taps_transposed),
    mutant(M, "stride-ignored", "loops", im2col_loops_no_stride),
    mutant(M, "stride-ignored", "fancy", im2col_fancy_no_stride),
    mutant(M, "stride-ignored", "strided", im2col_sliding_no_stride),
    mutant(M, "pad-ignored", "loops", im2col_loops_no_pad),
    mutant(M, "pad-ignored", "fancy", im2col_fancy_no_pad),
    mutant(M, "pad-ignored", "strided", im2col_sliding_no_pad),
    mutant(M, "pad-wrong-axes", "loops", im2col_loops_pad_all_axes),
    mutant(M, "pad-wrong-axes", "loops", im2col_loops_pad_top_left),
    mutant(M, "pad-wrong-axes", "fancy", im2col_fancy_pad_all_axes),
    mutant(M, "pad-wrong-axes", "fancy", im2col_fancy_pad_uneven),
    mutant(M, "pad-wrong-axes", "strided", im2col_sliding_pad_bottom),
    mutant(M, "pad-wrong-axes", "strided", im2col_sliding_pad_all_axes),
    mutant(M, "cols-transposed", "loops", im2col_loops_rows),
    mutant(M, "cols-transposed", "fancy", im2col_fancy_rows),
    mutant(M, "cols-transposed", "strided", im2col_sliding_rows),
    mutant(M, "cols-n-fastest", "loops", im2col_loops_n_fastest),
    mutant(M, "cols-n-fastest", "fancy", im2col_fancy_n_fastest),
    mutant(M, "cols-n-fastest", "fancy", im2col_fancy_raw_reshape),
    mutant(M, "true-division", "loops", im2col_loops_true_division),
    mutant(M, "cols-n-fastest", "strided", im2col_sliding_n_fastest),
    mutant(M, "weight-flatten-order", "loops", im2col_loops_channel_last),
    mutant(M, "weight-flatten-order", "fancy", im2col_fancy_channel_last),
    mutant(M, "weight-flatten-order", "strided", im2col_sliding_channel_last),
    mutant(M, "ignores-input", "loops", im2col_loops_global),
    mutant(M, "ignores-input", "fancy", im2col_fancy_global),
    mutant(M, "ignores-input", "strided", im2col_sliding_cached),
    mutant(M, "mutates-input", "loops", im2col_loops_mutating),
    mutant(M, "mutates-input", "fancy", im2col_fancy_mutating),
    mutant(M, "mutates-input", "strided", im2col_sliding_mutating),
    mutant(M, "dtype-changed", "loops", im2col_loops_float64),
    mutant(M, "dtype-changed", "fancy", im2col_fancy_float64),
    mutant(M, "dtype-changed", "strided", im2col_sliding_float64),
    mutant(M, "numerically-loose", "loops", im2col_loops_float32),
    mutant(M, "numerically-loose", "fancy", im2col_fancy_float32),
    mutant(M, "numerically-loose", "strided", im2col_sliding_float32),
    mutant(M, "window-offset", "loops", im2col_loops_start_plus_one),
    mutant(M, "window-offset", "loops", im2col_loops_range_from_one),
    mutant(M, "window-offset", "fancy", im2col_fancy_offset),
    mutant(M, "window-offset", "strided", im2col_sliding_offset),
]

VALID = [
    Valid(M, "loops", im2col_loops),
    Valid(M, "loops", im2col_loops_counter),
    Valid(M, "vectorised", im2col_loops_taps),
    Valid(M, "fancy", im2col_fancy),
    Valid(M, "fancy", im2col_fancy_meshgrid),
    Valid(M, "fancy", im2col_fancy_5d),
    Valid(M, "strided", im2col_sliding),
    Valid(M, "strided", im2col_strided),
]
