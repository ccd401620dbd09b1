# ruff: noqa: B007, RUF059
# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Answers to notebook 3 (the vectorised stage) that still loop in Python over images,
windows or output positions (``python-loops``), and ones that loop only over the filter
taps or the channels (allowed)."""

from __future__ import annotations

import numpy as np

from . import Valid, mutant
from .col2im_mutants import col2im_loops, indices_repeat_tile
from .im2col_mutants import im2col_loops


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def _sizes(H, W, HH, WW, s, p):
    return (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1


# ------------------------------------------------------------------ im2col
def im2col_per_image(x, HH, WW, stride=1, pad=0):
    """Fancy indexing, but one image at a time."""
    N, C, H, W = x.shape
    k, i, j = indices_repeat_tile(x.shape, HH, WW, stride, pad)
    xp = _pad(x, pad)
    return np.concatenate([xp[n][k, i, j] for n in range(N)], axis=1)


def im2col_comprehension(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    columns = [
        xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW].ravel()
        for n in range(N)
        for i in range(Ho)
        for j in range(Wo)
    ]
    return np.array(columns, dtype=x.dtype).T


def im2col_map_lambda(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    starts = [(n, i * stride, j * stride) for n in range(N) for i in range(Ho) for j in range(Wo)]
    return np.stack(
        list(map(lambda t: xp[t[0], :, t[1] : t[1] + HH, t[2] : t[2] + WW].ravel(), starts)), axis=1
    )


def im2col_vectorize(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    K = C * HH * WW
    k, i, j = indices_repeat_tile(x.shape, HH, WW, stride, pad)
    col = np.arange(N * Ho * Wo)
    pick = np.vectorize(
        lambda r, c: xp[c // (Ho * Wo), k[r, 0], i[r, c % (Ho * Wo)], j[r, c % (Ho * Wo)]]
    )
    return pick(np.arange(K)[:, None], col[None, :]).astype(x.dtype)


def im2col_rows_loop(x, HH, WW, stride=1, pad=0):
    """Vectorised along each output row, a Python loop over the rows."""
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    out = np.empty((C, HH, WW, N, Ho, Wo), dtype=x.dtype)
    dj = np.arange(WW)[:, None] + stride * np.arange(Wo)[None, :]
    for i in range(Ho):
        band = xp[:, :, i * stride : i * stride + HH, :]  # (N, C, HH, Wp)
        out[:, :, :, :, i, :] = band[:, :, :, dj].transpose(1, 2, 3, 0, 4)
    return out.reshape(C * HH * WW, -1)


def im2col_while(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.empty((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    c = 0
    while c < N * Ho * Wo:
        n, r = divmod(c, Ho * Wo)
        i, j = divmod(r, Wo)
        cols[:, c] = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW].ravel()
        c += 1
    return cols


def im2col_apply_along_axis(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    starts = np.indices((N, Ho, Wo)).reshape(3, -1).T * np.array([1, stride, stride])
    cols = np.apply_along_axis(
        lambda t: xp[t[0], :, t[1] : t[1] + HH, t[2] : t[2] + WW].ravel(), 1, starts
    )
    return cols.T.astype(x.dtype)


def im2col_taps_loop(x, HH, WW, stride=1, pad=0):
    """Allowed: a loop over the filter taps only, every window at once."""
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.empty((C, HH, WW, N, Ho, Wo), dtype=x.dtype)
    for di in range(HH):
        for dj in range(WW):
            cols[:, di, dj] = xp[
                :, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride
            ].transpose(1, 0, 2, 3)
    return cols.reshape(C * HH * WW, -1)


def im2col_channel_loop(x, HH, WW, stride=1, pad=0):
    """Allowed: a loop over the channels, each gathered by fancy indexing."""
    N, C, H, W = x.shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = _pad(x, pad)
    r = np.repeat(np.arange(HH), WW)[:, None] + stride * np.repeat(np.arange(Ho), Wo)[None, :]
    s = np.tile(np.arange(WW), HH)[:, None] + stride * np.tile(np.arange(Wo), Ho)[None, :]
    blocks = []
    for c in range(C):
        g = xp[:, c][:, r, s]  # (N, HH*WW, Ho*Wo)
        blocks.append(g.transpose(1, 0, 2).reshape(HH * WW, -1))
    return np.concatenate(blocks, axis=0)


# ------------------------------------------------------------------ col2im
def col2im_per_image_add_at(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    k, i, j = indices_repeat_tile(x_shape, HH, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    per = cols.reshape(C * HH * WW, N, -1)
    for n in range(N):
        np.add.at(xp[n], (k, i, j), per[:, n])
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_window_loop_add(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_loops(cols, x_shape, HH, WW, stride, pad)


def col2im_comprehension_sum(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    Hp, Wp = H + 2 * pad, W + 2 * pad

    def placed(n, i, j):
        out = np.zeros((N, C, Hp, Wp), dtype=cols.dtype)
        out[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] = cols[
            :, (n * Ho + i) * Wo + j
        ].reshape(C, HH, WW)
        return out

    total = sum(placed(n, i, j) for n in range(N) for i in range(Ho) for j in range(Wo))
    return total[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_loop(cols, x_shape, HH, WW, stride=1, pad=0):
    """Allowed: a loop over the taps, strided slices add up every window at once."""
    N, C, H, W = x_shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            xp[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return xp[:, :, pad : pad + H, pad : pad + W]


# ------------------------------------------------------------------ im2col_indices
def indices_loops(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    k = np.repeat(np.arange(C), HH * WW)[:, None]
    i = np.zeros((C * HH * WW, Ho * Wo), dtype=int)
    j = np.zeros_like(i)
    for r in range(Ho):
        for c in range(Wo):
            i[:, r * Wo + c] = np.tile(np.repeat(np.arange(HH), WW), C) + r * stride
            j[:, r * Wo + c] = np.tile(np.arange(WW), HH * C) + c * stride
    return k, i, j


def indices_comprehension(x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    k = np.repeat(np.arange(C), HH * WW)[:, None]
    starts = [(r * stride, c * stride) for r in range(Ho) for c in range(Wo)]
    i = np.array(
        [[di + t for t, _ in starts] for _ in range(C) for di in range(HH) for _dj in range(WW)]
    )
    j = np.array(
        [[dj + le for _, le in starts] for _ in range(C) for _di in range(HH) for dj in range(WW)]
    )
    return k, i, j


def indices_taps_loop(x_shape, HH, WW, stride=1, pad=0):
    """Allowed: a loop over the taps; each row of offsets made at once."""
    N, C, H, W = x_shape
    Ho, Wo = _sizes(H, W, HH, WW, stride, pad)
    base_i = stride * np.repeat(np.arange(Ho), Wo)
    base_j = stride * np.tile(np.arange(Wo), Ho)
    rows_i, rows_j = [], []
    for c in range(C):
        for di in range(HH):
            for dj in range(WW):
                rows_i.append(base_i + di)
                rows_j.append(base_j + dj)
    return np.repeat(np.arange(C), HH * WW)[:, None], np.array(rows_i), np.array(rows_j)


L = "python-loops"
MUTANTS = [
    mutant("im2col", L, "loops", im2col_loops, stage="fancy"),
    mutant("im2col", L, "fancy", im2col_per_image, stage="fancy"),
    mutant("im2col", L, "loops", im2col_comprehension, stage="fancy"),
    mutant("im2col", L, "loops", im2col_map_lambda, stage="fancy"),
    mutant("im2col", L, "fancy", im2col_vectorize, stage="fancy"),
    mutant("im2col", L, "vectorised", im2col_rows_loop, stage="fancy"),
    mutant("im2col", L, "loops", im2col_while, stage="fancy"),
    mutant("im2col", L, "vectorised", im2col_apply_along_axis, stage="fancy"),
    mutant("col2im", L, "fancy", col2im_per_image_add_at, stage="fancy"),
    mutant("col2im", L, "loops", col2im_window_loop_add, stage="fancy"),
    mutant("col2im", L, "loops", col2im_comprehension_sum, stage="fancy"),
    mutant("im2col_indices", L, "loops", indices_loops),
    mutant("im2col_indices", L, "loops", indices_comprehension),
]

VALID = [
    Valid("im2col", "vectorised", im2col_taps_loop, stage="fancy"),
    Valid("im2col", "fancy", im2col_channel_loop, stage="fancy"),
    Valid("col2im", "vectorised", col2im_taps_loop, stage="fancy"),
    Valid("im2col_indices", "vectorised", indices_taps_loop),
    Valid("im2col", "loops", im2col_loops, stage="loops"),
]
