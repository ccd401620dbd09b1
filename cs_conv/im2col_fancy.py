"""Stage 3: im2col and col2im with NumPy fancy indexing.

Instead of looping over windows, build once three integer arrays
``(k, i, j)`` such that ``x_pad[:, k, i, j]`` gathers every window at once:
``k`` gives the channel of each row of ``cols``, ``i`` and ``j`` the padded
row and column of each (row, window) pair.  One gather replaces
``N*H_out*W_out`` Python iterations.

col2im scatters back with ``np.add.at``, which *accumulates* repeated
indices.  ``x_pad[:, k, i, j] += cols`` does not: with repeated indices
(overlapping windows) only one of the additions survives.

The layout is the package's one layout, see :mod:`cs_conv.im2col_loops`.
"""

from __future__ import annotations

import numpy as np

from . import costs
from .geometry import col2im_inputs, conv_geometry, im2col_inputs
from .padding import pad_input

__all__ = ["col2im", "im2col", "im2col_indices"]


def im2col_indices(x_shape, HH, WW, stride=1, pad=0):
    """Index arrays that gather every window of the padded input.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, C, H, W)`` of the unpadded input.
    HH, WW : int
        Filter height and width.
    stride, pad : int or (int, int)
        Stride and zero padding.

    Returns
    -------
    k : ndarray of intp, shape (C*HH*WW, 1)
        Channel of each row of ``cols``: ``k[r] = c`` for ``r = (c*HH + di)*WW + dj``.
    i : ndarray of intp, shape (C*HH*WW, H_out*W_out)
        ``i[r, p] = i_out*stride_h + di`` for window ``p = i_out*W_out + j_out``.
    j : ndarray of intp, shape (C*HH*WW, H_out*W_out)
        ``j[r, p] = j_out*stride_w + dj``.

    ``x_pad[:, k, i, j]`` then has shape ``(N, C*HH*WW, H_out*W_out)``.

    Examples
    --------
    >>> k, i, j = im2col_indices((1, 1, 2, 3), 2, 2)
    >>> k.ravel().tolist(), i.tolist(), j.tolist()
    ([0, 0, 0, 0], [[0, 0], [0, 0], [1, 1], [1, 1]], [[0, 1], [1, 2], [0, 1], [1, 2]])
    """
    g = conv_geometry(x_shape, HH, WW, stride, pad)
    costs.check_stage("im2col_fancy.im2col_indices", g)
    # filter taps (c, di, dj) in row order, as columns of shape (K, 1)
    c_tap, di_tap, dj_tap = np.meshgrid(
        np.arange(g.C), np.arange(g.HH), np.arange(g.WW), indexing="ij"
    )
    # output positions (i_out, j_out) in column order, as rows of shape (1, L)
    i_out, j_out = np.meshgrid(np.arange(g.H_out), np.arange(g.W_out), indexing="ij")
    k = c_tap.reshape(-1, 1).astype(np.intp)
    i = di_tap.reshape(-1, 1) + g.sh * i_out.reshape(1, -1)
    j = dj_tap.reshape(-1, 1) + g.sw * j_out.reshape(1, -1)
    return k, i.astype(np.intp), j.astype(np.intp)


def im2col(x, HH, WW, stride=1, pad=0):
    """:func:`cs_conv.im2col_loops.im2col` by one fancy-indexing gather.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    HH, WW : int
    stride, pad : int or (int, int)

    Returns
    -------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)

    Examples
    --------
    >>> import numpy as np
    >>> im2col(np.arange(6.0).reshape(1, 1, 2, 3), 2, 2)
    array([[0., 1.],
           [1., 2.],
           [3., 4.],
           [4., 5.]])
    """
    x, g = im2col_inputs(x, HH, WW, stride, pad)
    costs.check_stage("im2col_fancy.im2col", g)
    k, i, j = im2col_indices(g.x_shape, g.HH, g.WW, g.stride, g.pad)
    gathered = pad_input(x, g.pad)[:, k, i, j]  # (N, K, L)
    # n must be the slowest index of a column: move N next to L, then flatten
    return gathered.transpose(1, 0, 2).reshape(g.cols_shape)


def col2im(cols, x_shape, HH, WW, stride=1, pad=0):
    """:func:`cs_conv.im2col_loops.col2im` by one ``np.add.at`` scatter.

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
    costs.check_stage("im2col_fancy.col2im", g)
    k, i, j = im2col_indices(g.x_shape, g.HH, g.WW, g.stride, g.pad)
    x_pad = np.zeros((g.N, g.C, g.H + 2 * g.ph, g.W + 2 * g.pw), dtype=cols.dtype)
    per_image = cols.reshape(k.shape[0], g.N, -1).transpose(1, 0, 2)  # (N, K, L)
    np.add.at(x_pad, (slice(None), k, i, j), per_image)
    return x_pad[:, :, g.ph : g.ph + g.H, g.pw : g.pw + g.W].copy()
