"""Stage 4: im2col and col2im by a compiled Cython kernel.

This module validates and documents; the loops live in the private
extension :mod:`cs_conv._im2col_cy` (typed memoryviews, fused
float32/float64, ``Py_ssize_t`` indices, no bounds checks, the GIL released).
The kernel never builds a padded copy of ``x``: for each filter tap it
computes which output positions read the image and writes zeros elsewhere.

The layout is the package's one layout, see :mod:`cs_conv.im2col_loops`.
"""

from __future__ import annotations

import numpy as np

from . import _im2col_cy
from .geometry import col2im_inputs, im2col_inputs

__all__ = ["col2im", "im2col"]


def im2col(x, HH, WW, stride=1, pad=0):
    """:func:`cs_conv.im2col_loops.im2col` by a compiled kernel.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Any strides (non-contiguous views are copied once); float32 stays float32.
    HH, WW : int
    stride, pad : int or (int, int)

    Returns
    -------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)
        C-contiguous.

    Examples
    --------
    >>> import numpy as np
    >>> im2col(np.arange(6.0).reshape(1, 1, 2, 3), 2, 2, pad=(0, 1))[:, :2]
    array([[0., 0.],
           [0., 1.],
           [0., 3.],
           [3., 4.]])
    """
    x, g = im2col_inputs(x, HH, WW, stride, pad)
    x = np.ascontiguousarray(x)
    cols = np.empty(g.cols_shape, dtype=x.dtype)
    _im2col_cy.im2col_kernel(x, cols, g.HH, g.WW, g.sh, g.sw, g.ph, g.pw, g.H_out, g.W_out)
    return cols


def col2im(cols, x_shape, HH, WW, stride=1, pad=0):
    """:func:`cs_conv.im2col_loops.col2im` by a compiled kernel.

    Parameters
    ----------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)
    x_shape : tuple of 4 ints
    HH, WW : int
    stride, pad : int or (int, int)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> col2im(np.ones((4, 2)), (1, 1, 2, 3), 2, 2)[0, 0]
    array([[1., 2., 1.],
           [1., 2., 1.]])
    """
    cols, g = col2im_inputs(cols, x_shape, HH, WW, stride, pad)
    cols = np.ascontiguousarray(cols)
    dx = np.zeros(g.x_shape, dtype=cols.dtype)
    _im2col_cy.col2im_kernel(cols, dx, g.HH, g.WW, g.sh, g.sw, g.ph, g.pw, g.H_out, g.W_out)
    return dx
