"""Max pooling by loops: the definition every faster version must agree with.

Each ``(n, c)`` plane is pooled on its own: the output at ``(n, c, i, j)`` is
the largest value of the window of ``PH`` rows and ``PW`` columns whose
top-left corner is ``(i*stride, j*stride)``::

    out[n, c, i, j] = max(x[n, c, i*s : i*s + PH, j*s : j*s + PW])

``pool_param`` is ``{"pool_height": PH, "pool_width": PW, "stride": s}``
(CS231n's names; ``s`` an int or an ``(h, w)`` pair), without padding, and
``H_out = (H - PH) // s + 1`` (likewise ``W_out``); the stride must tile the
input (see :mod:`cs_conv.pool_geometry`).

The gradient of a maximum flows to the one input that *is* the maximum.  When
several inputs of a window tie at the maximum, this package (like
``np.argmax`` over the flattened window and PyTorch's ``max_pool2d``) sends
the window's whole gradient to the **first** of them in row-major window
order, and to none of the others.  When windows overlap (``stride < PH`` or
``stride < PW``) one input can be the maximum of several windows; it then
receives the **sum** of their gradients.
"""

from __future__ import annotations

import numpy as np

from . import costs
from .pool_geometry import pool_dout, pool_inputs

__all__ = ["max_pool_backward", "max_pool_forward"]


def max_pool_forward(x, pool_param):
    """Forward pass of max pooling by four nested loops.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input batch; float32 stays float32, other real dtypes become float64.
        Never modified.
    pool_param : dict
        ``{"pool_height": PH, "pool_width": PW, "stride": s}``; ``s`` an int or
        an ``(h, w)`` pair that tiles the input: ``(H - PH) % s == 0``.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``H_out = (H - PH) // s + 1``, likewise ``W_out``; each entry is the
        maximum of its window (ties do not matter here).
    cache : tuple
        ``(x, pool_param)`` for :func:`max_pool_backward`.

    Raises
    ------
    ValueError
        ``x`` is not 4-D, a key of ``pool_param`` is missing or unknown, a size
        is not positive, the pool is larger than the image, or the stride does
        not tile it.
    cs_conv.budget.BudgetError
        (a ``ValueError``) The loops would run longer than the time budget (a
        few microseconds a window: an ImageNet batch takes minutes) or the
        output would not fit the memory budget; the message gives a smaller
        call that fits (the batch in chunks).
    TypeError
        A size is not an integer, or ``x`` is complex or not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[1.0, 3, 2, 0], [4, 0, 1, 1], [0, 2, 5, 5]]]])
    >>> out, _ = max_pool_forward(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    >>> out[0, 0]
    array([[4., 3., 2.],
           [4., 5., 5.]])
    """
    x, g = pool_inputs(x, pool_param)
    costs.check_stage("pooling.max_pool_forward", g)  # a few microseconds a window
    out = np.empty(g.out_shape, dtype=x.dtype)
    for n in range(g.N):
        for c in range(g.C):
            for i in range(g.H_out):
                for j in range(g.W_out):
                    top, left = i * g.sh, j * g.sw
                    out[n, c, i, j] = x[n, c, top : top + g.PH, left : left + g.PW].max()
    return out, (x, pool_param)


def max_pool_backward(dout, cache):
    """Backward pass of :func:`max_pool_forward` by the same loops.

    Each window's gradient ``dout[n, c, i, j]`` goes to **one** input: the first
    maximum of the window in row-major order (``np.argmax`` of the flattened
    window), never to the other maxima of a tie.  An input that is the chosen
    maximum of several overlapping windows receives the sum of their gradients.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out)
        Upstream gradient.
    cache : tuple
        The ``(x, pool_param)`` returned by :func:`max_pool_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        float64 unless both ``x`` and ``dout`` are float32.

    Examples
    --------
    The second window ``[5, 5]`` is a tie: its gradient 1 goes to its first 5,
    which is also the maximum of the first window and so receives 10 + 1:

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 5.0, 5.0, 2.0]]]])
    >>> out, cache = max_pool_forward(x, {"pool_height": 1, "pool_width": 2, "stride": 1})
    >>> out[0, 0]
    array([[5., 5., 5.]])
    >>> max_pool_backward(np.array([[[[10.0, 1.0, 100.0]]]]), cache)[0, 0]
    array([[  0.,  11., 100.,   0.]])
    """
    if not isinstance(cache, tuple) or len(cache) != 2:
        raise TypeError(
            "cache must be the (x, pool_param) tuple that max_pool_forward returned, "
            f"got {_what(cache)}"
        )
    x, pool_param = cache
    x, g = pool_inputs(x, pool_param)
    costs.check_stage("pooling.max_pool_backward", g)
    dout = pool_dout(dout, g, x.dtype)
    dx = np.zeros(g.x_shape, dtype=dout.dtype)
    for n in range(g.N):
        for c in range(g.C):
            for i in range(g.H_out):
                for j in range(g.W_out):
                    top, left = i * g.sh, j * g.sw
                    window = x[n, c, top : top + g.PH, left : left + g.PW]
                    di, dj = divmod(int(np.argmax(window)), g.PW)  # the first maximum
                    dx[n, c, top + di, left + dj] += dout[n, c, i, j]
    return dx


def _what(obj) -> str:
    """``a tuple of 3 items``, ``a dict``: what was passed where a cache belongs."""
    size = f" of {len(obj)} items" if isinstance(obj, (tuple, list)) else ""
    return f"a {type(obj).__name__}{size}"
