"""Max pooling through im2col and col2im (the package's compiled kernels).

Pooling works on each ``(n, c)`` plane alone, so the batch is seen as
``N*C`` images of one channel: ``x.reshape(N*C, 1, H, W)``.  im2col of that
batch with a ``PH x PW`` "filter" puts every window in one column::

    cols = im2col(x.reshape(N*C, 1, H, W), PH, PW, stride, 0)  # (PH*PW, N*C*H_out*W_out)

Column ``((n*C + c)*H_out + i)*W_out + j`` is the window of output
``(n, c, i, j)`` and row ``di*PW + dj`` its tap ``(di, dj)``, so the forward
is a maximum down each column, and ``out`` is its reshape to
``(N, C, H_out, W_out)``.  The backward puts each window's gradient in the
row of its maximum (``dcols[arg, col] = dout``) and lets col2im, the adjoint
of im2col, add the columns back onto the planes.

Ties: the same convention as :mod:`cs_conv.pooling`.  ``cols.argmax(axis=0)``
picks the first maximum of a column, which is the first in row-major window
order; only that position receives the window's gradient, and col2im *adds*
the gradients of overlapping windows that share a maximum.
"""

from __future__ import annotations

import numpy as np

from . import costs
from .im2col_cython import col2im, im2col
from .pool_geometry import pool_dout, pool_inputs

__all__ = ["max_pool_backward", "max_pool_forward"]


def max_pool_forward(x, pool_param):
    """Forward pass of max pooling: one im2col, a maximum down each column.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input batch; float32 stays float32, other real dtypes become float64.
        Never modified; any strides.
    pool_param : dict
        ``{"pool_height": PH, "pool_width": PW, "stride": s}``; ``s`` an int or
        an ``(h, w)`` pair that tiles the input: ``(H - PH) % s == 0``.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``H_out = (H - PH) // s + 1``, likewise ``W_out``.
    cache : tuple
        ``(x, pool_param, arg)`` for :func:`max_pool_backward`; ``arg``, shape
        ``(N*C*H_out*W_out,)``, is the row of cols holding each window's first
        maximum.

    Raises
    ------
    ValueError, TypeError
        As :func:`cs_conv.pooling.max_pool_forward`; the budget refuses a
        call whose cols (``PH*PW`` times the output), ``arg`` and ``out`` do
        not fit in memory together (an ImageNet batch with a 2x2 pool, stride 2,
        needs 2.3 GiB).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[1.0, 3, 2, 0], [4, 0, 1, 1], [0, 2, 5, 5]]]])
    >>> out, (_, _, arg) = max_pool_forward(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    >>> out[0, 0]
    array([[4., 3., 2.],
           [4., 5., 5.]])
    >>> arg  # tap di*PW + dj of each window's first maximum
    array([2, 0, 0, 0, 3, 2])
    """
    x, g = pool_inputs(x, pool_param)
    stage = "pooling_im2col.max_pool_forward"  # cols, arg and out (and a copy of a view)
    costs.check_stage(stage if x.flags.c_contiguous else f"{stage} of a view", g, what=stage)
    planes = x.reshape(g.N * g.C, 1, g.H, g.W)
    cols = im2col(planes, g.PH, g.PW, g.stride, 0)
    arg, out = column_maxima(cols)
    return out.reshape(g.out_shape), (x, pool_param, arg)


#: elements of cols whose maxima :func:`column_maxima` finds at once
BLOCK = 1 << 18


def column_maxima(cols):
    """``(arg, out)``: the row of each column's first maximum, and that maximum.

    ``cols.argmax(axis=0)`` would copy the whole of ``cols`` transposed first
    (NumPy's argmax reduces along the last axis), doubling the memory of the
    forward; a block of :data:`BLOCK` elements at a time does not.

    Examples
    --------
    >>> import numpy as np
    >>> column_maxima(np.array([[1.0, 5.0, np.nan], [3.0, 5.0, 2.0]]))
    (array([1, 0, 0]), array([ 3.,  5., nan]))
    """
    K, L = cols.shape
    arg = np.empty(L, dtype=np.intp)
    out = np.empty(L, dtype=cols.dtype)
    step = max(1, BLOCK // K)
    columns = np.arange(min(step, L))
    for a in range(0, L, step):
        part = cols[:, a : a + step]
        rows = part.argmax(axis=0)
        arg[a : a + step] = rows
        out[a : a + step] = part[rows, columns[: part.shape[1]]]
    return arg, out


def max_pool_backward(dout, cache):
    """Backward pass of :func:`max_pool_forward`: route, then one col2im.

    Each window's gradient goes to the first maximum of the window (row-major
    window order), never to the other maxima of a tie; col2im adds the
    gradients of overlapping windows that share a maximum.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out)
        Upstream gradient.
    cache : tuple
        The ``(x, pool_param, arg)`` returned by :func:`max_pool_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        float64 unless both ``x`` and ``dout`` are float32.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[1.0, 5.0, 5.0, 2.0]]]])
    >>> out, cache = max_pool_forward(x, {"pool_height": 1, "pool_width": 2, "stride": 1})
    >>> max_pool_backward(np.array([[[[10.0, 1.0, 100.0]]]]), cache)[0, 0]
    array([[  0.,  11., 100.,   0.]])
    """
    if not isinstance(cache, tuple) or len(cache) != 3:
        size = f" of {len(cache)} items" if isinstance(cache, (tuple, list)) else ""
        raise TypeError(
            "cache must be the (x, pool_param, arg) tuple that this module's "
            f"max_pool_forward returned, got a {type(cache).__name__}{size}"
        )
    x, pool_param, arg = cache
    x, g = pool_inputs(x, pool_param)
    costs.check_stage("pooling_im2col.max_pool_backward", g)  # dcols and dx
    dout = pool_dout(dout, g, x.dtype)
    L = g.N * g.C * g.H_out * g.W_out
    arg = np.asarray(arg)
    ok = arg.shape == (L,) and arg.dtype.kind in "iu"
    if not (ok and arg.min() >= 0 and arg.max() < g.PH * g.PW):
        raise ValueError(
            f"cache's arg must be the ({L},) integer array of rows in [0, {g.PH * g.PW}) "
            f"that max_pool_forward returned, got {arg.dtype} of shape {arg.shape}"
        )
    dcols = np.zeros((g.PH * g.PW, L), dtype=dout.dtype)
    dcols[arg, np.arange(L)] = dout.reshape(-1)
    planes = col2im(dcols, (g.N * g.C, 1, g.H, g.W), g.PH, g.PW, g.stride, 0)
    return planes.reshape(g.x_shape)
