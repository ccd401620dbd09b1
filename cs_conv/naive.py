"""Stage 1: convolution by nested loops, the plainest correct code.

A convolution layer (cross-correlation, as in every deep-learning library)
slides each filter ``w[f]`` over the zero-padded input and takes a dot
product at every output position::

    out[n, f, i, j] = b[f] + sum_{c, di, dj} x_pad[n, c, i*s + di, j*s + dj] * w[f, c, di, dj]

These loops are slow (Python does every multiply-add), but they are the
definition every faster stage must agree with.
"""

from __future__ import annotations

import numpy as np

from . import costs
from .geometry import conv_inputs, dout_input
from .padding import pad_input

__all__ = ["conv_backward", "conv_forward"]


def conv_forward(x, w, b, conv_param):
    """Forward pass of a convolution layer by four nested loops.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input batch.
    w : ndarray, shape (F, C, HH, WW)
        Filters.
    b : ndarray, shape (F,)
        One bias per filter.
    conv_param : dict
        ``{"stride": s, "pad": p}``; each an int or an ``(h, w)`` pair.

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        ``H_out = (H + 2*pad - HH) // stride + 1``, likewise ``W_out``.
    cache : tuple
        ``(x, w, b, conv_param)`` for :func:`conv_backward`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12.0).reshape(1, 1, 3, 4)
    >>> w = np.ones((1, 1, 2, 2))
    >>> out, _ = conv_forward(x, w, np.zeros(1), {"stride": 1, "pad": 0})
    >>> out[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.]])
    """
    x, w, b, g = conv_inputs(x, w, b, conv_param)
    F = w.shape[0]
    costs.check_stage("naive.conv_forward", g, F)
    x_pad = pad_input(x, g.pad)
    out = np.empty((g.N, F, g.H_out, g.W_out), dtype=x.dtype)
    for n in range(g.N):
        for f in range(F):
            for i in range(g.H_out):
                for j in range(g.W_out):
                    top, left = i * g.sh, j * g.sw
                    window = x_pad[n, :, top : top + g.HH, left : left + g.WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward(dout, cache):
    """Backward pass of :func:`conv_forward` by the same loops.

    Parameters
    ----------
    dout : ndarray, shape (N, F, H_out, W_out)
        Upstream gradient.
    cache : tuple
        The ``cache`` returned by :func:`conv_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)
    """
    x, w, b, conv_param = cache
    x, w, b, g = conv_inputs(x, w, b, conv_param)
    F = w.shape[0]
    costs.check_stage("naive.conv_backward", g, F)
    dout = dout_input(dout, g, F, x.dtype)
    x_pad = pad_input(x, g.pad)
    dx_pad = np.zeros_like(x_pad, dtype=dout.dtype)
    dw = np.zeros(w.shape, dtype=dout.dtype)
    db = np.zeros(F, dtype=dout.dtype)
    for n in range(g.N):
        for f in range(F):
            for i in range(g.H_out):
                for j in range(g.W_out):
                    top, left = i * g.sh, j * g.sw
                    d = dout[n, f, i, j]
                    window = (n, slice(None), slice(top, top + g.HH), slice(left, left + g.WW))
                    dx_pad[window] += d * w[f]
                    dw[f] += d * x_pad[window]
                    db[f] += d
    dx = dx_pad[:, :, g.ph : g.ph + g.H, g.pw : g.pw + g.W].copy()
    return dx, dw, db
