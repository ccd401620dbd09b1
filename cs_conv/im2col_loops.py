"""Stage 2: im2col and col2im with Python loops over windows.

im2col copies every receptive field (window) of the padded input into one
column of a matrix ``cols``, so that the whole convolution becomes one matrix
product ``w.reshape(F, -1) @ cols``.  The layout (the same in every stage):

- ``cols`` has shape ``(C*HH*WW, N*H_out*W_out)``;
- row ``(c*HH + di)*WW + dj`` holds filter tap ``(c, di, dj)``, the order in
  which ``w.reshape(F, -1)`` flattens a filter;
- column ``(n*H_out + i)*W_out + j`` holds the window of output position
  ``(n, i, j)`` (``n`` slowest, ``j`` fastest);
- so ``cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j]
  == x_pad[n, c, i*stride + di, j*stride + dj]``.

col2im is the adjoint (transpose) of im2col: it sends every entry of
``cols`` back to the input pixel it came from and *adds* it there.
Windows overlap whenever ``stride < filter size``, so one pixel receives
several contributions; assigning instead of adding loses all but the last.
"""

from __future__ import annotations

import numpy as np

from . import costs
from .geometry import col2im_inputs, im2col_inputs
from .padding import pad_input

__all__ = ["col2im", "im2col"]


def im2col(x, HH, WW, stride=1, pad=0):
    """Unfold every ``HH x WW`` window of ``x`` into a column of ``cols``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input batch.
    HH, WW : int
        Filter height and width.
    stride, pad : int or (int, int)
        Stride (>= 1) and zero padding (>= 0), one value or an ``(h, w)`` pair.

    Returns
    -------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)
        ``cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j]
        = x_pad[n, c, i*stride + di, j*stride + dj]``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6.0).reshape(1, 1, 2, 3)
    >>> im2col(x, 2, 2)
    array([[0., 1.],
           [1., 2.],
           [3., 4.],
           [4., 5.]])
    """
    x, g = im2col_inputs(x, HH, WW, stride, pad)
    costs.check_stage("im2col_loops.im2col", g)
    x_pad = pad_input(x, g.pad)
    cols = np.empty(g.cols_shape, dtype=x.dtype)
    for n in range(g.N):
        for i in range(g.H_out):
            for j in range(g.W_out):
                top, left = i * g.sh, j * g.sw
                window = x_pad[n, :, top : top + g.HH, left : left + g.WW]
                cols[:, (n * g.H_out + i) * g.W_out + j] = window.reshape(-1)
    return cols


def col2im(cols, x_shape, HH, WW, stride=1, pad=0):
    """Fold ``cols`` back onto an image, adding where windows overlap.

    The adjoint of :func:`im2col`: ``<im2col(x), c> == <x, col2im(c)>``.

    Parameters
    ----------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)
        Columns in the layout of :func:`im2col`.
    x_shape : tuple of 4 ints
        ``(N, C, H, W)`` of the *unpadded* input.
    HH, WW : int
        Filter height and width.
    stride, pad : int or (int, int)
        As given to :func:`im2col`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Padding is cropped away (contributions that fell on it are dropped).

    Examples
    --------
    >>> import numpy as np
    >>> col2im(np.ones((4, 2)), (1, 1, 2, 3), 2, 2)[0, 0]
    array([[1., 2., 1.],
           [1., 2., 1.]])
    """
    cols, g = col2im_inputs(cols, x_shape, HH, WW, stride, pad)
    costs.check_stage("im2col_loops.col2im", g)
    x_pad = np.zeros((g.N, g.C, g.H + 2 * g.ph, g.W + 2 * g.pw), dtype=cols.dtype)
    for n in range(g.N):
        for i in range(g.H_out):
            for j in range(g.W_out):
                top, left = i * g.sh, j * g.sw
                column = cols[:, (n * g.H_out + i) * g.W_out + j]
                x_pad[n, :, top : top + g.HH, left : left + g.WW] += column.reshape(g.C, g.HH, g.WW)
    # slice with explicit ends: x_pad[..., p:-p] would be empty when p == 0
    return x_pad[:, :, g.ph : g.ph + g.H, g.pw : g.pw + g.W].copy()
