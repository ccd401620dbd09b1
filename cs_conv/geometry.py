"""Output-size arithmetic and the validation of a convolution's shapes.

``H_out = (H + 2*pad - HH) // stride + 1`` and the same for ``W``.  This
package requires the stride to *tile* the padded input exactly, i.e.
``(H + 2*pad - HH) % stride == 0``: otherwise the last rows or columns of the
input would be silently ignored, which is almost always a bug in a course
exercise.  The error then says which ``pad`` values would tile it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    as_int_pair,
    check_ndim,
    common_float_dtype,
    conv_param_values,
)
from .budget import check_copy

__all__ = [
    "FLOAT_DTYPES",
    "ConvGeometry",
    "KernelSizes",
    "cached_sizes",
    "col2im_inputs",
    "conv_geometry",
    "conv_inputs",
    "conv_output_shape",
    "dout_input",
    "im2col_inputs",
    "plain_ints",
]

#: The dtypes every stage computes in, unconverted.
FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class KernelSizes(NamedTuple):
    """The sizes of one convolution in the compiled kernel's argument order.

    What :meth:`ConvGeometry.sizes` returns and :func:`cached_sizes`
    memoises: a tuple, so ``kernel(x, cols, *sizes, ...)`` passes all twelve
    at once, with the names of :class:`ConvGeometry` for reading.
    """

    N: int
    C: int
    H: int
    W: int
    HH: int
    WW: int
    sh: int
    sw: int
    ph: int
    pw: int
    H_out: int
    W_out: int


@dataclass(frozen=True)
class ConvGeometry:
    """Every size one convolution needs, validated once.

    Attributes
    ----------
    N, C, H, W : int
        Input shape ``x.shape``.
    HH, WW : int
        Filter height and width.
    sh, sw : int
        Stride along height and width.
    ph, pw : int
        Zero padding on each side along height and width.
    H_out, W_out : int
        Output height and width.
    """

    N: int
    C: int
    H: int
    W: int
    HH: int
    WW: int
    sh: int
    sw: int
    ph: int
    pw: int
    H_out: int
    W_out: int

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, self.H, self.W)

    @property
    def cols_shape(self) -> tuple[int, int]:
        """``(C*HH*WW, N*H_out*W_out)``."""
        return (self.C * self.HH * self.WW, self.N * self.H_out * self.W_out)

    @property
    def stride(self) -> tuple[int, int]:
        return (self.sh, self.sw)

    @property
    def pad(self) -> tuple[int, int]:
        return (self.ph, self.pw)

    @property
    def sizes(self) -> KernelSizes:
        """The twelve sizes as a :class:`KernelSizes` tuple."""
        return KernelSizes(
            self.N, self.C, self.H, self.W, self.HH, self.WW,
            self.sh, self.sw, self.ph, self.pw, self.H_out, self.W_out,
        )  # fmt: skip


#: no array this package makes may have more elements than this (512 GiB of float64)
MAX_ELEMENTS = 2**36


def _shape4(shape, name: str, layout: str) -> tuple[int, int, int, int]:
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be a shape tuple {layout}, got {shape!r}") from None
    if len(dims) != 4:
        raise ValueError(f"{name} must have 4 entries {layout}, got {len(dims)}: {dims}")
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"{name} entries must be ints, got {dims}")
    dims = tuple(int(d) for d in dims)
    if min(dims) < 1:
        raise ValueError(f"every entry of {name} {layout} must be >= 1, got {dims}")
    return dims


def _tiling_pads(size: int, k: int, s: int, limit: int = 8) -> list[int]:
    return [p for p in range(limit + 1) if size + 2 * p >= k and (size + 2 * p - k) % s == 0]


def _axis_out(size: int, k: int, s: int, p: int, axis: str, exact: bool = True) -> int:
    kname = "HH" if axis == "height" else "WW"
    dname = "H" if axis == "height" else "W"
    padded = size + 2 * p
    if k > padded:
        raise ValueError(
            f"filter {axis} {kname}={k} is larger than the padded input {axis} "
            f"{dname} + 2*pad = {size} + 2*{p} = {padded}; use a smaller filter or "
            f"pad >= {(k - size + 1) // 2}"
        )
    span = padded - k
    if span % s and exact:
        pads = _tiling_pads(size, k, s)
        fix = (
            f"pad in {pads} would tile it"
            if pads
            else f"no pad tiles it with stride {s}; use a stride that divides {span}, or "
            f"change {dname} or {kname} by one"
        )
        raise ValueError(
            f"stride {s} does not tile the padded input {axis}: "
            f"({dname} + 2*pad - {kname}) = ({size} + 2*{p} - {k}) = {span} is not a "
            f"multiple of {s}; {fix}"
        )
    return span // s + 1


def conv_geometry(x_shape, HH, WW, stride=1, pad=0, *, exact=True) -> ConvGeometry:
    """Validate a convolution's sizes and return its :class:`ConvGeometry`.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, C, H, W)``.
    HH, WW : int
        Filter height and width.
    stride, pad : int or (int, int)
        Stride (>= 1) and zero padding (>= 0), one value or ``(h, w)``.
    exact : bool
        Require the stride to tile the padded input (every stage does).  With
        ``exact=False`` the sizes are floored as in ``H_out`` and the last
        rows/columns that no window reaches are simply not read; only the
        figures of :mod:`cs_conv.viz` use this, to show why it is refused.

    Raises
    ------
    ValueError
        A size is not positive, the filter is larger than the padded input, or
        (with ``exact``) the stride does not tile the padded input.
    TypeError
        A size, stride or pad is not an integer.
    """
    N, C, H, W = _shape4(x_shape, "x_shape", "(N, C, H, W)")
    HH, WW = as_int_pair((HH, WW), "filter size (HH, WW)", minimum=1)
    sh, sw = as_int_pair(stride, "stride", minimum=1)
    ph, pw = as_int_pair(pad, "pad", minimum=0)
    H_out = _axis_out(H, HH, sh, ph, "height", exact)
    W_out = _axis_out(W, WW, sw, pw, "width", exact)
    g = ConvGeometry(N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out)
    for what, shape in (
        ("cols", g.cols_shape),
        ("the padded input", (N, C, H + 2 * ph, W + 2 * pw)),
    ):
        size = math.prod(shape)
        if size > MAX_ELEMENTS:
            raise ValueError(
                f"this convolution is too large: {what} would have shape {shape}, "
                f"{size:.3g} elements ({size * 8 / 2**30:.3g} GiB in float64); "
                "use smaller images, filters or pad, or a larger stride"
            )
    return g


def plain_ints(v) -> bool:
    """A plain ``int`` or a 2-tuple of plain ints (``bool``, floats, NumPy ints are not).

    Examples
    --------
    >>> plain_ints(2), plain_ints((1, 2)), plain_ints(True), plain_ints([1, 2])
    (True, True, False, False)
    """
    t = type(v)
    return t is int or (t is tuple and len(v) == 2 and type(v[0]) is int and type(v[1]) is int)


_SIZES_CACHE: dict = {}


def cached_sizes(
    x_shape, HH, WW, stride, pad, stage="im2col_cython", F=1, *, what=None
) -> KernelSizes | None:
    """:func:`conv_geometry`'s sizes for plain-int arguments, memoised; else None.

    The one fast path of every compiled stage: a call whose ``x_shape`` is a
    tuple and whose other arguments are plain ints (or pairs of them) is
    validated by :func:`conv_geometry` once, and the caller's ``stage`` (with
    ``F`` filters) checked against its budget once
    (:func:`cs_conv.costs.check_stage`, ``what`` naming the call), so every
    check is made and its error raised; a repeat costs one dictionary lookup.
    Arguments of other types return None, and the caller validates (and
    converts) them in full.

    Examples
    --------
    >>> cached_sizes((2, 3, 5, 5), 3, 3, 2, 1)
    KernelSizes(N=2, C=3, H=5, W=5, HH=3, WW=3, sh=2, sw=2, ph=1, pw=1, H_out=3, W_out=3)
    >>> cached_sizes((2, 3, 5, 5), 3, 3, 2.0, 1) is None
    True
    """
    if not (
        type(x_shape) is tuple
        and type(HH) is int
        and type(WW) is int
        and plain_ints(stride)
        and plain_ints(pad)
    ):
        return None
    key = (x_shape, HH, WW, stride, pad, stage, F)
    sizes = _SIZES_CACHE.get(key)
    if sizes is None:
        geom = conv_geometry(x_shape, HH, WW, stride, pad)
        from .costs import check_stage  # costs builds on this module

        check_stage(stage, geom, F, what=what)
        sizes = geom.sizes
        if len(_SIZES_CACHE) >= 512:
            _SIZES_CACHE.clear()
        _SIZES_CACHE[key] = sizes
    return sizes


def conv_output_shape(x_shape, w_shape, stride=1, pad=0) -> tuple[int, int, int, int]:
    """Shape ``(N, F, H_out, W_out)`` of a convolution's output.

    ``H_out = (H + 2*pad - HH) // stride + 1`` and likewise for ``W_out``.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        Input shape ``(N, C, H, W)``.
    w_shape : tuple of 4 ints
        Filter shape ``(F, C, HH, WW)``; its ``C`` must equal the input's.
    stride, pad : int or (int, int)
        Stride (>= 1) and zero padding (>= 0), one value or an ``(h, w)`` pair.

    Returns
    -------
    tuple of 4 ints
        ``(N, F, H_out, W_out)``.

    Raises
    ------
    ValueError
        Channel mismatch, non-positive sizes, filter larger than the padded
        input, or a stride that does not tile the padded input.
    TypeError
        A size, stride or pad is not an integer.

    Examples
    --------
    >>> conv_output_shape((2, 3, 5, 8), (4, 3, 3, 2), stride=2, pad=1)
    (2, 4, 3, 5)
    """
    g, F = _layer_geometry(x_shape, w_shape, stride, pad)
    return (g.N, F, g.H_out, g.W_out)


def _layer_geometry(x_shape, w_shape, stride, pad) -> tuple[ConvGeometry, int]:
    """The geometry of x convolved with filters of ``w_shape``, and ``F``."""
    F, Cw, HH, WW = _shape4(w_shape, "w_shape", "(F, C, HH, WW)")
    g = conv_geometry(x_shape, HH, WW, stride, pad)
    if Cw != g.C:
        raise ValueError(
            f"channel mismatch: x has C={g.C} channels (x_shape {g.x_shape}) but w "
            f"has C={Cw} (w_shape {(F, Cw, HH, WW)}); w must be (F, {g.C}, HH, WW)"
        )
    return g, F


def conv_inputs(x, w, b, conv_param):
    """Validate the arguments of a ``conv_forward``; shared by every backend.

    Returns
    -------
    x, w, b : ndarray
        The inputs as arrays of one common float dtype (no copy when they
        already are).
    geom : ConvGeometry
    """
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    b = as_float_array(b, "b")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    check_ndim(w, 4, "w", "(F, C, HH, WW)")
    F = w.shape[0]
    if b.shape != (F,):
        hint = " (a column vector)" if b.shape == (F, 1) else ""
        raise ValueError(
            f"b must have shape (F,) = ({F},), one bias per filter, got "
            f"{tuple(b.shape)}{hint}; use b.reshape({F})"
        )
    stride, pad = conv_param_values(conv_param)
    geom, _ = _layer_geometry(x.shape, w.shape, stride, pad)
    dtype = common_float_dtype(x, w, b)
    for a, name in ((x, "x"), (w, "w"), (b, "b")):
        if a.dtype != dtype:  # a float32 array beside float64 ones is copied
            check_copy(a, name, f"converting to {dtype}")
    return (
        x.astype(dtype, copy=False),
        w.astype(dtype, copy=False),
        b.astype(dtype, copy=False),
        geom,
    )


def im2col_inputs(x, HH, WW, stride, pad):
    """Validate the arguments of an ``im2col``; return ``(x, geom)``."""

    x = as_float_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    return x, conv_geometry(x.shape, HH, WW, stride, pad)


def col2im_inputs(cols, x_shape, HH, WW, stride, pad):
    """Validate the arguments of a ``col2im``; return ``(cols, geom)``."""

    cols = as_float_array(cols, "cols")
    check_ndim(cols, 2, "cols", "(C*HH*WW, N*H_out*W_out)")
    geom = conv_geometry(x_shape, HH, WW, stride, pad)
    if cols.shape != geom.cols_shape:
        g = geom
        raise ValueError(
            f"cols has shape {tuple(cols.shape)} but x_shape {g.x_shape} with a "
            f"{g.HH}x{g.WW} filter, stride {g.stride} and pad {g.pad} needs "
            f"(C*HH*WW, N*H_out*W_out) = ({g.C}*{g.HH}*{g.WW}, {g.N}*{g.H_out}*{g.W_out})"
            f" = {g.cols_shape}"
            + ("; did you pass cols transposed?" if cols.shape == g.cols_shape[::-1] else "")
        )
    return cols, geom


def dout_input(dout, geom: ConvGeometry, F: int, dtype):
    """Validate the upstream gradient of a convolution; return it as ``dtype``."""
    dout = as_float_array(dout, "dout")
    expected = (geom.N, F, geom.H_out, geom.W_out)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the forward output's shape (N, F, H_out, W_out) = "
            f"{expected}, got {tuple(dout.shape)}"
        )
    return dout.astype(np.result_type(dout.dtype, dtype), copy=False)
