"""The sizes of a max-pooling and the validation of its arguments.

``pool_param`` is CS231n's dict ``{"pool_height": PH, "pool_width": PW,
"stride": S}``; there is no padding.  Each ``(n, c)`` plane of
``x (N, C, H, W)`` is pooled on its own, so the output is
``(N, C, H_out, W_out)`` with ``H_out = (H - PH) // S + 1`` (and the same for
``W``).  As for convolutions, the stride must *tile* the input exactly,
``(H - PH) % S == 0``: frameworks silently drop the last rows and columns
that no window reaches; this package refuses and says which sizes would tile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, as_int_pair, check_ndim
from .geometry import MAX_ELEMENTS

__all__ = ["PoolGeometry", "pool_dout", "pool_geometry", "pool_inputs", "pool_param_values"]

_KEYS = ("pool_height", "pool_width", "stride")
_EXAMPLE = "{'pool_height': 2, 'pool_width': 2, 'stride': 2}"


@dataclass(frozen=True)
class PoolGeometry:
    """Every size one max-pooling needs, validated once.

    Attributes
    ----------
    N, C, H, W : int
        Input shape ``x.shape``.
    PH, PW : int
        Pool height and width.
    sh, sw : int
        Stride along height and width.
    H_out, W_out : int
        Output height and width.
    """

    N: int
    C: int
    H: int
    W: int
    PH: int
    PW: int
    sh: int
    sw: int
    H_out: int
    W_out: int

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, self.H, self.W)

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, self.H_out, self.W_out)

    @property
    def stride(self) -> tuple[int, int]:
        return (self.sh, self.sw)


def pool_param_values(pool_param) -> tuple[int, int, tuple[int, int]]:
    """Validate a CS231n-style ``pool_param``; return ``(PH, PW, (sh, sw))``.

    ``pool_height`` and ``pool_width`` are ints >= 1; ``stride`` is an int
    >= 1 or an ``(h, w)`` pair.

    Examples
    --------
    >>> pool_param_values({"pool_height": 2, "pool_width": 3, "stride": 2})
    (2, 3, (2, 2))
    """
    if not isinstance(pool_param, dict):
        raise TypeError(
            f"pool_param must be a dict like {_EXAMPLE}, got {type(pool_param).__name__}"
        )
    unknown = sorted(set(pool_param) - set(_KEYS), key=str)
    if unknown:
        extra = "; max pooling here has no padding" if "pad" in unknown else ""
        raise ValueError(
            f"pool_param has unknown key(s) {unknown}; the keys are 'pool_height', "
            f"'pool_width' and 'stride' (e.g. {_EXAMPLE}){extra}"
        )
    missing = [k for k in _KEYS if k not in pool_param]
    if missing:
        raise ValueError(f"pool_param is missing {missing}; pass all three, e.g. {_EXAMPLE}")
    sizes = []
    for key in ("pool_height", "pool_width"):
        v = pool_param[key]
        if isinstance(v, (tuple, list, np.ndarray)):
            raise TypeError(
                f"{key} must be one int, got {v!r}; give the height and the width "
                "separately as 'pool_height' and 'pool_width'"
            )
        sizes.append(as_int_pair(v, key, minimum=1)[0])
    stride = as_int_pair(pool_param["stride"], "stride", minimum=1)
    return sizes[0], sizes[1], stride


def _count(n: int, noun: str) -> str:
    """``row``, ``2 rows``."""
    return noun if n == 1 else f"{n} {noun}s"


def _axis_out(size: int, k: int, s: int, axis: str) -> int:
    dname, kname = ("H", "pool_height") if axis == "height" else ("W", "pool_width")
    if k > size:
        raise ValueError(
            f"{kname} {k} is larger than the input {axis} {dname} = {size}; use {kname} <= {size}"
        )
    span = size - k
    if span % s:
        lo, hi = size - span % s, size + s - span % s
        # the strides that tile: the divisors of span (the small ones, and span itself)
        divisors = [d for d in range(1, min(span, 64) + 1) if span % d == 0]
        divisors += [span] if span > 64 else []
        raise ValueError(
            f"stride {s} does not tile the input {axis}: ({dname} - {kname}) = "
            f"({size} - {k}) = {span} is not a multiple of {s}, so the last "
            f"{_count(span % s, 'row' if axis == 'height' else 'column')} would never be pooled; "
            f"crop or pad x to {dname} = {lo} or {hi}, or use a stride in {divisors}"
        )
    return span // s + 1


def pool_geometry(x_shape, PH: int, PW: int, stride) -> PoolGeometry:
    """Validate a pooling's sizes and return its :class:`PoolGeometry`.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, C, H, W)``, each >= 1.
    PH, PW : int
        Pool height and width (>= 1, validated by :func:`pool_param_values`).
    stride : int or (int, int)

    Raises
    ------
    ValueError
        The pool is larger than the image, the stride does not tile it, or the
        im2col matrix of this pooling would exceed the package's size budget.

    Examples
    --------
    >>> pool_geometry((2, 3, 5, 8), 3, 2, 2).out_shape
    (2, 3, 2, 4)
    """
    N, C, H, W = (int(d) for d in x_shape)
    if min(N, C, H, W) < 1:
        raise ValueError(f"every entry of x.shape (N, C, H, W) must be >= 1, got {x_shape}")
    sh, sw = as_int_pair(stride, "stride", minimum=1)
    g = PoolGeometry(
        N, C, H, W, PH, PW, sh, sw, _axis_out(H, PH, sh, "height"), _axis_out(W, PW, sw, "width")
    )
    cols = (PH * PW, N * C * g.H_out * g.W_out)
    if math.prod(cols) > MAX_ELEMENTS:
        raise ValueError(
            f"this pooling is too large: its im2col matrix would have shape {cols}, "
            f"{math.prod(cols):.3g} elements; use smaller images or pools, or a larger stride"
        )
    return g


def pool_inputs(x, pool_param) -> tuple[np.ndarray, PoolGeometry]:
    """Validate the arguments of a ``max_pool_forward``; return ``(x, geom)``.

    ``x`` comes back as float32 or float64 (no copy when it already is).
    """
    x = as_float_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    PH, PW, stride = pool_param_values(pool_param)
    return x, pool_geometry(x.shape, PH, PW, stride)


def pool_dout(dout, geom: PoolGeometry, dtype) -> np.ndarray:
    """Validate the upstream gradient of a pooling; return it in the common float dtype."""
    dout = as_float_array(dout, "dout")
    if dout.shape != geom.out_shape:
        raise ValueError(
            f"dout must have the forward output's shape (N, C, H_out, W_out) = "
            f"{geom.out_shape}, got {tuple(dout.shape)}"
        )
    return dout.astype(np.result_type(dout.dtype, dtype), copy=False)
