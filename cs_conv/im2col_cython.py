"""Stage 4: im2col and col2im by a compiled Cython kernel.

This module validates and documents; the loops live in the private
extension :mod:`cs_conv._im2col_cy` (typed memoryviews of a fused
float32/float64 type, ``Py_ssize_t`` indices, no bounds checks, the GIL
released).
The kernel rearranges each image plane once into what the filter taps read
(one strided pass, zeros for the padding), so that each tap of an image is
then one contiguous block copy; col2im runs the same in reverse and writes
every value of ``dx`` (see the extension's docstring).

Both functions return a fresh array, as users call them; ``out=`` writes into
a buffer of the caller's instead, which saves the allocation and the first
touch of fresh memory when the same shape is computed again and again.

The layout is the package's one layout, see :mod:`cs_conv.im2col_loops`.

Validation is complete but cheap: every call is validated by
:mod:`cs_conv.geometry`; for the common call (a float32/float64 array, plain
``int`` sizes) :func:`cs_conv.geometry.cached_sizes` memoises it, so a
repeated call costs a dictionary lookup instead of a few microseconds.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _im2col_cy, budget, costs
from ._validate import check_out
from .geometry import FLOAT_DTYPES, cached_sizes, col2im_inputs, im2col_inputs

__all__ = ["col2im", "get_num_threads", "im2col", "set_num_threads"]

_NUM_THREADS = 1


def set_num_threads(n: int) -> None:
    """Threads :mod:`cs_conv.layers` may use (default 1); see :func:`get_num_threads`.

    With ``n > 1`` :func:`im2col` and :func:`col2im` split the batch into
    ``n`` blocks of images, one kernel call per block in a thread pool (the
    kernels release the GIL).  :mod:`cs_conv.layers` splits a large batch
    into ``n`` ranges of images, each thread running its own im2col, matrix
    products and col2im, with BLAS pinned to one thread meanwhile (needs
    ``threadpoolctl``; without it the layer runs on one thread): a threaded
    kernel running beside threaded BLAS oversubscribes the cores.
    """
    global _NUM_THREADS
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of threads must be an int >= 1, got {n!r}")
    _NUM_THREADS = budget.check_threads(n)


def get_num_threads() -> int:
    """The thread count set by :func:`set_num_threads` (default 1)."""
    return _NUM_THREADS


_POOL = None
#: below this many cols elements a call is not worth splitting across threads
_MIN_PARALLEL = 1 << 16


def thread_pool(threads):
    """The package's thread pool, with at least ``threads`` workers."""
    global _POOL
    if _POOL is None or _POOL._max_workers < threads:
        _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cs_conv")
    return _POOL


def _im2col_kernel(x, cols, *args):
    _im2col_cy.im2col_into(x.reshape(-1), cols.reshape(-1), *args)


def _col2im_kernel(dx, cols, *args):  # col2im_into takes (cols, dx, ...)
    _im2col_cy.col2im_into(cols.reshape(-1), dx.reshape(-1), *args[:-1])


