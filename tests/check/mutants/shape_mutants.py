# ruff: noqa: RUF059, B905, PT018
# (students' code, on purpose: long lines, unused unpacked sizes, zip without strict)
"""Student versions of conv_output_shape and pad_input (notebook 1), wrong and right."""

from __future__ import annotations

import numpy as np

from . import Valid, mutant

x = np.random.default_rng(11).standard_normal((4, 4, 9, 9))  # a notebook global


# ------------------------------------------------------------ conv_output_shape: right
def shape_plain(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, C2, HH, WW = w_shape
    if C != C2:
        raise ValueError(f"channels differ: x has {C}, w has {C2}")
    if H + 2 * pad < HH or W + 2 * pad < WW:
        raise ValueError("filter larger than the padded input")
    if (H + 2 * pad - HH) % stride != 0 or (W + 2 * pad - WW) % stride != 0:
        raise ValueError("stride does not tile the input")
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)


def shape_divmod(x_shape, w_shape, stride=1, pad=0):
    n, c, h, w = x_shape
    f, cw, fh, fw = w_shape
    if c != cw:
        raise ValueError("x and w must have the same number of channels")
    sizes = []
    for size, k in ((h, fh), (w, fw)):
        span = size + 2 * pad - k
        if span < 0:
            raise ValueError(f"filter of size {k} does not fit in {size} + 2*{pad}")
        q, r = divmod(span, stride)
        if r:
            raise ValueError(f"stride {stride} does not tile {span}")
        sizes.append(q + 1)
    return (n, f, *sizes)


def shape_numpy(x_shape, w_shape, stride=1, pad=0):
    xs, ws = np.asarray(x_shape), np.asarray(w_shape)
    if xs[1] != ws[1]:
        raise ValueError("channel mismatch")
    span = xs[2:] + 2 * pad - ws[2:]
    if np.any(span < 0) or np.any(span % stride):
        raise ValueError(f"bad geometry: span {span} for stride {stride}")
    out = span // stride + 1
    return [int(xs[0]), int(ws[0]), int(out[0]), int(out[1])]


