"""Wrong (and right) student versions of max_pool_forward and max_pool_backward.

Every mistake is written at least twice: with loops over windows, the way the
course teaches it first, and vectorised (sliding windows, fancy indexing), the
way a student rewrites it; many also a third time, through an im2col of the
planes and a col2im (notebook 6), or as the reshape trick of blocks.  The
vectorised and im2col versions of a window mistake crash on some cases (the
windows that fit do not fill the output grid) and give wrong values on others.

``BY_BEHAVIOUR`` lists mistakes no variant computes, named from the family of
cases they get right; ``NEAR_MISSES`` wrong functions that no catalogue mistake
explains (named by nothing).  Nothing here imports the reference pooling modules.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

x = np.random.default_rng(3).standard_normal((2, 3, 6, 6))  # a notebook global


def _pp(pool_param):
    return pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]


def _counts(x, pool_param):
    PH, PW, s = _pp(pool_param)
    return (x.shape[2] - PH) // s + 1, (x.shape[3] - PW) // s + 1


# ============================================================ forward, loops
def fwd_loops(
    x,
    pool_param,
    *,
    size=None,
    step=None,
    counts=None,
    reduce=np.max,
    all_channels=False,
    loops_wh=False,
    dtype=None,
):
    """A student's loops; the keywords put one mistake in."""
    N, C, H, W = x.shape
    PH, PW, s = _pp(pool_param)
    ph, pw = size or (PH, PW)
    sh, sw = step or (s, s)
    Ho, Wo = counts or ((H - ph) // sh + 1, (W - pw) // sw + 1)
    if loops_wh:
        Ho, Wo = Wo, Ho
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype if dtype is None else dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    rows = slice(i * sh, i * sh + ph)
                    cols = slice(j * sw, j * sw + pw)
                    window = x[n, :, rows, cols] if all_channels else x[n, c, rows, cols]
                    out[n, c, i, j] = reduce(window)
    return out, (x, pool_param)


def fwd_ok(x, pool_param):
    """Valid: the loops."""
    return fwd_loops(x, pool_param)


def fwd_stub(x, pool_param):
    raise NotImplementedError


def fwd_none(x, pool_param):
    out = None
    # YOUR CODE HERE
    return out


def fwd_out_only(x, pool_param):
    return fwd_loops(x, pool_param)[0]


def fwd_loops_wh(x, pool_param):
    return fwd_loops(x, pool_param, loops_wh=True)


def fwd_pool_swapped(x, pool_param):
    PH, PW, _ = _pp(pool_param)
    return fwd_loops(x, pool_param, size=(PW, PH), counts=_counts(x, pool_param))


def fwd_height_for_both(x, pool_param):
    """`PH = pool_param["pool_height"]` used for both sides, the way a square pool allows."""
    PH = pool_param["pool_height"]
    return fwd_loops(x, pool_param, size=(PH, PH), counts=_counts(x, pool_param))


def fwd_columns_unstrided(x, pool_param):
    return fwd_loops(x, pool_param, step=(pool_param["stride"], 1), counts=_counts(x, pool_param))


def fwd_stride_as_pool(x, pool_param):
    s = pool_param["stride"]
    return fwd_loops(x, pool_param, size=(s, s), counts=_counts(x, pool_param))


def fwd_pool_as_stride(x, pool_param):
    PH, PW, _ = _pp(pool_param)
    return fwd_loops(x, pool_param, step=(PH, PW))


def fwd_no_stride(x, pool_param):
    return fwd_loops(x, pool_param, step=(1, 1), counts=_counts(x, pool_param))


def fwd_mean(x, pool_param):
    return fwd_loops(x, pool_param, reduce=np.mean)


def fwd_all_channels(x, pool_param):
    return fwd_loops(x, pool_param, all_channels=True)


def fwd_global_x(image, pool_param):
    return fwd_loops(x[: image.shape[0], : image.shape[1]].astype(image.dtype), pool_param)


def fwd_mutating(x, pool_param):
    top = x.max()
    x -= top  # "for stability", never undone
    out, cache = fwd_loops(x, pool_param)
    return out + top, cache


def fwd_float64(x, pool_param):
    return fwd_loops(x, pool_param, dtype=np.float64)


def fwd_float32_inside(x, pool_param):
    out, _ = fwd_loops(x.astype(np.float32), pool_param)
    return out.astype(x.dtype), (x, pool_param)


def fwd_flat_planes(x, pool_param):
    """Wrong shape: the (N*C, H_out, W_out) planes are returned as they are."""
    out, cache = fwd_loops(x, pool_param)
    return out.reshape(-1, *out.shape[2:]), cache


# ======================================================= forward, vectorised
def windows(x, ph, pw, sh, sw, Ho=None, Wo=None):
    v = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::sh, ::sw]
    return v[:, :, :Ho, :Wo]


def fwd_vec(x, pool_param, *, reduce="max", swap=False, step=None, keepdims=False):
    PH, PW, s = _pp(pool_param)
    ph, pw = (PW, PH) if swap else (PH, PW)
    sh, sw = step or (s, s)
    win = windows(x, ph, pw, sh, sw)
    if reduce == "mean":
        return win.mean(axis=(-2, -1)), (x, pool_param)
    if reduce == "channels":
        out = win.max(axis=(1, -2, -1), keepdims=True)[..., 0, 0]
        return np.broadcast_to(out, win.shape[:4]).copy(), (x, pool_param)
    return win.max(axis=(-2, -1), keepdims=keepdims), (x, pool_param)


def fwd_sliding(x, pool_param):
    """Valid: sliding_window_view."""
    return fwd_vec(x, pool_param)


def fwd_vec_stub(x, pool_param):
    return None


def fwd_vec_out_only(x, pool_param):
    return fwd_vec(x, pool_param)[0]


def fwd_vec_keepdims(x, pool_param):
    return fwd_vec(x, pool_param, keepdims=True)


def fwd_vec_transposed(x, pool_param):
    out, cache = fwd_vec(x, pool_param)
    return out.transpose(0, 1, 3, 2), cache


def fwd_vec_pool_swapped(x, pool_param):
    return fwd_vec(x, pool_param, swap=True)


