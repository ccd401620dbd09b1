"""Stage 5: a convolution layer as im2col plus one matrix product (GEMM).

Forward::

    cols = im2col(x)                          # (C*HH*WW, N*H_out*W_out)
    out  = w.reshape(F, -1) @ cols + b[:, None]   # (F, N*H_out*W_out)
    out  = out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)

Backward, with ``d = dout.transpose(1, 0, 2, 3).reshape(F, -1)`` (F first,
then the columns of ``cols`` in their order ``(n, i, j)``)::

    db = dout.sum(axis=(0, 2, 3))
    dw = (d @ cols.T).reshape(w.shape)
    dx = col2im(w.reshape(F, -1).T @ d)

``backend`` picks the im2col/col2im pair: ``"loops"``
(:mod:`cs_conv.im2col_loops`), ``"fancy"`` (:mod:`cs_conv.im2col_fancy`) or
``"cython"`` (:mod:`cs_conv.im2col_cython`, the default).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import im2col_cython, im2col_fancy, im2col_loops
from .geometry import conv_inputs, dout_input

__all__ = ["BACKENDS", "LayerCache", "conv_backward", "conv_forward"]

BACKENDS = {
    "loops": im2col_loops,
    "fancy": im2col_fancy,
    "cython": im2col_cython,
}


class LayerCache(NamedTuple):
    """What :func:`conv_forward` keeps for :func:`conv_backward`."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    conv_param: dict
    cols: np.ndarray
    backend: str


def _backend(name):
    try:
        return BACKENDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"backend must be one of {sorted(BACKENDS)}, got {name!r}") from None


def conv_forward(x, w, b, conv_param, backend="cython"):
    """Forward pass of a convolution layer by im2col and one GEMM.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, HH, WW)
    b : ndarray, shape (F,)
    conv_param : dict
        ``{"stride": s, "pad": p}``; each an int or an ``(h, w)`` pair.
    backend : {"cython", "fancy", "loops"}
        Which im2col implementation to use.

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        C-contiguous, of the inputs' common float dtype.
    cache : LayerCache
        For :func:`conv_backward`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12.0).reshape(1, 1, 3, 4)
    >>> out, _ = conv_forward(x, np.ones((1, 1, 2, 2)), np.zeros(1), {"stride": 1, "pad": 0})
    >>> out[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.]])
    """
    impl = _backend(backend)
    x, w, b, g = conv_inputs(x, w, b, conv_param)
    F = w.shape[0]
    cols = impl.im2col(x, g.HH, g.WW, g.stride, g.pad)
    out = w.reshape(F, -1) @ cols
    out += b[:, None]
    out = np.ascontiguousarray(out.reshape(F, g.N, g.H_out, g.W_out).transpose(1, 0, 2, 3))
    return out, LayerCache(x, w, b, conv_param, cols, backend)


def conv_backward(dout, cache):
    """Backward pass of :func:`conv_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, F, H_out, W_out)
        Upstream gradient.
    cache : LayerCache
        From :func:`conv_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)
    """
    x, w, b, conv_param, cols, backend = cache
    impl = _backend(backend)
    x, w, b, g = conv_inputs(x, w, b, conv_param)
    F = w.shape[0]
    dout = dout_input(dout, g, F, x.dtype)
    if cols.shape != g.cols_shape:
        raise ValueError(
            f"cache.cols has shape {cols.shape}, expected {g.cols_shape}: "
            "pass the cache returned by conv_forward unchanged"
        )
    d = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    db = dout.sum(axis=(0, 2, 3))
    dw = (d @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T @ d
    dx = impl.col2im(dcols, g.x_shape, g.HH, g.WW, g.stride, g.pad)
    return dx, dw, db