def images_kernel(forward, x, cols, g, row_stride, img_stride, offset=0, threads=None, stream=0):
    """Run the im2col (``forward``) or col2im kernel over ``x``'s images.

    ``x`` (for col2im: ``dx``) is C-contiguous ``(N, C, H, W)``; ``g`` its
    :class:`~cs_conv.geometry.KernelSizes`.  ``stream`` as in
    ``_im2col_cy.im2col_into`` (0: plain stores, for fresh outputs).  With
    more than one thread (see :func:`set_num_threads`) and enough work, the
    images are split into one contiguous block per thread; each block's
    kernel runs with the GIL released and touches only its own images' cells,
    so the blocks need no locking.
    """
    kernel = _im2col_kernel if forward else _col2im_kernel
    T = min(_NUM_THREADS if threads is None else threads, g.N)
    if T <= 1 or g.C * g.HH * g.WW * g.N * g.H_out * g.W_out < _MIN_PARALLEL:
        kernel(x, cols, *g, row_stride, img_stride, offset, stream)
        return
    bounds = [g.N * t // T for t in range(T + 1)]
    pool = thread_pool(T)
    futures = []
    for n0, n1 in itertools.pairwise(bounds):
        args = (n1 - n0, *g[1:], row_stride, img_stride, offset + n0 * img_stride, stream)
        futures.append(pool.submit(kernel, x[n0:n1], cols, *args))
    for f in futures:
        f.result()


def im2col(x, HH, WW, stride=1, pad=0, *, out=None):
    """:func:`cs_conv.im2col_loops.im2col` by a compiled kernel.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Any strides (non-contiguous views are copied once); float32 stays float32.
    HH, WW : int
    stride, pad : int or (int, int)
    out : ndarray, shape (C*HH*WW, N*H_out*W_out), optional
        Where to write ``cols``: C-contiguous, writeable, of ``x``'s float
        dtype, not overlapping ``x``.  Reusing one buffer across calls saves
        the allocation and the first touch of fresh memory (for a large
        ``cols``, about as long as the kernel itself); its old values do not
        matter.  Every value is written.

    Returns
    -------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)
        C-contiguous (``out`` when given).

    Raises
    ------
    ValueError, TypeError
        Bad ``x``, sizes, stride or pad (see :func:`cs_conv.geometry.conv_geometry`),
        or an ``out`` of the wrong shape, dtype or layout.

    Examples
    --------
    >>> import numpy as np
    >>> im2col(np.arange(6.0).reshape(1, 1, 2, 3), 2, 2, pad=(0, 1))[:, :2]
    array([[0., 0.],
           [0., 1.],
           [0., 3.],
           [3., 4.]])
    >>> buffer = np.empty((4, 4))
    >>> im2col(np.ones((1, 1, 2, 3)), 2, 2, pad=(0, 1), out=buffer) is buffer
    True
    """
    g = None
    if type(x) is np.ndarray and x.ndim == 4 and x.dtype in FLOAT_DTYPES:
        g = cached_sizes(x.shape, HH, WW, stride, pad, what="im2col_cython.im2col")
    if g is None:
        x, geom = im2col_inputs(x, HH, WW, stride, pad)
        costs.check_stage("im2col_cython", geom, what="im2col_cython.im2col")
        g = geom.sizes
    L = g.H_out * g.W_out
    shape = (g.C * g.HH * g.WW, g.N * L)
    if not x.flags.c_contiguous:
        budget.check_copy(x, "x", "a C-contiguous copy of")
        x = np.ascontiguousarray(x)
    if out is None:
        cols = np.empty(shape, dtype=x.dtype)
        images_kernel(True, x, cols, g, g.N * L, L)  # fresh memory: plain stores
        return cols
    check_out(out, shape, x.dtype, "out", "cols", x, "x")
    images_kernel(True, x, out, g, g.N * L, L, stream=-1)  # mapped: may stream
    return out


def col2im(cols, x_shape, HH, WW, stride=1, pad=0, *, out=None):
    """:func:`cs_conv.im2col_loops.col2im` by a compiled kernel.

    Parameters
    ----------
    cols : ndarray, shape (C*HH*WW, N*H_out*W_out)
    x_shape : tuple of 4 ints
    HH, WW : int
    stride, pad : int or (int, int)
    out : ndarray, shape x_shape, optional
        Where to write ``dx``: C-contiguous, writeable, of ``cols``'s float
        dtype, not overlapping ``cols``.  Its old values do not matter: every
        value is written (not added to).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``out`` when given.

    Raises
    ------
    ValueError, TypeError
        Bad ``cols``, sizes, stride or pad, ``cols`` not of the shape they
        give, or an ``out`` of the wrong shape, dtype or layout.

    Examples
    --------
    >>> import numpy as np
    >>> col2im(np.ones((4, 2)), (1, 1, 2, 3), 2, 2)[0, 0]
    array([[1., 2., 1.],
           [1., 2., 1.]])
    """
    g = None
    if (
        type(cols) is np.ndarray
        and cols.ndim == 2
        and cols.dtype in FLOAT_DTYPES
        and type(x_shape) is tuple
        and len(x_shape) == 4
        and all(type(d) is int for d in x_shape)
    ):
        g = cached_sizes(x_shape, HH, WW, stride, pad, what="im2col_cython.col2im")
        if g is not None and cols.shape != (g.C * g.HH * g.WW, g.N * g.H_out * g.W_out):
            g = None  # the full path raises the explanatory error
    if g is None:
        cols, geom = col2im_inputs(cols, x_shape, HH, WW, stride, pad)
        costs.check_stage("im2col_cython", geom, what="im2col_cython.col2im")
        g = geom.sizes
    L = g.H_out * g.W_out
    if not cols.flags.c_contiguous:
        budget.check_copy(cols, "cols", "a C-contiguous copy of")
        cols = np.ascontiguousarray(cols)
    if out is None:
        dx = np.empty((g.N, g.C, g.H, g.W), dtype=cols.dtype)  # every value is written
    else:
        dx = check_out(out, (g.N, g.C, g.H, g.W), cols.dtype, "out", "dx", cols, "cols")
    images_kernel(False, dx, cols, g, g.N * L, L)
    return dx