def fwd_vec_width_for_both(x, pool_param):
    PW, s = pool_param["pool_width"], pool_param["stride"]
    Ho, Wo = _counts(x, pool_param)
    xp = np.pad(x, ((0, 0), (0, 0), (0, PW), (0, 0)), constant_values=-np.inf)
    return windows(xp, PW, PW, s, s, Ho, Wo).max(axis=(-2, -1)), (x, pool_param)


def fwd_vec_rows_unstrided(x, pool_param):
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    return windows(x, PH, PW, 1, s, Ho, Wo).max(axis=(-2, -1)), (x, pool_param)


def fwd_channel_cols_flat(x, pool_param):
    """An im2col of x with its channels: one maximum per window of all channels."""
    N, C = x.shape[:2]
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    v = sliding_window_view(x, (PH, PW), axis=(2, 3))[:, :, ::s, ::s]
    cols = v.transpose(1, 4, 5, 0, 2, 3).reshape(C * PH * PW, N * Ho * Wo)
    return cols.max(axis=0).reshape(N, C, Ho, Wo), (x, pool_param)


def fwd_vec_stride_as_pool(x, pool_param):
    s = pool_param["stride"]
    return fwd_vec(x, {"pool_height": s, "pool_width": s, "stride": s})


def fwd_vec_pool_as_stride(x, pool_param):
    PH, PW, _ = _pp(pool_param)
    return fwd_vec(x, pool_param, step=(PH, PW))


def fwd_vec_no_stride(x, pool_param):
    PH, PW, _ = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    return windows(x, PH, PW, 1, 1, Ho, Wo).max(axis=(-2, -1)), (x, pool_param)


def fwd_vec_mean(x, pool_param):
    return fwd_vec(x, pool_param, reduce="mean")


def fwd_vec_all_channels(x, pool_param):
    return fwd_vec(x, pool_param, reduce="channels")


def fwd_vec_global_x(image, pool_param):
    return fwd_vec(x[: image.shape[0], : image.shape[1]].astype(image.dtype), pool_param)


def fwd_vec_mutating(x, pool_param):
    out, cache = fwd_vec(x, pool_param)
    out = out.copy()
    x[...] = 0.0  # "free the memory"
    return out, cache


def fwd_vec_float64(x, pool_param):
    out, cache = fwd_vec(x.astype(np.float64), pool_param)
    return out, cache


def fwd_vec_float32_inside(x, pool_param):
    out, _ = fwd_vec(x.astype(np.float32), pool_param)
    return out.astype(x.dtype), (x, pool_param)


# ---------------------------------------------- forward through im2col of planes
def plane_cols(planes, PH, PW, s):
    """A student's im2col of (P, H, W) planes: cols (PH*PW, P*H_out*W_out)."""
    v = sliding_window_view(planes, (PH, PW), axis=(1, 2))[:, ::s, ::s]
    return v.reshape(-1, PH * PW).T


def fwd_im2col(
    x, pool_param, *, planes="nc", back="nc", wh=False, size=None, step=None, reduce="max"
):
    """Through a student's im2col of the planes; the keywords put one mistake in (a pool
    ``size`` or a ``step`` given to the im2col, a ``reduce`` other than the first maximum)."""
    N, C, H, W = x.shape
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    src = x if planes == "nc" else x.transpose(1, 0, 2, 3)
    cols = plane_cols(src.reshape(N * C, H, W), *(size or (PH, PW)), step or s)
    arg = cols.argmax(axis=0)
    if reduce == "last":  # the last maximum of each column: the backward routes there
        arg = cols.shape[0] - 1 - cols[::-1].argmax(axis=0)
    flat = cols.mean(axis=0) if reduce == "mean" else cols[arg, np.arange(cols.shape[1])]
    if wh:
        return flat.reshape(N, C, Wo, Ho), (x, pool_param, arg)
    if back == "cn":
        return flat.reshape(C, N, Ho, Wo).transpose(1, 0, 2, 3), (x, pool_param, arg)
    return flat.reshape(N, C, Ho, Wo), (x, pool_param, arg)


def fwd_im2col_ok(x, pool_param):
    """Valid: max down the columns of an im2col of the planes."""
    return fwd_im2col(x, pool_param)


def fwd_im2col_back_cn(x, pool_param):
    return fwd_im2col(x, pool_param, back="cn")


def fwd_im2col_planes_cn(x, pool_param):
    return fwd_im2col(x, pool_param, planes="cn")


def fwd_im2col_wh(x, pool_param):
    return fwd_im2col(x, pool_param, wh=True)


def fwd_im2col_mean(x, pool_param):
    return fwd_im2col(x, pool_param, reduce="mean")


def fwd_im2col_pool_swapped(x, pool_param):
    """`im2col(planes, PW, PH, stride, 0)`: the reshape to (N, C, H_out, W_out) crashes
    wherever the counts of the exchanged pool differ."""
    PH, PW, _ = _pp(pool_param)
    return fwd_im2col(x, pool_param, size=(PW, PH))


def fwd_im2col_stride_as_pool(x, pool_param):
    s = pool_param["stride"]
    return fwd_im2col(x, pool_param, size=(s, s))


def fwd_im2col_no_stride(x, pool_param):
    """`im2col(planes, PH, PW, 1, 0)`: crashes in the reshape whenever stride > 1."""
    return fwd_im2col(x, pool_param, step=1)


