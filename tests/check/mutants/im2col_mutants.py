"""Wrong (and right) student implementations of im2col, col2im and im2col_indices.

``MUTANTS`` maps each mistake code to implementations that make exactly that
mistake; ``VALID`` holds correct alternatives that must pass unaccused.
Written the way students write them, independently of ``cs_conv``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

# a notebook-level global that a buggy function reads instead of its argument
x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))


def _pad(a, p):
    return np.pad(a, ((0, 0), (0, 0), (p, p), (p, p)))


def _out(size, k, s, p):
    return (size + 2 * p - k) // s + 1


# --------------------------------------------------------------------- im2col
def im2col_loops(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                cols[:, (n * Ho + i) * Wo + j] = xp[n, :, t : t + HH, le : le + WW].ravel()
    return cols


def im2col_tap_loops(x, HH, WW, stride=1, pad=0):
    """Valid: loop over the filter taps instead of the windows."""
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.empty((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    for c in range(C):
        for di in range(HH):
            for dj in range(WW):
                patch = xp[:, c, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride]
                cols[(c * HH + di) * WW + dj] = patch.reshape(-1)
    return cols


def im2col_sliding(x, HH, WW, stride=1, pad=0):
    """Valid: sliding_window_view."""
    xp = _pad(x, pad)
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    N, C, Ho, Wo = v.shape[:4]
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def im2col_strided(x, HH, WW, stride=1, pad=0):
    """Valid: as_strided."""
    xp = np.ascontiguousarray(_pad(x, pad))
    N, C, Hp, Wp = xp.shape
    Ho, Wo = (Hp - HH) // stride + 1, (Wp - WW) // stride + 1
    sn, sc, sh, sw = xp.strides
    v = as_strided(
        xp, (C, HH, WW, N, Ho, Wo), (sc, sh, sw, sn, sh * stride, sw * stride), writeable=False
    )
    return np.ascontiguousarray(v).reshape(C * HH * WW, N * Ho * Wo)


def im2col_torch(x, HH, WW, stride=1, pad=0):
    """Valid: torch.nn.functional.unfold."""
    import torch

    t = torch.nn.functional.unfold(
        torch.from_numpy(np.ascontiguousarray(x)), (HH, WW), padding=pad, stride=stride
    )
    N, K, L = t.shape
    return t.numpy().transpose(1, 0, 2).reshape(K, N * L)


def im2col_stub(x, HH, WW, stride=1, pad=0):
    raise NotImplementedError


def im2col_none(x, HH, WW, stride=1, pad=0):
    cols = im2col_loops(x, HH, WW, stride, pad)  # noqa: F841 (forgot to return)


def im2col_bad_return(x, HH, WW, stride=1, pad=0):
    cols = im2col_loops(x, HH, WW, stride, pad)
    return cols, cols.shape[1]


def im2col_first_image_only(x, HH, WW, stride=1, pad=0):
    return im2col_loops(x[:1], HH, WW, stride, pad)


def im2col_loops_swapped(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    col = 0
    for n in range(N):
        for j in range(Wo):
            for i in range(Ho):
                t, le = i * stride, j * stride
                cols[:, col] = xp[n, :, t : t + HH, le : le + WW].ravel()
                col += 1
    return cols


def im2col_taps_transposed(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                window = xp[n, :, t : t + HH, le : le + WW]
                cols[:, (n * Ho + i) * Wo + j] = window.transpose(0, 2, 1).ravel()
    return cols


def im2col_square_height(x, HH, WW, stride=1, pad=0):
    """The sample class's answer: `WW = HH` ("square filters only"), floor sizes."""
    N, C, H, W = x.shape
    WW = HH  # the bug
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((C * HH * WW, N * H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                cols[:, (n * H_out + i) * W_out + j] = window.reshape(-1)
    return cols


def im2col_square_width(x, HH, WW, stride=1, pad=0):
    """`HH = WW`: the filter height is never used."""
    return im2col_square_height(x, WW, WW, stride, pad)


def im2col_seed_f(x, HH, WW, stride=1, pad=0):
    """The first seed's `im2col_sliding(X, f=h_filter, ...)`: one size f for both sides."""
    f = HH
    M, C, H, W = x.shape
    image_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_new = (H + 2 * pad - f) // stride + 1
    w_new = (W + 2 * pad - f) // stride + 1
    rows = []
    for m in range(M):
        for i in range(h_new):
            for j in range(w_new):
                si, sj = stride * i, stride * j
                rows.append(image_pad[m, :, si : si + f, sj : sj + f].ravel())
    return np.array(rows, dtype=x.dtype).reshape(-1, C * f * f).T


def im2col_no_stride(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                cols[:, (n * Ho + i) * Wo + j] = xp[n, :, i : i + HH, j : j + WW].ravel()
    return cols


def im2col_no_pad(x, HH, WW, stride=1, pad=0):
    return im2col_loops(x, HH, WW, stride, 0)


def im2col_pad_one_side(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))
    Ho, Wo = (H + pad - HH) // stride + 1, (W + pad - WW) // stride + 1
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                cols[:, (n * Ho + i) * Wo + j] = xp[n, :, t : t + HH, le : le + WW].ravel()
    return cols


def im2col_rows(x, HH, WW, stride=1, pad=0):
    return im2col_loops(x, HH, WW, stride, pad).T.copy()


def im2col_n_fastest(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    itr = 0
    for i in range(Ho):
        for j in range(Wo):
            for n in range(N):
                t, le = i * stride, j * stride
                cols[:, itr] = xp[n, :, t : t + HH, le : le + WW].ravel()
                itr += 1
    return cols


def im2col_global_x(image, HH, WW, stride=1, pad=0):
    N, C, H, W = image.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)  # the global, not the argument
    cols = np.zeros((C * HH * WW, N * Ho * Wo), dtype=image.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                win = xp[n % xp.shape[0], :C, t : t + HH, le : le + WW]
                flat = np.zeros(C * HH * WW)
                flat[: win.size] = win.ravel()
                cols[:, (n * Ho + i) * Wo + j] = flat
    return cols


def im2col_mutating(x, HH, WW, stride=1, pad=0):
    cols = im2col_loops(x, HH, WW, stride, pad)
    x -= x.mean()  # "normalise" in place
    return cols


def im2col_float64(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = _pad(x, pad)
    cols = np.zeros((C * HH * WW, N * Ho * Wo))  # float64 whatever x is
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                cols[:, (n * Ho + i) * Wo + j] = xp[n, :, t : t + HH, le : le + WW].ravel()
    return cols


def im2col_float32_inside(x, HH, WW, stride=1, pad=0):
    return im2col_loops(x.astype(np.float32), HH, WW, stride, pad).astype(x.dtype)


# --------------------------------------------------------------------- col2im
def col2im_loops(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, HH, WW)
                xp[n, :, t : t + HH, le : le + WW] += col
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_tap_loops(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: loop over taps, strided slices accumulate (no repeats within one tap)."""
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    c6 = cols.reshape(C, HH, WW, N, Ho, Wo)
    for di in range(HH):
        for dj in range(WW):
            xp[:, :, di : di + stride * Ho : stride, dj : dj + stride * Wo : stride] += c6[
                :, di, dj
            ].transpose(1, 0, 2, 3)
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_add_at(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: np.add.at with hand-made indices, padded buffer then crop."""
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    c, di, dj, n, io, jo = np.indices((C, HH, WW, N, Ho, Wo)).reshape(6, -1)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(xp, (n, c, io * stride + di, jo * stride + dj), cols.reshape(-1))
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_torch(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: torch.nn.functional.fold."""
    import torch

    N, C, H, W = x_shape
    K = C * HH * WW
    t = torch.from_numpy(np.ascontiguousarray(cols.reshape(K, N, -1).transpose(1, 0, 2)))
    return torch.nn.functional.fold(t, (H, W), (HH, WW), padding=pad, stride=stride).numpy()


def col2im_stub(cols, x_shape, HH, WW, stride=1, pad=0):
    raise NotImplementedError("col2im")


def col2im_assign(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, HH, WW)
                xp[n, :, t : t + HH, le : le + WW] = col
    return xp[:, :, pad : pad + H, pad : pad + W]


def _fancy_indices(C, HH, WW, Ho, Wo, s):
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = s * np.repeat(np.arange(Ho), Wo)
    j1 = s * np.tile(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1)


def col2im_fancy_plus_equals(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    k, i, j = _fancy_indices(C, HH, WW, Ho, Wo, stride)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    xp[:, k, i, j] += cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2)
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_fancy(cols, x_shape, HH, WW, stride=1, pad=0):
    """Valid: the fancy version with np.add.at."""
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    k, i, j = _fancy_indices(C, HH, WW, Ho, Wo, stride)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    np.add.at(xp, (slice(None), k, i, j), cols.reshape(C * HH * WW, N, -1).transpose(1, 0, 2))
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_uncropped(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, HH, WW)
                xp[n, :, t : t + HH, le : le + WW] += col
    return xp


def col2im_negative_crop(cols, x_shape, HH, WW, stride=1, pad=0):
    xp = col2im_uncropped(cols, x_shape, HH, WW, stride, pad)
    return xp[:, :, pad:-pad, pad:-pad]


def col2im_n_fastest(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    idx = 0
    for i in range(0, H + 2 * pad - HH + 1, stride):
        for j in range(0, W + 2 * pad - WW + 1, stride):
            for n in range(N):
                xp[n, :, i : i + HH, j : j + WW] += cols[:, idx].reshape(C, HH, WW)
                idx += 1
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_wo_outer(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                col = cols[:, (n * Wo + j) * Ho + i].reshape(C, HH, WW)
                xp[n, :, t : t + HH, le : le + WW] += col
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_taps_transposed(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, WW, HH).transpose(0, 2, 1)
                xp[n, :, t : t + HH, le : le + WW] += col
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_reshape_hh_hh(cols, x_shape, HH, WW, stride=1, pad=0):
    """Each column reshaped to (C, HH, HH): it crashes on every non-square filter."""
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                xp[n, :, t : t + HH, le : le + WW] += cols[:, (n * Ho + i) * Wo + j].reshape(
                    C, HH, HH
                )
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_window_hh_wide(cols, x_shape, HH, WW, stride=1, pad=0):
    """The window's columns span ``left : left + HH``: a broadcast error unless HH == WW."""
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad + HH, W + 2 * pad + HH), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = i * stride, j * stride
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, HH, WW)
                xp[n, :, t : t + HH, le : le + HH] += col
    return xp[:, :, pad : pad + H, pad : pad + W]


def col2im_no_stride(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                col = cols[:, (n * Ho + i) * Wo + j].reshape(C, HH, WW)
                xp[n, :, i : i + HH, j : j + WW] += col
    return xp[:, :, pad : pad + H, pad : pad + W]


_SAVED = {}


def col2im_cached(cols, x_shape, HH, WW, stride=1, pad=0):
    """Ignores its input: computes once per shape, then returns the cached answer."""
    key = (tuple(x_shape), HH, WW, stride, pad, cols.dtype.str)
    if key not in _SAVED:
        _SAVED[key] = col2im_loops(cols, x_shape, HH, WW, stride, pad)
    return _SAVED[key].copy()


def col2im_mutating(cols, x_shape, HH, WW, stride=1, pad=0):
    out = col2im_loops(cols, x_shape, HH, WW, stride, pad)
    cols *= 0.0
    return out


def col2im_float64(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_loops(cols.astype(np.float64), x_shape, HH, WW, stride, pad)


def col2im_float32_inside(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_loops(cols.astype(np.float32), x_shape, HH, WW, stride, pad).astype(cols.dtype)


def col2im_wrong_shape(cols, x_shape, HH, WW, stride=1, pad=0):
    return col2im_loops(cols, x_shape, HH, WW, stride, pad)[0]


# ------------------------------------------------------------ im2col_indices
def indices_ref(x_shape, HH, WW, stride=1, pad=0):
    _N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    return _fancy_indices(C, HH, WW, Ho, Wo, stride)


def indices_full_k(x_shape, HH, WW, stride=1, pad=0):
    """Valid: k broadcast to the full (K, L) shape, int32 arrays."""
    k, i, j = indices_ref(x_shape, HH, WW, stride, pad)
    k = np.broadcast_to(k, i.shape).copy()
    return k.astype(np.int32), i.astype(np.int32), j.astype(np.int32)


def indices_indices(x_shape, HH, WW, stride=1, pad=0):
    """Valid: np.indices on (C, HH, WW) x (H_out, W_out)."""
    _N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    c, di, dj = (a.reshape(-1, 1) for a in np.indices((C, HH, WW)))
    io, jo = (a.reshape(1, -1) for a in np.indices((Ho, Wo)))
    return c, di + stride * io, dj + stride * jo


def indices_stub(x_shape, HH, WW, stride=1, pad=0):
    return None


def indices_window_order_swapped(x_shape, HH, WW, stride=1, pad=0):
    _N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.tile(np.arange(Ho), Wo)
    j1 = stride * np.repeat(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1)


def indices_filter_swapped(x_shape, HH, WW, stride=1, pad=0):
    _N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    i0 = np.tile(np.repeat(np.arange(WW), HH), C)
    j0 = np.tile(np.arange(HH), WW * C)
    i1 = stride * np.repeat(np.arange(Ho), Wo)
    j1 = stride * np.tile(np.arange(Wo), Ho)
    k = np.repeat(np.arange(C), HH * WW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1)


def indices_square_height(x_shape, HH, WW, stride=1, pad=0):
    """`WW = HH`: the indices of an HH x HH filter."""
    return indices_ref(x_shape, HH, HH, stride, pad)


def indices_no_stride(x_shape, HH, WW, stride=1, pad=0):
    _N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, pad), _out(W, WW, stride, pad)
    return _fancy_indices(C, HH, WW, Ho, Wo, 1)


def indices_transposed(x_shape, HH, WW, stride=1, pad=0):
    return tuple(a.T for a in indices_ref(x_shape, HH, WW, stride, pad))


def indices_float(x_shape, HH, WW, stride=1, pad=0):
    return tuple(a.astype(float) for a in indices_ref(x_shape, HH, WW, stride, pad))


def indices_no_pad(x_shape, HH, WW, stride=1, pad=0):
    _N, C, H, W = x_shape
    Ho, Wo = _out(H, HH, stride, 0), _out(W, WW, stride, 0)
    return _fancy_indices(C, HH, WW, Ho, Wo, stride)


def indices_fixed(x_shape, HH, WW, stride=1, pad=0):
    return indices_ref((1, 1, 4, 4), 2, 2, 1, 0)


def indices_wrong_shape(x_shape, HH, WW, stride=1, pad=0):
    k, i, j = indices_ref(x_shape, HH, WW, stride, pad)
    return k, i[:, :-1], j[:, :-1]


STAGES = ("loops", "fancy", "cython")

# (checker, code) -> list of mutants; the im2col/col2im ones run at every stage
MUTANTS = {
    ("im2col", "not-implemented"): [im2col_stub, im2col_none],
    ("im2col", "bad-return"): [im2col_bad_return],
    ("im2col", "wrong-shape"): [im2col_first_image_only],
    ("im2col", "hw-swapped"): [im2col_loops_swapped],
    ("im2col", "filter-hw-swapped"): [
        im2col_taps_transposed,
        im2col_square_height,
        im2col_square_width,
        im2col_seed_f,
    ],
    ("im2col", "stride-ignored"): [im2col_no_stride],
    ("im2col", "pad-ignored"): [im2col_no_pad],
    ("im2col", "pad-wrong-axes"): [im2col_pad_one_side],
    ("im2col", "cols-transposed"): [im2col_rows],
    ("im2col", "cols-n-fastest"): [im2col_n_fastest],
    ("im2col", "ignores-input"): [im2col_global_x],
    ("im2col", "mutates-input"): [im2col_mutating],
    ("im2col", "dtype-changed"): [im2col_float64],
    ("im2col", "numerically-loose"): [im2col_float32_inside],
    ("col2im", "not-implemented"): [col2im_stub],
    ("col2im", "wrong-shape"): [col2im_wrong_shape],
    ("col2im", "col2im-not-accumulating"): [col2im_assign, col2im_fancy_plus_equals],
    ("col2im", "col2im-uncropped"): [col2im_uncropped],
    ("col2im", "pad-zero-crop"): [col2im_negative_crop],
    ("col2im", "cols-n-fastest"): [col2im_n_fastest],
    ("col2im", "hw-swapped"): [col2im_wo_outer],
    ("col2im", "filter-hw-swapped"): [
        col2im_taps_transposed,
        col2im_reshape_hh_hh,
        col2im_window_hh_wide,
    ],
    ("col2im", "stride-ignored"): [col2im_no_stride],
    ("col2im", "ignores-input"): [col2im_cached],
    ("col2im", "mutates-input"): [col2im_mutating],
    ("col2im", "dtype-changed"): [col2im_float64],
    ("col2im", "numerically-loose"): [col2im_float32_inside],
    ("im2col_indices", "not-implemented"): [indices_stub],
    ("im2col_indices", "wrong-shape"): [indices_wrong_shape],
    ("im2col_indices", "hw-swapped"): [indices_window_order_swapped],
    ("im2col_indices", "filter-hw-swapped"): [indices_filter_swapped, indices_square_height],
    ("im2col_indices", "stride-ignored"): [indices_no_stride],
    ("im2col_indices", "pad-ignored"): [indices_no_pad],
    ("im2col_indices", "cols-transposed"): [indices_transposed],
    ("im2col_indices", "dtype-changed"): [indices_float],
    ("im2col_indices", "ignores-input"): [indices_fixed],
}


def _torch(*funcs):
    """The torch-based alternatives, when torch is installed (an optional test oracle)."""
    import importlib.util

    return list(funcs) if importlib.util.find_spec("torch") is not None else []


VALID = {
    "im2col": [
        im2col_loops,
        im2col_tap_loops,
        im2col_sliding,
        im2col_strided,
        *_torch(im2col_torch),
    ],
    "col2im": [col2im_loops, col2im_tap_loops, col2im_add_at, col2im_fancy, *_torch(col2im_torch)],
    "im2col_indices": [indices_ref, indices_full_k, indices_indices],
}
