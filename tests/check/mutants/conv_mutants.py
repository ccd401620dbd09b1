# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Wrong (and right) student versions of conv_output_shape, pad_input and the naive conv."""

from __future__ import annotations

import numpy as np

x = np.random.default_rng(1).standard_normal((2, 3, 6, 6))  # a notebook global


# --------------------------------------------------------- conv_output_shape
def shape_ok(x_shape, w_shape, stride=1, pad=0):
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)


def shape_numpy(x_shape, w_shape, stride=1, pad=0):
    """Valid: numpy arithmetic, returns a list of numpy ints."""
    hw = (np.array(x_shape[2:]) + 2 * pad - np.array(w_shape[2:])) // stride + 1
    return [np.int64(x_shape[0]), np.int64(w_shape[0]), *hw]


def shape_stub(x_shape, w_shape, stride=1, pad=0):
    raise NotImplementedError


def shape_two(x_shape, w_shape, stride=1, pad=0):
    return shape_ok(x_shape, w_shape, stride, pad)[2:]


def shape_hw(x_shape, w_shape, stride=1, pad=0):
    N, F, Ho, Wo = shape_ok(x_shape, w_shape, stride, pad)
    return (N, F, Wo, Ho)


def shape_filter_hh(x_shape, w_shape, stride=1, pad=0):
    N, _, H, W = x_shape
    F, _, HH, _ = w_shape
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - HH) // stride + 1)


def shape_no_stride(x_shape, w_shape, stride=1, pad=0):
    return shape_ok(x_shape, w_shape, 1, pad)


def shape_no_pad(x_shape, w_shape, stride=1, pad=0):
    return shape_ok(x_shape, w_shape, stride, 0)


def shape_pad_once(x_shape, w_shape, stride=1, pad=0):
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + pad - HH) // stride + 1, (W + pad - WW) // stride + 1)


def shape_true_division(x_shape, w_shape, stride=1, pad=0):
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) / stride + 1, (W + 2 * pad - WW) / stride + 1)


def shape_constant(x_shape, w_shape, stride=1, pad=0):
    return (2, 3, 4, 4)


