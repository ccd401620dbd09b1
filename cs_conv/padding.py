"""Zero padding of the two spatial axes."""

from __future__ import annotations

import numpy as np

from . import costs
from ._validate import as_float_array, as_int_pair, check_ndim

__all__ = ["pad_input"]


def pad_input(x, pad):
    """Zero-pad the spatial axes ``H`` and ``W`` of ``x``; never ``N`` or ``C``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Input batch.  float32 stays float32; other real dtypes become float64.
    pad : int or (int, int)
        Zeros added on *each* side: ``pad`` or ``(pad_h, pad_w)``.

    Returns
    -------
    ndarray, shape (N, C, H + 2*pad_h, W + 2*pad_w)
        A new array (``x`` is never modified, even for ``pad=0``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((1, 1, 2, 3))
    >>> pad_input(x, 1)[0, 0]
    array([[0., 0., 0., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])
    >>> pad_input(x, (0, 2)).shape
    (1, 1, 2, 7)
    """
    x = as_float_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    ph, pw = as_int_pair(pad, "pad", minimum=0)
    N, C, H, W = x.shape
    costs.check_pad(x.shape, (ph, pw))
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, ph : ph + H, pw : pw + W] = x
    return out