def fwd_reshape_blocks(x, pool_param):
    """The reshape trick, `x.reshape(N, C, H // PH, PH, W // PW, PW)`: right only for a pool
    that tiles the image with stride = pool size (crashes where it does not tile)."""
    N, C, H, W = x.shape
    PH, PW, _ = _pp(pool_param)
    out = x.reshape(N, C, H // PH, PH, W // PW, PW).max(axis=(3, 5))
    return out, (x, pool_param)


def fwd_reshape_blocks_cropped(x, pool_param):
    """The reshape trick on x cropped to whole blocks: never crashes, right only when
    stride = pool size."""
    N, C, H, W = x.shape
    PH, PW, _ = _pp(pool_param)
    Hb, Wb = H // PH, W // PW
    blocks = x[:, :, : Hb * PH, : Wb * PW].reshape(N, C, Hb, PH, Wb, PW)
    return blocks.max(axis=(3, 5)), (x, pool_param)


def fwd_global_x_unsliced(image, pool_param):
    """Reads the notebook's global x, of another shape than the argument: wrong shapes."""
    return fwd_loops(x, pool_param)


def fwd_vec_global_x_unsliced(image, pool_param):
    """The same in vectorised code: a crash wherever the pool does not fit the global."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(image, pool_param)
    return windows(x, PH, PW, s, s, Ho, Wo).max(axis=(-2, -1)), (image, pool_param)


def fwd_true_division(x, pool_param):
    """`H_out = (H - PH) / stride + 1` is a float: np.zeros refuses it."""
    H, W = x.shape[2:]
    PH, PW, s = _pp(pool_param)
    return fwd_loops(x, pool_param, counts=((H - PH) / s + 1, (W - PW) / s + 1))


def fwd_vec_true_division(x, pool_param):
    """The float count used to cut the windows: slices refuse it."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = (x.shape[2] - PH) / s + 1, (x.shape[3] - PW) / s + 1
    return windows(x, PH, PW, s, s, Ho, Wo).max(axis=(-2, -1)), (x, pool_param)


def fwd_window_short(x, pool_param):
    """A near miss: windows end one row early, `i*s : i*s + PH - 1` (named by nothing)."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    out = np.zeros((*x.shape[:2], Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * s : i * s + max(PH - 1, 1), j * s : j * s + PW]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def fwd_vec_window_shifted(x, pool_param):
    """A near miss: every window starts one column to the right (named by nothing)."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    xp = np.pad(x, ((0, 0), (0, 0), (0, 0), (0, 1)), constant_values=-np.inf)
    return windows(xp[..., 1:], PH, PW, s, s, Ho, Wo).max(axis=(-2, -1)), (x, pool_param)


def fwd_vec_window_short(x, pool_param):
    """A near miss: windows of pool_height - 1 rows: for a pool of height 1, windows of no
    rows, whose maximum NumPy refuses (named by nothing)."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    return windows(x, PH - 1, PW, s, s, Ho, Wo).max(axis=(-2, -1)), (x, pool_param)


# ====================================================== more valid forwards
def fwd_as_strided(x, pool_param):
    """Valid: as_strided windows."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    a = np.ascontiguousarray(x)
    sN, sC, sH, sW = a.strides
    v = as_strided(a, (*a.shape[:2], Ho, Wo, PH, PW), (sN, sC, sH * s, sW * s, sH, sW))
    return v.max(axis=(4, 5)), (x, pool_param)


def fwd_taps(x, pool_param):
    """Valid: the maximum of PH*PW strided slices, one per tap."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    out = np.full((*x.shape[:2], Ho, Wo), -np.inf, dtype=x.dtype)
    for di in range(PH):
        for dj in range(PW):
            tap = x[:, :, di : di + s * (Ho - 1) + 1 : s, dj : dj + s * (Wo - 1) + 1 : s]
            np.maximum(out, tap, out=out)
    return out, (x, pool_param)


def fwd_windows_outer(x, pool_param):
    """Valid: loops over windows, vectorised over N and C."""
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    out = np.empty((*x.shape[:2], Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * s : i * s + PH, j * s : j * s + PW].max(axis=(2, 3))
    return out, (x, pool_param)


def fwd_builtin_max(x, pool_param):
    """Valid: Python's max over the flattened window."""
    return fwd_loops(x, pool_param, reduce=lambda w: max(w.ravel()))


def fwd_channel_cols(x, pool_param):
    """Valid: one im2col with all channels, then the maximum per channel block."""
    N, C = x.shape[:2]
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    v = sliding_window_view(x, (PH, PW), axis=(2, 3))[:, :, ::s, ::s]
    cols = v.transpose(1, 4, 5, 0, 2, 3).reshape(C * PH * PW, N * Ho * Wo)
    best = cols.reshape(C, PH * PW, N, Ho, Wo).max(axis=1)
    return best.transpose(1, 0, 2, 3), (x, pool_param)


def fwd_fancy(x, pool_param):
    """Valid: a gather with index arrays, CS231n style."""
    N, C = x.shape[:2]
    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    i = np.repeat(np.arange(PH), PW)[:, None] + s * np.repeat(np.arange(Ho), Wo)[None, :]
    j = np.tile(np.arange(PW), PH)[:, None] + s * np.tile(np.arange(Wo), Ho)[None, :]
    cols = x[:, :, i, j]  # (N, C, PH*PW, Ho*Wo)
    return cols.max(axis=2).reshape(N, C, Ho, Wo), (x, pool_param)


def fwd_ndimage(x, pool_param):
    """Valid: scipy.ndimage.maximum_filter, then every stride-th result."""
    from scipy import ndimage

    PH, PW, s = _pp(pool_param)
    Ho, Wo = _counts(x, pool_param)
    full = ndimage.maximum_filter(x, size=(1, 1, PH, PW), origin=(0, 0, -(PH // 2), -(PW // 2)))
    return full[:, :, : s * (Ho - 1) + 1 : s, : s * (Wo - 1) + 1 : s], (x, pool_param)


def fwd_torch(x, pool_param):
    """Valid: torch.nn.functional.max_pool2d."""
    import torch

    PH, PW, s = _pp(pool_param)
    out = torch.nn.functional.max_pool2d(torch.from_numpy(x), (PH, PW), s)
    return out.numpy(), (x, pool_param)


# =========================================================== backward, loops
def bwd_loops(
    dout,
    cache,
    *,
    pick="first",
    assign=False,
    size=None,
    step=None,
    offset=True,
    unravel=None,
    all_channels=False,
    dtype=None,
):
    """A student's backward loops (cache (x, pool_param)); keywords put one mistake in."""
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    ph, pw = size or (PH, PW)
    sh, sw = step or (s, s)
    dx = np.zeros(x.shape, dtype=x.dtype if dtype is None else dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    t, l = i * sh, j * sw
                    d = dout[n, c, i, j]
                    if all_channels:
                        window = x[n, :, t : t + ph, l : l + pw]
                        c2, a, b = np.unravel_index(np.argmax(window), window.shape)
                        dx[n, c2, t + a, l + b] += d
                        continue
                    window = x[n, c, t : t + ph, l : l + pw]
                    block = dx[n, c, t : t + ph, l : l + pw]
                    if pick in ("every", "split", "mean", "ones"):
                        mask = _mask(window, pick)
                        if assign:
                            dx[n, c, t : t + ph, l : l + pw] = mask * d
                        else:
                            block += mask * d
                        continue
                    a, b = _pick(window, pick, unravel or window.shape[1])
                    if offset:
                        a, b = t + a, l + b
                    if assign:
                        dx[n, c, a, b] = d
                    else:
                        dx[n, c, a, b] += d
    return dx


def _mask(window, pick):
    """The share of the window's gradient each position gets, for a mask-based backward."""
    if pick == "every":
        return window == window.max()
    if pick == "split":
        return (window == window.max()) / np.sum(window == window.max())
    if pick == "mean":
        return np.ones(window.shape) / window.size
    return np.ones(window.shape)


def _pick(window, pick, width):
    """(row, col) in the window of the maximum a student's scan keeps."""
    if pick == "first":
        return divmod(int(np.argmax(window)), width)
    best, where = -np.inf, (0, 0)
    rows, cols = range(window.shape[0]), range(window.shape[1])
    if pick == "last":  # `>=` keeps the last of a tie
        for a in rows:
            for b in cols:
                if window[a, b] >= best:
                    best, where = window[a, b], (a, b)
    else:  # "col": columns outside rows, strict `>`
        for b in cols:
            for a in rows:
                if window[a, b] > best:
                    best, where = window[a, b], (a, b)
    return where


def _with_loops(backward):
    return {"max_pool_backward": backward, "max_pool_forward": fwd_ok}


def bwd_ok(dout, cache):
    return bwd_loops(dout, cache)


def bwd_unravel(dout, cache):
    """Valid: np.unravel_index of the argmax."""
    x, pool_param = cache
    PH, PW, s = _pp(pool_param)
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        window = x[n, c, i * s : i * s + PH, j * s : j * s + PW]
        a, b = np.unravel_index(np.argmax(window), window.shape)
        dx[n, c, i * s + a, j * s + b] += dout[n, c, i, j]
    return dx


def bwd_strict_scan(dout, cache):
    """Valid: a row-major scan with a strict `>` keeps the first maximum."""
    x, pool_param = cache
    PH, PW, s = _pp(pool_param)
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        best, pos = None, None
        for a in range(PH):
            for b in range(PW):
                v = x[n, c, i * s + a, j * s + b]
                if best is None or v > best:
                    best, pos = v, (i * s + a, j * s + b)
        dx[n, c, pos[0], pos[1]] += dout[n, c, i, j]
    return dx


def bwd_stub(dout, cache):
    raise NotImplementedError


def bwd_none(dout, cache):
    dx = None
    # YOUR CODE HERE
    return dx


def bwd_dict(dout, cache):
    return {"dx": bwd_loops(dout, cache)}


def bwd_first_image(dout, cache):
    return bwd_loops(dout, cache)[0]


def bwd_every(dout, cache):
    return bwd_loops(dout, cache, pick="every")


def bwd_split(dout, cache):
    return bwd_loops(dout, cache, pick="split")


def bwd_last(dout, cache):
    return bwd_loops(dout, cache, pick="last")


def bwd_col_scan(dout, cache):
    return bwd_loops(dout, cache, pick="col")


def bwd_block_assign(dout, cache):
    return bwd_loops(dout, cache, pick="every", assign=True)


def bwd_onehot_assign(dout, cache):
    """`dx[block] = onehot * dout` window by window: overlapping blocks overwrite."""
    x, pool_param = cache
    PH, PW, s = _pp(pool_param)
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        window = x[n, c, i * s : i * s + PH, j * s : j * s + PW]
        mask = np.zeros_like(window)
        mask[np.unravel_index(np.argmax(window), window.shape)] = 1
        dx[n, c, i * s : i * s + PH, j * s : j * s + PW] = mask * dout[n, c, i, j]
    return dx


def bwd_assign_at_max(dout, cache):
    return bwd_loops(dout, cache, assign=True)


def bwd_average(dout, cache):
    return bwd_loops(dout, cache, pick="mean")


def bwd_ones(dout, cache):
    return bwd_loops(dout, cache, pick="ones")


def bwd_no_offset(dout, cache):
    return bwd_loops(dout, cache, offset=False)


def bwd_unravel_ph(dout, cache):
    return bwd_loops(dout, cache, unravel=cache[1]["pool_height"])


def bwd_pool_swapped(dout, cache):
    PH, PW, _ = _pp(cache[1])
    return bwd_loops(dout, cache, size=(PW, PH))


def bwd_height_for_both(dout, cache):
    PH = cache[1]["pool_height"]
    return bwd_loops(dout, cache, size=(PH, PH))


def bwd_rows_unstrided(dout, cache):
    return bwd_loops(dout, cache, step=(1, cache[1]["stride"]))


def bwd_stride_as_pool(dout, cache):
    s = cache[1]["stride"]
    return bwd_loops(dout, cache, size=(s, s))


def bwd_pool_as_stride(dout, cache):
    PH, PW, _ = _pp(cache[1])
    return bwd_loops(dout, cache, step=(PH, PW))


def bwd_no_stride(dout, cache):
    return bwd_loops(dout, cache, step=(1, 1))


def bwd_all_channels(dout, cache):
    return bwd_loops(dout, cache, all_channels=True)


def bwd_dout_ignored(dout, cache):
    return bwd_loops(np.ones_like(dout), cache)


def bwd_mutating(dout, cache):
    scale = np.abs(dout).max()
    dout /= scale  # normalised in place, never undone
    return bwd_loops(dout, cache) * scale


def bwd_float64(dout, cache):
    return bwd_loops(dout, cache, dtype=np.float64)


def bwd_float32_inside(dout, cache):
    x, pool_param = cache
    dx = bwd_loops(dout.astype(np.float32), (x.astype(np.float32), pool_param))
    return dx.astype(x.dtype)


def bwd_global_x(dout, cache):
    """Reads the notebook's global x instead of the cached one: crashes or wrong values."""
    return bwd_loops(dout, (x, cache[1]))


def bwd_first_write_wins(dout, cache):
    """An input that is the maximum of several windows keeps the *first* window's gradient
    (`if dx[...] == 0: dx[...] = d`): right wherever windows do not overlap."""
    x_, pool_param = cache
    PH, PW, s = _pp(pool_param)
    dx = np.zeros_like(x_)
    seen = np.zeros(x_.shape, dtype=bool)
    for n, c, i, j in np.ndindex(*dout.shape):
        window = x_[n, c, i * s : i * s + PH, j * s : j * s + PW]
        a, b = divmod(int(np.argmax(window)), PW)
        if not seen[n, c, i * s + a, j * s + b]:
            dx[n, c, i * s + a, j * s + b] = dout[n, c, i, j]
            seen[n, c, i * s + a, j * s + b] = True
    return dx


def bwd_offset_by_one(dout, cache):
    """A near miss: the maximum's row is offset by `i*s + 1` (named by nothing)."""
    x_, pool_param = cache
    PH, PW, s = _pp(pool_param)
    dx = np.zeros_like(x_)
    for n, c, i, j in np.ndindex(*dout.shape):
        window = x_[n, c, i * s : i * s + PH, j * s : j * s + PW]
        a, b = divmod(int(np.argmax(window)), PW)
        dx[n, c, min(i * s + a + 1, x_.shape[2] - 1), j * s + b] += dout[n, c, i, j]
    return dx


# ====================================================== backward, vectorised
def bwd_vec(
    dout, cache, *, pick="first", combine="add", offset=True, unravel=None, step=None, row_shift=0
):
    """Sliding windows, the argmax of each, and one scatter of dout."""
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    sh, sw = step or (s, s)
    win6 = windows(x, PH, PW, sh, sw, Ho, Wo)
    win = win6.reshape(N, C, Ho, Wo, PH * PW)
    if pick == "last":
        k = PH * PW - 1 - win[..., ::-1].argmax(axis=-1)
    elif pick == "col":  # the window transposed: columns outside rows
        b, a = np.divmod(win6.swapaxes(4, 5).reshape(N, C, Ho, Wo, -1).argmax(-1), PH)
        k = a * PW + b
    else:
        k = win.argmax(axis=-1)
    a, b = np.unravel_index(k, (PH, PW) if unravel is None else unravel)
    if offset:
        a = a + sh * np.arange(Ho)[:, None] + row_shift
        b = b + sw * np.arange(Wo)[None, :]
    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, :, None, None]
    dx = np.zeros_like(x)
    if combine == "add":
        np.add.at(dx, (n, c, a, b), dout)
    else:  # `+=` with fancy indices: one write per repeated index survives
        dx[n, c, a, b] += dout
    return dx


def _with_vec(backward):
    return {"max_pool_backward": backward, "max_pool_forward": fwd_sliding}


def bwd_vec_ok(dout, cache):
    """Valid: argmax of sliding windows and np.add.at."""
    return bwd_vec(dout, cache)


def bwd_vec_mask(dout, cache, *, pick="every"):
    """Masks of the maxima, scattered tap by tap (vectorised over windows)."""
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    win = windows(x, PH, PW, s, s, Ho, Wo)
    if pick == "every":
        mask = win == win.max(axis=(-2, -1), keepdims=True)
    elif pick == "split":
        mask = win == win.max(axis=(-2, -1), keepdims=True)
        mask = mask / mask.sum(axis=(-2, -1), keepdims=True)
    elif pick == "mean":
        mask = np.full(win.shape, 1.0 / (PH * PW))
    else:  # the first maximum, one-hot
        mask = np.zeros(win.shape)
        flat = mask.reshape(N, C, Ho, Wo, -1)
        np.put_along_axis(flat, win.reshape(N, C, Ho, Wo, -1).argmax(-1)[..., None], 1, -1)
    grads = mask * dout[..., None, None]
    dx = np.zeros_like(x)
    for di in range(PH):
        for dj in range(PW):
            rows = slice(di, di + s * (Ho - 1) + 1, s)
            cols = slice(dj, dj + s * (Wo - 1) + 1, s)
            dx[:, :, rows, cols] += grads[..., di, dj]
    return dx


def bwd_vec_every(dout, cache):
    return bwd_vec_mask(dout, cache, pick="every")


def bwd_vec_split(dout, cache):
    return bwd_vec_mask(dout, cache, pick="split")


def bwd_vec_average(dout, cache):
    return bwd_vec_mask(dout, cache, pick="mean")


def bwd_vec_onehot(dout, cache):
    """Valid: one-hot masks of the first maxima, added tap by tap."""
    return bwd_vec_mask(dout, cache, pick="first")


def bwd_vec_last(dout, cache):
    return bwd_vec(dout, cache, pick="last")


def bwd_vec_col(dout, cache):
    return bwd_vec(dout, cache, pick="col")


def bwd_vec_dout_wh(dout, cache):
    return bwd_vec(dout.transpose(0, 1, 3, 2).reshape(dout.shape), cache)


def bwd_vec_with_cache(dout, cache):
    return bwd_vec(dout, cache), cache


def bwd_vec_planes(dout, cache):
    dx = bwd_vec(dout, cache)
    return dx.reshape(-1, *dx.shape[2:])


def bwd_vec_fancy_plus_equals(dout, cache):
    return bwd_vec(dout, cache, combine="fancy")


def bwd_vec_no_offset(dout, cache):
    return bwd_vec(dout, cache, offset=False)


def bwd_vec_unravel_swapped(dout, cache):
    PH, PW, _ = _pp(cache[1])
    return bwd_vec(dout, cache, unravel=(PW, PH))


def bwd_vec_pool_swapped(dout, cache):
    """Windows of pool_width rows by pool_height columns."""
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    pad = ((0, 0), (0, 0), (0, max(0, PW - PH)), (0, max(0, PH - PW)))
    xp = np.pad(x, pad, constant_values=-np.inf)  # slices past the edge are shorter
    k = windows(xp, PW, PH, s, s, Ho, Wo).reshape(N, C, Ho, Wo, -1).argmax(-1)
    a = k // PH + s * np.arange(Ho)[:, None]
    b = k % PH + s * np.arange(Wo)[None, :]
    dx = np.zeros_like(x)
    np.add.at(
        dx, (np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None], a, b), dout
    )
    return dx


def bwd_vec_pool_as_stride(dout, cache):
    PH, PW, _ = _pp(cache[1])
    return bwd_vec(dout, cache, step=(PH, PW))


def bwd_vec_columns_unstrided(dout, cache):
    return bwd_vec(dout, cache, step=(cache[1]["stride"], 1))


def bwd_vec_no_stride(dout, cache):
    return bwd_vec(dout, cache, step=(1, 1))


def bwd_vec_dout_ignored(dout, cache):
    return bwd_vec(np.ones_like(dout), cache)


def bwd_vec_mutating(dout, cache):
    dx = bwd_vec(dout, cache)
    dout[...] = 0.0
    return dx


def bwd_vec_float64(dout, cache):
    return bwd_vec(dout, cache).astype(np.float64)


def bwd_vec_float32_inside(dout, cache):
    x, pool_param = cache
    return bwd_vec(dout.astype(np.float32), (x.astype(np.float32), pool_param)).astype(x.dtype)


def bwd_vec_all_channels(dout, cache):
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    win = windows(x, PH, PW, s, s, Ho, Wo)  # (N, C, Ho, Wo, PH, PW)
    block = win.transpose(0, 2, 3, 1, 4, 5).reshape(N, Ho, Wo, -1)
    c2, a, b = np.unravel_index(block.argmax(-1), (C, PH, PW))
    a = a + s * np.arange(Ho)[:, None]
    b = b + s * np.arange(Wo)[None, :]
    dx = np.zeros_like(x)
    n = np.arange(N)[:, None, None]
    for c in range(C):
        np.add.at(dx, (n, c2, a, b), dout[:, c])
    return dx


def bwd_vec_stride_as_pool(dout, cache):
    x, pool_param = cache
    s = pool_param["stride"]
    return bwd_vec_mask(dout, (x, {"pool_height": s, "pool_width": s, "stride": s}), pick="first")


# -------------------------------------------- backward through col2im of planes
def plane_col2im(dcols, P, H, W, PH, PW, s, *, assign=False):
    """A student's col2im for (P, H, W) planes."""
    Ho, Wo = (H - PH) // s + 1, (W - PW) // s + 1
    out = np.zeros((P, H, W))
    blocks = dcols.T.reshape(P, Ho, Wo, PH, PW)
    for i in range(Ho):
        for j in range(Wo):
            if assign:
                out[:, i * s : i * s + PH, j * s : j * s + PW] = blocks[:, i, j]
            else:
                out[:, i * s : i * s + PH, j * s : j * s + PW] += blocks[:, i, j]
    return out


def bwd_im2col(
    dout, cache, *, dout_order="nc", dx_order="nc", assign=False, wh=False, pick=None, geometry=None
):
    """Route into dcols, then the student's col2im; the keywords put one mistake in (a
    ``pick`` of taps from cols recomputed, a col2im ``geometry`` (PH, PW, stride))."""
    x, pool_param, arg = cache
    N, C, H, W = x.shape
    PH, PW, s = _pp(pool_param)
    d = dout.transpose(1, 0, 2, 3) if dout_order == "cn" else dout
    d = d.transpose(0, 1, 3, 2) if wh else d
    dcols = np.zeros((PH * PW, arg.size), dtype=x.dtype)
    if pick == "every":
        cols = plane_cols(x.reshape(N * C, H, W), PH, PW, s)
        dcols = (cols == cols.max(axis=0)) * d.reshape(-1)
    elif pick == "mean":
        dcols = np.full(dcols.shape, 1.0 / (PH * PW)) * d.reshape(-1)
    else:
        dcols[arg, np.arange(arg.size)] = d.reshape(-1)
    ph, pw, s2 = geometry or (PH, PW, s)
    planes = plane_col2im(dcols, N * C, H, W, ph, pw, s2, assign=assign).astype(x.dtype)
    if dx_order == "cn":
        return planes.reshape(C, N, H, W).transpose(1, 0, 2, 3)
    return planes.reshape(N, C, H, W)


def _with_im2col(backward):
    return {"max_pool_backward": backward, "max_pool_forward": fwd_im2col_ok}


def bwd_im2col_ok(dout, cache):
    """Valid: route into dcols, then the student's own col2im."""
    return bwd_im2col(dout, cache)


def bwd_im2col_dout_cn(dout, cache):
    return bwd_im2col(dout, cache, dout_order="cn")


def bwd_im2col_dx_cn(dout, cache):
    return bwd_im2col(dout, cache, dx_order="cn")


def bwd_im2col_assign(dout, cache):
    return bwd_im2col(dout, cache, assign=True)


def bwd_im2col_wh(dout, cache):
    return bwd_im2col(dout, cache, wh=True)


def bwd_im2col_every(dout, cache):
    return bwd_im2col(dout, cache, pick="every")


def bwd_im2col_average(dout, cache):
    return bwd_im2col(dout, cache, pick="mean")


def fwd_im2col_last(x, pool_param):
    """A forward that caches the row of each column's *last* maximum."""
    return fwd_im2col(x, pool_param, reduce="last")


def bwd_im2col_pool_swapped(dout, cache):
    """col2im with the pool exchanged: crashes in its reshape where the counts differ."""
    PH, PW, s = _pp(cache[1])
    return bwd_im2col(dout, cache, geometry=(PW, PH, s))


def bwd_im2col_no_stride(dout, cache):
    """col2im with stride 1: crashes in its reshape whenever stride > 1."""
    PH, PW, _ = _pp(cache[1])
    return bwd_im2col(dout, cache, geometry=(PH, PW, 1))


def bwd_vec_global_x(dout, cache):
    """Windows of the notebook's global x: a crash wherever its shape differs."""
    return bwd_vec(dout, (x, cache[1]))


def bwd_vec_first_write_wins(dout, cache):
    """Each input gets the gradient of the first window (in row-major order) whose maximum it
    is, found with `np.unique(..., return_index=True)`: no adding up."""
    x_, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    k = windows(x_, PH, PW, s, s, Ho, Wo).reshape(N, C, Ho, Wo, -1).argmax(-1)
    a = k // PW + s * np.arange(Ho)[:, None]
    b = k % PW + s * np.arange(Wo)[None, :]
    n = np.broadcast_to(np.arange(N)[:, None, None, None], k.shape)
    c = np.broadcast_to(np.arange(C)[None, :, None, None], k.shape)
    flat = np.ravel_multi_index((n, c, a, b), x_.shape).ravel()
    _, first = np.unique(flat, return_index=True)
    dx = np.zeros_like(x_)
    dx.flat[flat[first]] = dout.ravel()[first]
    return dx


def bwd_vec_offset_by_one(dout, cache):
    """A near miss: the maximum's row is offset by one more (`a + 1`): an IndexError where
    that leaves the image, wrong values elsewhere (named by nothing)."""
    return bwd_vec(dout, cache, row_shift=1)


# ===================================================== more valid backwards
def bwd_bincount(dout, cache):
    """Valid: flat pixel indices and np.bincount with weights."""
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    k = windows(x, PH, PW, s, s, Ho, Wo).reshape(N, C, Ho, Wo, -1).argmax(-1)
    rows = k // PW + s * np.arange(Ho)[:, None]
    cols = k % PW + s * np.arange(Wo)[None, :]
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    flat = np.ravel_multi_index((n[..., None, None], c[..., None, None], rows, cols), x.shape)
    summed = np.bincount(flat.ravel(), weights=dout.ravel(), minlength=x.size)
    return summed.reshape(x.shape).astype(np.result_type(x, dout))


def bwd_windows_outer(dout, cache):
    """Valid: loops over windows, vectorised over N and C."""
    x, pool_param = cache
    N, C, Ho, Wo = dout.shape
    PH, PW, s = _pp(pool_param)
    dx = np.zeros_like(x)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    for i in range(Ho):
        for j in range(Wo):
            k = x[:, :, i * s : i * s + PH, j * s : j * s + PW].reshape(N, C, -1).argmax(-1)
            dx[n, c, i * s + k // PW, j * s + k % PW] += dout[:, :, i, j]
    return dx


def fwd_masks(x, pool_param):
    """A forward that caches the one-hot mask of every window's first maximum."""
    PH, PW, s = _pp(pool_param)
    N, C = x.shape[:2]
    Ho, Wo = _counts(x, pool_param)
    win = windows(x, PH, PW, s, s).reshape(N, C, Ho, Wo, -1)
    mask = np.zeros(win.shape, dtype=x.dtype)
    np.put_along_axis(mask, win.argmax(-1)[..., None], 1, -1)
    return win.max(-1), (x.shape, pool_param, mask.reshape(N, C, Ho, Wo, PH, PW))


def bwd_masks(dout, cache):
    """Valid: the cached masks times dout, added tap by tap."""
    x_shape, pool_param, mask = cache
    PH, PW, s = _pp(pool_param)
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(x_shape, dtype=np.result_type(dout, mask))
    g = mask * dout[..., None, None]
    for di in range(PH):
        for dj in range(PW):
            dx[:, :, di : di + s * (Ho - 1) + 1 : s, dj : dj + s * (Wo - 1) + 1 : s] += g[
                ..., di, dj
            ]
    return dx


def bwd_torch(dout, cache):
    """Valid: torch autograd of max_pool2d."""
    import torch

    x, pool_param = cache
    PH, PW, s = _pp(pool_param)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(xt, (PH, PW), s).backward(torch.from_numpy(dout))
    return xt.grad.numpy()


def _package_im2col_forward(x, pool_param):
    from cs_conv.im2col_cython import im2col

    N, C, H, W = x.shape
    PH, PW, s = _pp(pool_param)
    cols = im2col(x.reshape(N * C, 1, H, W), PH, PW, s, 0)
    arg = cols.argmax(axis=0)
    Ho, Wo = _counts(x, pool_param)
    return cols[arg, np.arange(arg.size)].reshape(N, C, Ho, Wo), (x, pool_param, arg)


def _package_im2col_pool_swapped(x, pool_param):
    """The package's im2col (which refuses a stride that does not tile) with the pool
    sizes exchanged: it refuses, or the reshape crashes, or the values are wrong."""
    swapped = {**pool_param, "pool_height": pool_param["pool_width"]}
    swapped["pool_width"] = pool_param["pool_height"]
    out, (_, _, arg) = _package_im2col_forward(x, swapped)
    Ho, Wo = _counts(x, pool_param)
    return out.reshape(*x.shape[:2], Ho, Wo), (x, pool_param, arg)


def _package_im2col_no_stride(x, pool_param):
    """The package's im2col at stride 1, reshaped to the output: crashes when stride > 1."""
    out, (_, _, arg) = _package_im2col_forward(x, {**pool_param, "stride": 1})
    Ho, Wo = _counts(x, pool_param)
    return out.reshape(*x.shape[:2], Ho, Wo), (x, pool_param, arg)


def _package_col2im_backward(dout, cache):
    from cs_conv.im2col_cython import col2im

    x, pool_param, arg = cache
    N, C, H, W = x.shape
    PH, PW, s = _pp(pool_param)
    dcols = np.zeros((PH * PW, arg.size), dtype=np.result_type(x, dout))
    dcols[arg, np.arange(arg.size)] = dout.ravel()
    return col2im(dcols, (N * C, 1, H, W), PH, PW, s, 0).reshape(x.shape)


def _torch(*items):
    import importlib.util

    return list(items) if importlib.util.find_spec("torch") is not None else []


FORWARD_MUTANTS = {
    "not-implemented": [fwd_stub, fwd_none, fwd_vec_stub],
    "bad-return": [fwd_out_only, fwd_vec_out_only],
    "wrong-shape": [fwd_flat_planes, fwd_vec_keepdims],
    "hw-swapped": [fwd_loops_wh, fwd_vec_transposed, fwd_im2col_wh],
    "pool-hw-swapped": [
        fwd_pool_swapped,
        fwd_height_for_both,
        fwd_vec_pool_swapped,
        fwd_vec_width_for_both,
        fwd_im2col_pool_swapped,
        _package_im2col_pool_swapped,
    ],
    "pool-stride-confused": [
        fwd_stride_as_pool,
        fwd_pool_as_stride,
        fwd_vec_stride_as_pool,
        fwd_vec_pool_as_stride,
        fwd_im2col_stride_as_pool,
        fwd_reshape_blocks,
        fwd_reshape_blocks_cropped,
    ],
    "stride-ignored": [
        fwd_no_stride,
        fwd_columns_unstrided,
        fwd_vec_no_stride,
        fwd_vec_rows_unstrided,
        fwd_im2col_no_stride,
        _package_im2col_no_stride,
    ],
    "pool-forward-mean": [fwd_mean, fwd_vec_mean, fwd_im2col_mean],
    "pool-across-channels": [fwd_all_channels, fwd_vec_all_channels, fwd_channel_cols_flat],
    "pool-planes-order": [fwd_im2col_back_cn, fwd_im2col_planes_cn],
    "ignores-input": [
        fwd_global_x,
        fwd_vec_global_x,
        fwd_global_x_unsliced,
        fwd_vec_global_x_unsliced,
    ],
    "true-division": [fwd_true_division, fwd_vec_true_division],
    "mutates-input": [fwd_mutating, fwd_vec_mutating],
    "dtype-changed": [fwd_float64, fwd_vec_float64],
    "numerically-loose": [fwd_float32_inside, fwd_vec_float32_inside],
}

BACKWARD_MUTANTS = {
    "not-implemented": [_with_loops(bwd_stub), _with_loops(bwd_none)],
    "bad-return": [_with_loops(bwd_dict), _with_vec(bwd_vec_with_cache)],
    "wrong-shape": [_with_loops(bwd_first_image), _with_vec(bwd_vec_planes)],
    "hw-swapped": [_with_im2col(bwd_im2col_wh), _with_vec(bwd_vec_dout_wh)],
    "pool-grad-every-max": [
        _with_loops(bwd_every),
        _with_loops(bwd_split),
        _with_vec(bwd_vec_every),
        _with_vec(bwd_vec_split),
        _with_im2col(bwd_im2col_every),
    ],
    "pool-tie-not-first": [
        _with_loops(bwd_last),
        _with_loops(bwd_col_scan),
        _with_vec(bwd_vec_last),
        _with_vec(bwd_vec_col),
        {"max_pool_backward": bwd_im2col_ok, "max_pool_forward": fwd_im2col_last},
    ],
    "pool-grad-overwrite": [
        _with_loops(bwd_block_assign),
        _with_loops(bwd_onehot_assign),
        _with_loops(bwd_assign_at_max),
        _with_vec(bwd_vec_fancy_plus_equals),
        _with_im2col(bwd_im2col_assign),
    ],
    "pool-grad-average": [
        _with_loops(bwd_average),
        _with_loops(bwd_ones),
        _with_vec(bwd_vec_average),
        _with_im2col(bwd_im2col_average),
    ],
    "pool-argmax-not-offset": [_with_loops(bwd_no_offset), _with_vec(bwd_vec_no_offset)],
    "pool-hw-swapped": [
        _with_loops(bwd_pool_swapped),
        _with_loops(bwd_height_for_both),
        _with_vec(bwd_vec_pool_swapped),
        _with_im2col(bwd_im2col_pool_swapped),
        _with_loops(bwd_unravel_ph),
        _with_vec(bwd_vec_unravel_swapped),
    ],
    "pool-stride-confused": [
        _with_loops(bwd_stride_as_pool),
        _with_loops(bwd_pool_as_stride),
        _with_vec(bwd_vec_stride_as_pool),
        _with_vec(bwd_vec_pool_as_stride),
    ],
    "stride-ignored": [
        _with_loops(bwd_no_stride),
        _with_loops(bwd_rows_unstrided),
        _with_vec(bwd_vec_no_stride),
        _with_vec(bwd_vec_columns_unstrided),
        _with_im2col(bwd_im2col_no_stride),
    ],
    "pool-across-channels": [_with_loops(bwd_all_channels), _with_vec(bwd_vec_all_channels)],
    "pool-planes-order": [_with_im2col(bwd_im2col_dout_cn), _with_im2col(bwd_im2col_dx_cn)],
    "ignores-input": [
        _with_loops(bwd_dout_ignored),
        _with_vec(bwd_vec_dout_ignored),
        _with_loops(bwd_global_x),
        _with_vec(bwd_vec_global_x),
    ],
    "true-division": [
        {"max_pool_backward": bwd_ok, "max_pool_forward": fwd_true_division},
        {"max_pool_backward": bwd_vec_ok, "max_pool_forward": fwd_vec_true_division},
    ],
    "mutates-input": [_with_loops(bwd_mutating), _with_vec(bwd_vec_mutating)],
    "dtype-changed": [_with_loops(bwd_float64), _with_vec(bwd_vec_float64)],
    "numerically-loose": [_with_loops(bwd_float32_inside), _with_vec(bwd_vec_float32_inside)],
}

FORWARD_VALID = [
    fwd_ok,
    fwd_sliding,
    fwd_im2col_ok,
    fwd_as_strided,
    fwd_taps,
    fwd_windows_outer,
    fwd_builtin_max,
    fwd_channel_cols,
    fwd_fancy,
    fwd_ndimage,
    _package_im2col_forward,
    fwd_masks,
    *_torch(fwd_torch),
]

# mistakes that crash on every case they change (named from the crashes and the passes)
BACKWARD_CRASHING = {
    "pool-hw-swapped": [_with_loops(bwd_unravel_ph), _with_vec(bwd_vec_unravel_swapped)],
}

# named by behaviour only (no variant has their output): right on exactly one family
BY_BEHAVIOUR = {
    "pool-grad-overwrite": [_with_loops(bwd_first_write_wins), _with_vec(bwd_vec_first_write_wins)],
}

# near misses: wrong, but no catalogue mistake (named by nothing)
NEAR_MISSES = {
    "pool_forward": [fwd_window_short, fwd_vec_window_shifted, fwd_vec_window_short],
    "pool_backward": [_with_loops(bwd_offset_by_one), _with_vec(bwd_vec_offset_by_one)],
}

BACKWARD_VALID = [
    _with_loops(bwd_ok),
    _with_loops(bwd_unravel),
    _with_loops(bwd_strict_scan),
    _with_loops(bwd_bincount),
    _with_loops(bwd_windows_outer),
    _with_vec(bwd_vec_ok),
    _with_vec(bwd_vec_onehot),
    _with_im2col(bwd_im2col_ok),
    {"max_pool_backward": bwd_masks, "max_pool_forward": fwd_masks},
    {"max_pool_backward": _package_col2im_backward, "max_pool_forward": _package_im2col_forward},
    *_torch(_with_loops(bwd_torch)),
]