def shape_checks_first(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, Cf, HH, WW = w_shape
    problems = []
    if Cf != C:
        problems.append("channels")
    Hp, Wp = H + 2 * pad, W + 2 * pad
    if Hp < HH or Wp < WW:
        problems.append("filter too big")
    elif (Hp - HH) % stride or (Wp - WW) % stride:
        problems.append("stride")
    if problems:
        raise ValueError(", ".join(problems))
    H_out = 1 + (Hp - HH) // stride
    W_out = 1 + (Wp - WW) // stride
    return N, F, H_out, W_out


# ------------------------------------------------------------ conv_output_shape: wrong
def shape_stub(x_shape, w_shape, stride=1, pad=0):
    raise NotImplementedError()


def shape_no_checks(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)


def shape_no_checks_numpy(x_shape, w_shape, stride=1, pad=0):
    hw = (np.array(x_shape[2:]) + 2 * pad - np.array(w_shape[2:])) // stride + 1
    return (x_shape[0], w_shape[0], int(hw[0]), int(hw[1]))


def shape_checks_tiling_only(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, C2, HH, WW = w_shape
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError("stride does not fit")
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)


def shape_no_checks_loop(x_shape, w_shape, stride=1, pad=0):
    out = [x_shape[0], w_shape[0]]
    for size, k in zip(x_shape[2:], w_shape[2:]):
        out.append((size + 2 * pad - k) // stride + 1)
    return tuple(out)


def shape_true_division_loop(x_shape, w_shape, stride=1, pad=0):
    if x_shape[1] != w_shape[1]:
        raise ValueError("channels differ")
    out = [x_shape[0], w_shape[0]]
    for size, k in zip(x_shape[2:], w_shape[2:]):
        span = size + 2 * pad - k
        if span < 0 or span % stride:
            raise ValueError(f"cannot tile {size} with a filter of {k} and stride {stride}")
        out.append(span / stride + 1)
    return tuple(out)


def shape_asserts(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, C2, HH, WW = w_shape
    assert C == C2, "channels"
    assert (H + 2 * pad - HH) % stride == 0 and (W + 2 * pad - WW) % stride == 0
    assert H + 2 * pad >= HH and W + 2 * pad >= WW
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)


def shape_true_division(x_shape, w_shape, stride=1, pad=0):
    N, C, H, W = x_shape
    F, C2, HH, WW = w_shape
    if C != C2:
        raise ValueError("channels")
    if H + 2 * pad < HH or W + 2 * pad < WW:
        raise ValueError("too big")
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError("stride")
    H_out = (H + 2 * pad - HH) / stride + 1
    W_out = (W + 2 * pad - WW) / stride + 1
    return (N, F, H_out, W_out)


def shape_true_division_checked_float(x_shape, w_shape, stride=1, pad=0):
    n, c, h, w = x_shape
    f, cw, hh, ww = w_shape
    if c != cw or hh > h + 2 * pad or ww > w + 2 * pad:
        raise ValueError("incompatible shapes")
    h_out = (h - hh + 2 * pad) / stride + 1
    w_out = (w - ww + 2 * pad) / stride + 1
    if not float(h_out).is_integer() or not float(w_out).is_integer():
        raise ValueError("Invalid output dimension!")
    return (n, f, h_out, w_out)


def shape_true_division_numpy(x_shape, w_shape, stride=1, pad=0):
    xs, ws = np.asarray(x_shape), np.asarray(w_shape)
    if xs[1] != ws[1] or np.any(xs[2:] + 2 * pad < ws[2:]):
        raise ValueError("bad shapes")
    span = xs[2:] + 2 * pad - ws[2:]
    if np.any(span % stride):
        raise ValueError("stride")
    out = np.true_divide(span, stride) + 1
    return (xs[0], ws[0], out[0], out[1])


def _validate(x_shape, w_shape, stride, pad):
    N, C, H, W = x_shape
    F, C2, HH, WW = w_shape
    if C != C2 or H + 2 * pad < HH or W + 2 * pad < WW:
        raise ValueError("bad shapes")
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError("stride does not tile")


def shape_hh_twice(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, C, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - HH) // stride + 1)


def shape_filter_swapped(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    n, _, h, w = x_shape
    f, _, fh, fw = w_shape
    return (n, f, (h + 2 * pad - fw) // stride + 1, (w + 2 * pad - fh) // stride + 1)


def shape_ww_twice_numpy(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    hw = (np.array(x_shape[2:]) + 2 * pad - w_shape[3]) // stride + 1
    return (x_shape[0], w_shape[0], *hw.tolist())


def shape_hw_swapped(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    return (N, F, W_out, H_out)


def shape_hw_swapped_reversed(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    spatial = [(s + 2 * pad - k) // stride + 1 for s, k in zip(x_shape[2:], w_shape[2:])]
    return (x_shape[0], w_shape[0], *reversed(spatial))


def shape_hw_image_swapped(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (W + 2 * pad - WW) // stride + 1, (H + 2 * pad - HH) // stride + 1)


def shape_no_stride(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, H + 2 * pad - HH + 1, W + 2 * pad - WW + 1)


def shape_no_stride_numpy(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    hw = np.array(x_shape[2:]) + 2 * pad - np.array(w_shape[2:]) + 1
    return [x_shape[0], w_shape[0], *hw.tolist()]


def shape_stride_times(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) * stride + 1, (W + 2 * pad - WW) * stride + 1)


def shape_no_pad(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H - HH) // stride + 1, (W - WW) // stride + 1)


def shape_no_pad_loop(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    out = [x_shape[0], w_shape[0]]
    for size, k in zip(x_shape[2:], w_shape[2:]):
        out.append((size - k) // stride + 1)
    return tuple(out)


def shape_pad_once(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + pad - HH) // stride + 1, (W + pad - WW) // stride + 1)


def shape_constant(x_shape, w_shape, stride=1, pad=0):
    return (2, 3, 4, 4)


def shape_two_values(x_shape, w_shape, stride=1, pad=0):
    _validate(x_shape, w_shape, stride, pad)
    H, W = x_shape[2:]
    HH, WW = w_shape[2:]
    return ((H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)


def shape_missing_plus_one(x_shape, w_shape, stride=1, pad=0):
    """A near miss (the count of windows is one short): named by nothing."""
    _validate(x_shape, w_shape, stride, pad)
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) // stride, (W + 2 * pad - WW) // stride)


# ------------------------------------------------------------------- pad_input: right
def pad_np(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")


def pad_zeros_slice(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    out[:, :, pad : pad + H, pad : pad + W] = x
    return out


def pad_concatenate(x, pad):
    N, C, H, W = x.shape
    side = np.zeros((N, C, H, pad), dtype=x.dtype)
    mid = np.concatenate([side, x, side], axis=3)
    cap = np.zeros((N, C, pad, W + 2 * pad), dtype=x.dtype)
    return np.concatenate([cap, mid, cap], axis=2)


def pad_loops(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H):
                out[n, c, pad + i, pad : pad + W] = x[n, c, i]
    return out


# ------------------------------------------------------------------- pad_input: wrong
def pad_stub(x, pad):
    raise NotImplementedError


def pad_returns_x(x, pad):
    return x.copy()


def pad_zeros_no_pad(x, pad):
    out = np.zeros_like(x)
    out[...] = x
    return out


def pad_np_zero_widths(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (0, 0), (0, 0)))


def pad_all_axes(x, pad):
    return np.pad(x, pad)


def pad_all_axes_constant(x, pad):
    return np.pad(x, pad, mode="constant", constant_values=0)


def pad_nc_axes(x, pad):
    return np.pad(x, ((pad, pad), (pad, pad), (0, 0), (0, 0)))


def pad_one_side(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))


def pad_corner(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    out[:, :, :H, :W] = x
    return out


def pad_uneven(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad + 1, pad), (pad + 1, pad)))


def pad_loops_shifted(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            out[n, c, 2 * pad :, pad : pad + W] = x[n, c]
    return out


def pad_float64(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    out[:, :, pad : pad + H, pad : pad + W] = x
    return out


def pad_astype_float(x, pad):
    return np.pad(x.astype(float), ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def pad_loops_float64(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=np.float64)
    for n in range(N):
        out[n, :, pad : pad + H, pad : pad + W] = x[n]
    return out


def pad_mutating(x, pad):
    out = pad_np(x, pad)
    x.fill(0.0)
    return out


def pad_mutating_inplace_scale(x, pad):
    x *= 1.0 + 0.5  # "normalise" in place
    return pad_zeros_slice(x, pad) / 1.5


def pad_global(image, pad):
    N, C, H, W = image.shape
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))[:N, :C].astype(image.dtype)


def pad_global_loops(image, pad):
    N, C, H, W = image.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=image.dtype)
    for n in range(N):
        out[n, :, pad : pad + H, pad : pad + W] = x[n, :C, :H, :W]
    return out


def pad_first_image(x, pad):
    return pad_np(x, pad)[0]


def pad_float32_inside(x, pad):
    return pad_np(x.astype(np.float32), pad).astype(x.dtype)


def pad_float32_buffer(x, pad):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=np.float32)
    out[:, :, pad : pad + H, pad : pad + W] = x
    return out.astype(x.dtype)


MUTANTS = [
    mutant("conv_output_shape", "not-implemented", "loops", shape_stub),
    mutant("conv_output_shape", "no-validation", "scalar", shape_no_checks),
    mutant("conv_output_shape", "no-validation", "vectorised", shape_no_checks_numpy),
    mutant("conv_output_shape", "no-validation", "scalar", shape_checks_tiling_only),
    mutant("conv_output_shape", "no-validation", "scalar", shape_asserts),
    mutant("conv_output_shape", "no-validation", "loops", shape_no_checks_loop),
    mutant("conv_output_shape", "true-division", "scalar", shape_true_division),
    mutant("conv_output_shape", "true-division", "loops", shape_true_division_loop),
    mutant("conv_output_shape", "true-division", "scalar", shape_true_division_checked_float),
    mutant("conv_output_shape", "true-division", "vectorised", shape_true_division_numpy),
    mutant("conv_output_shape", "filter-hw-swapped", "loops", shape_hh_twice),
    mutant("conv_output_shape", "filter-hw-swapped", "loops", shape_filter_swapped),
    mutant("conv_output_shape", "filter-hw-swapped", "vectorised", shape_ww_twice_numpy),
    mutant("conv_output_shape", "hw-swapped", "loops", shape_hw_swapped),
    mutant("conv_output_shape", "hw-swapped", "vectorised", shape_hw_swapped_reversed),
    mutant("conv_output_shape", "hw-swapped", "loops", shape_hw_image_swapped),
    mutant("conv_output_shape", "stride-ignored", "loops", shape_no_stride),
    mutant("conv_output_shape", "stride-ignored", "vectorised", shape_no_stride_numpy),
    mutant("conv_output_shape", "pad-ignored", "loops", shape_no_pad),
    mutant("conv_output_shape", "pad-ignored", "loops", shape_no_pad_loop),
    mutant("conv_output_shape", "pad-wrong-axes", "loops", shape_pad_once),
    mutant("conv_output_shape", ("ignores-input", "no-validation"), "loops", shape_constant),
    mutant("conv_output_shape", "wrong-shape", "loops", shape_two_values),
    mutant("conv_output_shape", (), "loops", shape_missing_plus_one),
    mutant("conv_output_shape", (), "loops", shape_stride_times),
    mutant("pad_input", "not-implemented", "loops", pad_stub),
    mutant("pad_input", "pad-ignored", "vectorised", pad_returns_x),
    mutant("pad_input", "pad-ignored", "vectorised", pad_np_zero_widths),
    mutant("pad_input", "pad-ignored", "loops", pad_zeros_no_pad),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_all_axes),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_all_axes_constant),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_nc_axes),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_one_side),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_corner),
    mutant("pad_input", "pad-wrong-axes", "vectorised", pad_uneven),
    mutant("pad_input", "pad-wrong-axes", "loops", pad_loops_shifted),
    mutant("pad_input", "dtype-changed", "vectorised", pad_float64),
    mutant("pad_input", "dtype-changed", "vectorised", pad_astype_float),
    mutant("pad_input", "dtype-changed", "loops", pad_loops_float64),
    mutant("pad_input", "mutates-input", "vectorised", pad_mutating),
    mutant("pad_input", "mutates-input", "vectorised", pad_mutating_inplace_scale),
    mutant("pad_input", "ignores-input", "vectorised", pad_global),
    mutant("pad_input", "ignores-input", "loops", pad_global_loops),
    mutant("pad_input", "wrong-shape", "vectorised", pad_first_image),
    mutant("pad_input", "numerically-loose", "vectorised", pad_float32_inside),
    mutant("pad_input", "numerically-loose", "vectorised", pad_float32_buffer),
]

VALID = [
    Valid("conv_output_shape", "scalar", shape_plain),
    Valid("conv_output_shape", "loops", shape_divmod),
    Valid("conv_output_shape", "vectorised", shape_numpy),
    Valid("conv_output_shape", "scalar", shape_checks_first),
    Valid("pad_input", "vectorised", pad_np),
    Valid("pad_input", "vectorised", pad_zeros_slice),
    Valid("pad_input", "vectorised", pad_concatenate),
    Valid("pad_input", "loops", pad_loops),
]