# ------------------------------------------------------------------ pad_input
def pad_np(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")


def pad_slice(x, pad):
    """Valid: zeros and a slice assignment."""
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    out[:, :, pad : pad + H, pad : pad + W] = x
    return out


def pad_concat(x, pad):
    """Valid: concatenate zero borders."""
    N, C, H, W = x.shape
    side = np.zeros((N, C, H, pad), dtype=x.dtype)
    mid = np.concatenate([side, x, side], axis=3)
    cap = np.zeros((N, C, pad, W + 2 * pad), dtype=x.dtype)
    return np.concatenate([cap, mid, cap], axis=2)


def pad_stub(x, pad):
    raise NotImplementedError


def pad_nothing(x, pad):
    return x.copy()


def pad_all_axes(x, pad):
    return np.pad(x, pad)


def pad_float64(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    out[:, :, pad : pad + H, pad : pad + W] = x
    return out


def pad_mutating(x, pad):
    out = pad_np(x, pad)
    x.fill(0.0)
    return out


def pad_global(image, pad):
    return pad_np(x[: image.shape[0], : image.shape[1]], pad)


def pad_first_image(x, pad):
    return pad_np(x, pad)[0]


def pad_float32_inside(x, pad):
    return pad_np(x.astype(np.float32), pad).astype(x.dtype)


def pad_corner(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    out[:, :, :H, :W] = x
    return out


# ------------------------------------------------------- naive conv_forward
def _pad(a, p):
    return np.pad(a, ((0, 0), (0, 0), (p, p), (p, p)))


def _sizes(x, w, conv_param):
    N, _C, H, W = x.shape
    F, _, HH, WW = w.shape
    s, p = conv_param["stride"], conv_param["pad"]
    return N, F, HH, WW, s, p, (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1


def fwd_loops(x, w, b, conv_param):
    N, F, HH, WW, s, p, Ho, Wo = _sizes(x, w, conv_param)
    xp = _pad(x, p)
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(
                        xp[n, :, i * s : i * s + HH, j * s : j * s + WW] * w[f]
                    )
    return out + b[None, :, None, None], (x, w, b, conv_param)


def fwd_pad_all_axes(x, w, b, conv_param):
    """``np.pad(x, pad)`` pads N and C too: a window of C + 2*pad channels meets w[f]
    (it crashes whenever pad > 0; `np.pad(x, pad)` is the one-argument form of the right call)."""
    N, F, HH, WW, s, p, Ho, Wo = _sizes(x, w, conv_param)
    xp = np.pad(x, p)
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * s : i * s + HH, j * s : j * s + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def fwd_windows_outer(x, w, b, conv_param):
    """Valid: loop over windows, all filters at once with tensordot."""
    N, F, HH, WW, s, p, Ho, Wo = _sizes(x, w, conv_param)
    xp = _pad(x, p)
    out = np.empty((N, F, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * s : i * s + HH, j * s : j * s + WW]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def fwd_einsum(x, w, b, conv_param):
    """Valid: sliding_window_view + einsum."""
    from numpy.lib.stride_tricks import sliding_window_view

    s, p = conv_param["stride"], conv_param["pad"]
    v = sliding_window_view(_pad(x, p), w.shape[2:], axis=(2, 3))[:, :, ::s, ::s]
    out = np.einsum("ncijhw,fchw->nfij", v, w) + b[None, :, None, None]
    return out, (x, w, b, conv_param)


def fwd_torch(x, w, b, conv_param):
    """Valid: torch.nn.functional.conv2d."""
    import torch

    out = torch.nn.functional.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        torch.from_numpy(b),
        stride=conv_param["stride"],
        padding=conv_param["pad"],
    )
    return out.numpy(), (x, w, b, conv_param)


def fwd_stub(x, w, b, conv_param):
    raise NotImplementedError


def fwd_out_only(x, w, b, conv_param):
    return fwd_loops(x, w, b, conv_param)[0]


def fwd_one_row_short(x, w, b, conv_param):
    _N, _F, _HH, _WW, _s, _p, Ho, _Wo = _sizes(x, w, conv_param)
    out, cache = fwd_loops(x, w, b, conv_param)
    return out[:, :, : Ho - 1], cache


def fwd_rows_reshaped(x, w, b, conv_param):
    N, F, HH, WW, s, p, Ho, Wo = _sizes(x, w, conv_param)
    xp = _pad(x, p)
    rows = []
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                win = xp[n, :, i * s : i * s + HH, j * s : j * s + WW]
                rows.append([np.sum(win * w[f]) + b[f] for f in range(F)])
    out = np.array(rows, dtype=x.dtype).reshape(N, Wo, Ho, F).transpose(0, 3, 1, 2)
    return out, (x, w, b, conv_param)


def fwd_flipped(x, w, b, conv_param):
    return fwd_loops(x, w[:, :, ::-1, ::-1], b, conv_param)


def fwd_no_stride(x, w, b, conv_param):
    N, F, HH, WW, _s, p, Ho, Wo = _sizes(x, w, conv_param)
    xp = _pad(x, p)
    out = np.zeros((N, F, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(xp[n, :, i : i + HH, j : j + WW] * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def fwd_no_pad(x, w, b, conv_param):
    return fwd_loops(x, w, b, {"stride": conv_param["stride"], "pad": 0})


def fwd_no_bias(x, w, b, conv_param):
    return fwd_loops(x, w, np.zeros_like(b), conv_param)


def fwd_bias_last_axis(x, w, b, conv_param):
    out, cache = fwd_loops(x, w, np.zeros_like(b), conv_param)
    return out + b, cache


def fwd_global_x(image, w, b, conv_param):
    N, F, HH, WW, s, p, Ho, Wo = _sizes(image, w, conv_param)
    xp = _pad(x, p)
    out = np.zeros((N, F, Ho, Wo), dtype=image.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    win = xp[n % x.shape[0], : w.shape[1], i * s : i * s + HH, j * s : j * s + WW]
                    if win.shape == w[f].shape:
                        out[n, f, i, j] = np.sum(win * w[f]) + b[f]
    return out, (image, w, b, conv_param)


def fwd_mutating(x, w, b, conv_param):
    out, cache = fwd_loops(x, w, b, conv_param)
    x[:] = 0.0
    return out, cache


def fwd_float64(x, w, b, conv_param):
    out, cache = fwd_loops(x, w, b, conv_param)
    return out.astype(np.float64), cache


def fwd_float32_inside(x, w, b, conv_param):
    out, _cache = fwd_loops(x.astype(np.float32), w.astype(np.float32), b, conv_param)
    return out.astype(x.dtype), (x, w, b, conv_param)


# ------------------------------------------------------ naive conv_backward
def bwd_loops(dout, cache, *, assign=False, flip=False, stride1=False, crop="ok", db_axes=None):
    x, w, b, conv_param = cache
    N, F, HH, WW, s, p, Ho, Wo = _sizes(x, w, conv_param)
    xp = _pad(x, p)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    wk = w[:, :, ::-1, ::-1] if flip else w
    st = 1 if stride1 else s
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    d = dout[n, f, i, j]
                    win = (n, slice(None), slice(i * st, i * st + HH), slice(j * st, j * st + WW))
                    if assign:
                        dxp[win] = d * wk[f]
                    else:
                        dxp[win] += d * wk[f]
                    if flip:
                        dw[f] += d * xp[win][:, ::-1, ::-1]
                    else:
                        dw[f] += d * xp[win]
                    db[f] += d
    if db_axes is not None:
        db = dout.sum(axis=db_axes)
    H, W = x.shape[2:]
    if crop == "none":
        dx = dxp
    elif crop == "negative":
        dx = dxp[:, :, p:-p, p:-p]
    else:
        dx = dxp[:, :, p : p + H, p : p + W]
    return dx, dw, db


def bwd_ok(dout, cache):
    return bwd_loops(dout, cache)


def bwd_einsum(dout, cache):
    """Valid: einsum for dw, a tap loop for dx."""
    from numpy.lib.stride_tricks import sliding_window_view

    x, w, _b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    _N, _C, H, W = x.shape
    _F, _, HH, WW = w.shape
    xp = _pad(x, p)
    v = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    dw = np.einsum("nfij,ncijhw->fchw", dout, v)
    dxp = np.zeros_like(xp)
    Ho, Wo = dout.shape[2:]
    for di in range(HH):
        for dj in range(WW):
            dxp[:, :, di : di + s * Ho : s, dj : dj + s * Wo : s] += np.einsum(
                "nfij,fc->ncij", dout, w[:, :, di, dj]
            )
    return dxp[:, :, p : p + H, p : p + W], dw, dout.sum(axis=(0, 2, 3))


def bwd_torch(dout, cache):
    """Valid: torch autograd."""
    import torch

    x, w, b, conv_param = cache
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.conv2d(
        xt, wt, bt, stride=conv_param["stride"], padding=conv_param["pad"]
    )
    out.backward(torch.from_numpy(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def bwd_stub(dout, cache):
    raise NotImplementedError


def bwd_db_column(dout, cache):
    dx, dw, db = bwd_loops(dout, cache)
    return dx, dw, db.reshape(-1, 1)


def bwd_flipped(dout, cache):
    return bwd_loops(dout, cache, flip=True)


def bwd_no_stride(dout, cache):
    return bwd_loops(dout, cache, stride1=True)


def bwd_assign(dout, cache):
    return bwd_loops(dout, cache, assign=True)


def bwd_uncropped(dout, cache):
    return bwd_loops(dout, cache, crop="none")


def bwd_negative_crop(dout, cache):
    return bwd_loops(dout, cache, crop="negative")


def bwd_db_per_image(dout, cache):
    return bwd_loops(dout, cache, db_axes=(1, 2, 3))


def bwd_ones(dout, cache):
    return bwd_loops(np.ones_like(dout), cache)


def bwd_mutating(dout, cache):
    grads = bwd_loops(dout, cache)
    dout *= 2.0
    return grads


def bwd_float64(dout, cache):
    return tuple(g.astype(np.float64) for g in bwd_loops(dout, cache))


def bwd_float32_inside(dout, cache):
    x, w, b, conv_param = cache
    c32 = (x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), conv_param)
    return tuple(g.astype(x.dtype) for g in bwd_loops(dout.astype(np.float32), c32))


MUTANTS = {
    ("conv_output_shape", "not-implemented"): [shape_stub],
    ("conv_output_shape", "wrong-shape"): [shape_two],
    ("conv_output_shape", "hw-swapped"): [shape_hw],
    ("conv_output_shape", "filter-hw-swapped"): [shape_filter_hh],
    ("conv_output_shape", "stride-ignored"): [shape_no_stride],
    ("conv_output_shape", "pad-ignored"): [shape_no_pad],
    ("conv_output_shape", "pad-wrong-axes"): [shape_pad_once],
    ("conv_output_shape", "dtype-changed"): [shape_true_division],
    ("conv_output_shape", "ignores-input"): [shape_constant],
    ("pad_input", "not-implemented"): [pad_stub],
    ("pad_input", "wrong-shape"): [pad_first_image],
    ("pad_input", "pad-ignored"): [pad_nothing],
    ("pad_input", "pad-wrong-axes"): [pad_all_axes, pad_corner],
    ("pad_input", "dtype-changed"): [pad_float64],
    ("pad_input", "mutates-input"): [pad_mutating],
    ("pad_input", "ignores-input"): [pad_global],
    ("pad_input", "numerically-loose"): [pad_float32_inside],
    ("conv_forward", "not-implemented"): [fwd_stub],
    ("conv_forward", "bad-return"): [fwd_out_only],
    ("conv_forward", "wrong-shape"): [fwd_one_row_short],
    ("conv_forward", "hw-swapped"): [fwd_rows_reshaped],
    ("conv_forward", "kernel-flipped"): [fwd_flipped],
    ("conv_forward", "stride-ignored"): [fwd_no_stride],
    ("conv_forward", "pad-ignored"): [fwd_no_pad],
    ("conv_forward", "bias-missing"): [fwd_no_bias],
    ("conv_forward", "bias-wrong-axis"): [fwd_bias_last_axis],
    ("conv_forward", "ignores-input"): [fwd_global_x],
    ("conv_forward", "pad-wrong-axes"): [fwd_pad_all_axes],
    ("conv_forward", "mutates-input"): [fwd_mutating],
    ("conv_forward", "dtype-changed"): [fwd_float64],
    ("conv_forward", "numerically-loose"): [fwd_float32_inside],
    ("conv_backward", "not-implemented"): [bwd_stub],
    ("conv_backward", "wrong-shape"): [bwd_db_column],
    ("conv_backward", "kernel-flipped"): [bwd_flipped],
    ("conv_backward", "stride-ignored"): [bwd_no_stride],
    ("conv_backward", "col2im-not-accumulating"): [bwd_assign],
    ("conv_backward", "col2im-uncropped"): [bwd_uncropped],
    ("conv_backward", "pad-zero-crop"): [bwd_negative_crop],
    ("conv_backward", "db-wrong-axes"): [bwd_db_per_image],
    ("conv_backward", "ignores-input"): [bwd_ones],
    ("conv_backward", "mutates-input"): [bwd_mutating],
    ("conv_backward", "dtype-changed"): [bwd_float64],
    ("conv_backward", "numerically-loose"): [bwd_float32_inside],
}


def _torch(*funcs):
    """The torch-based alternatives, when torch is installed (an optional test oracle)."""
    import importlib.util

    return list(funcs) if importlib.util.find_spec("torch") is not None else []


VALID = {
    "conv_output_shape": [shape_ok, shape_numpy],
    "pad_input": [pad_np, pad_slice, pad_concat],
    "conv_forward": [fwd_loops, fwd_windows_outer, fwd_einsum, *_torch(fwd_torch)],
    "conv_backward": [bwd_ok, bwd_einsum, *_torch(bwd_torch)],
}
