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

The ``"cython"`` backend computes the same products a few images at a time,
which saves full passes over memory:

* ``out[n]`` *is* ``w.reshape(F, -1) @ cols_n + b`` (``cols_n`` = image n's
  columns), so each product is written straight into ``out`` in its
  ``(N, F, H_out, W_out)`` order (no transpose copy), and the bias is added
  inside it (``[w | b] @ [cols_n; 1]``: a row of ones below ``cols``), not
  by one more pass over ``out``;
* the backward pass never builds the full ``dcols``: for a block of images it
  forms ``w.reshape(F, -1).T @ dout_n`` in a small reused buffer and adds it
  into ``dx`` with the col2im kernel while that buffer is still in cache;
* when ``cols`` would be larger than :data:`KEEP_COLS_BYTES`, the forward pass
  does not materialise it at all: each block's columns are built in a reused
  buffer (cache-sized), multiplied, and forgotten; ``LayerCache.cols`` is then
  ``None`` and the backward pass rebuilds each block's columns, which costs
  less than writing, keeping and re-reading a matrix of a gigabyte.

The matrix products are BLAS calls (NumPy's ``matmul`` over a stack of images),
except for layers of few channels and filters (one image's ``cols`` under
:data:`DIRECT_COLS_BYTES`, ``w`` under :data:`DIRECT_W_BYTES`): there the
forward pass is ``_im2col_cy.conv_forward_into``, which builds each image's
columns in a cache-sized scratch and multiplies them there by a small
register-tiled product (AVX-512/AVX2 where the CPU has them), writing
``out[n]`` and its bias in one pass.  For the course's CIFAR-sized layers
that is about twice as fast as ``cols`` plus BLAS in float32, where BLAS's
per-call cost on a 25x27 by 27x256 product dominates.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import NamedTuple

import numpy as np

from . import _im2col_cy, budget, costs, im2col_cython, im2col_fancy, im2col_loops
from .geometry import (
    FLOAT_DTYPES,
    KernelSizes,
    cached_sizes,
    conv_inputs,
    dout_input,
    plain_ints,
)
from .im2col_cython import images_kernel, thread_pool

__all__ = ["BACKENDS", "LayerCache", "conv_backward", "conv_forward"]

BACKENDS = {
    "loops": im2col_loops,
    "fancy": im2col_fancy,
    "cython": im2col_cython,
}


#: One image's columns up to this size (and w up to DIRECT_W_BYTES): the direct forward.
DIRECT_COLS_BYTES = 2**20
DIRECT_W_BYTES = 2**18
#: ... and keeps the whole cols (written, not in cache) for the backward up to this size.
DIRECT_KEEP_BYTES = 2**18
#: The cython backend keeps ``cols`` for the backward pass up to this size.
KEEP_COLS_BYTES = 4 * 2**20
# below this many cols values the direct forward runs on one thread
_MIN_SPLIT = 1 << 16
# below this many output values the bias is added by a separate (cheap) pass
_FUSE_BIAS_MIN = 1 << 14


class LayerCache(NamedTuple):
    """What :func:`conv_forward` keeps for :func:`conv_backward`.

    ``cols`` is the im2col matrix, or ``None`` when the ``"cython"`` backend
    chose to rebuild it in the backward pass (see :data:`KEEP_COLS_BYTES`).
    """

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    conv_param: dict
    cols: np.ndarray | None
    backend: str


def _backend(name):
    try:
        return BACKENDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"backend must be one of {sorted(BACKENDS)}, got {name!r}") from None


def _inputs(x, w, b, conv_param):
    """:func:`cs_conv.geometry.conv_inputs`, by the cached fast path for the common call.

    The common call (three NumPy arrays of one float dtype whose shapes agree,
    a plain ``{"stride": int, "pad": int}`` dict, ints or pairs of ints) is
    validated by :func:`cs_conv.geometry.cached_sizes`; anything else goes
    through :func:`cs_conv.geometry.conv_inputs`, which converts it or raises
    the explanatory error.  Returns ``(x, w, b, g)``, ``g`` the
    :class:`~cs_conv.geometry.KernelSizes`.
    """
    if (
        type(x) is np.ndarray
        and type(w) is np.ndarray
        and type(b) is np.ndarray
        and type(conv_param) is dict
        and len(conv_param) == 2
        and x.dtype in FLOAT_DTYPES
        and w.dtype == x.dtype
        and b.dtype == x.dtype
        and x.ndim == 4
        and w.ndim == 4
        and x.shape[1] == w.shape[1]
        and b.shape == w.shape[:1]
    ):
        stride = conv_param.get("stride")
        pad = conv_param.get("pad")
        if plain_ints(stride) and plain_ints(pad):
            F, _, HH, WW = w.shape
            g = cached_sizes(x.shape, HH, WW, stride, pad, "layers", F, what=_WHAT)
            if g is not None:
                return x, w, b, g
    x, w, b, geom = conv_inputs(x, w, b, conv_param)
    costs.check_stage("layers", geom, w.shape[0], what=_WHAT)
    return x, w, b, geom.sizes


_WHAT = "layers.conv_forward/backward"


def _images_per_block(N, K, L, itemsize):
    """Images per block: its columns (K, L each) take ~2 MiB, at least one image."""
    per_image = K * L * itemsize
    return min(N, max(1, (2 << 20) // max(per_image, 1)))


_BLAS = None


def _blas_one_thread():
    """A context pinning BLAS to one thread (threadpoolctl), or None without threadpoolctl."""
    global _BLAS
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    if _BLAS is None:
        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _run_split(func, N, args, blas=True):
    """``func(*args, n0, n1)`` over the images, split across threads when that pays.

    With :func:`cs_conv.im2col_cython.set_num_threads` ``T > 1``, the batch is
    cut into ``T`` ranges run by ``T`` threads at once, each doing its own
    im2col, products and col2im.  When ``func`` calls BLAS (``blas``), BLAS is
    pinned to one thread meanwhile (needs threadpoolctl, else one thread):
    one kind of parallelism at a time (threaded kernels beside threaded BLAS
    oversubscribe the cores).  Returns the list of results, one per range.
    """
    T = min(im2col_cython.get_num_threads(), N)
    pin = (_blas_one_thread() if blas else contextlib.nullcontext()) if T > 1 else None
    if pin is None:
        return [func(*args, 0, N)]
    bounds = [N * t // T for t in range(T + 1)]
    with pin:
        pool = thread_pool(T)
        futures = [pool.submit(func, *args, n0, n1) for n0, n1 in itertools.pairwise(bounds)]
        return [f.result() for f in futures]


def _forward_direct(x, w2, b, out, g, keep, n0, n1):
    """out[n0:n1] by the direct kernel (columns of one image at a time, in cache)."""
    if n1 - n0 < g.N:
        x, out = x[n0:n1], out[n0:n1]
    _im2col_cy.conv_forward_into(
        x.reshape(-1), w2.reshape(-1), b, out.reshape(-1), n1 - n0, *g[1:], keep
    )


def _forward_blocks(x, wb, out3, g, n0, n1):
    """out[n0:n1] block by block: columns in a reused buffer, then one product each."""
    K1, L = wb.shape[1], g.H_out * g.W_out
    m = _images_per_block(n1 - n0, K1, L, x.itemsize)
    buf = np.empty((m, K1, L), dtype=x.dtype)
    buf[:, K1 - 1] = 1
    for a in range(n0, n1, m):
        e = min(n1, a + m)
        images_kernel(True, x[a:e], buf, KernelSizes(e - a, *g[1:]), L, K1 * L, threads=1)
        np.matmul(wb, buf[: e - a], out=out3[a:e])


def _backward_blocks(x, w2t, d3, dx, g, cols, n0, n1):
    """dx[n0:n1] block by block; returns this range's part of dw (F, K).

    With ``cols`` None each block's columns are rebuilt first and give dw.
    """
    K, F, L = w2t.shape[0], w2t.shape[1], g.H_out * g.W_out
    m = _images_per_block(n1 - n0, K, L, dx.itemsize)
    buf = np.empty((m, K, L), dtype=dx.dtype)
    dw = np.zeros((F, K), dtype=dx.dtype)
    for a in range(n0, n1, m):
        e = min(n1, a + m)
        block = buf[: e - a]
        gb = KernelSizes(e - a, *g[1:])
        if cols is None:  # rebuild this block's columns, use them for dw
            images_kernel(True, x[a:e], buf, gb, L, K * L, threads=1)
            dw += np.matmul(d3[a:e], block.transpose(0, 2, 1)).sum(axis=0)
        np.matmul(w2t, d3[a:e], out=block)  # dcols of images a..e, (m, K, L)
        images_kernel(False, dx[a:e], buf, gb, L, K * L, threads=1)
    return dw


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
    if impl is not im2col_cython:
        x, w, b, geom = conv_inputs(x, w, b, conv_param)
        F = w.shape[0]
        costs.check_stage(f"layers.{backend}", geom, F, what="layers.conv_forward")
        cols = impl.im2col(x, geom.HH, geom.WW, geom.stride, geom.pad)
        out = w.reshape(F, -1) @ cols
        out += b[:, None]
        out = np.ascontiguousarray(
            out.reshape(F, geom.N, geom.H_out, geom.W_out).transpose(1, 0, 2, 3)
        )
        return out, LayerCache(x, w, b, conv_param, cols, backend)
    x, w, b, g = _inputs(x, w, b, conv_param)
    N, C, HH, WW, H_out, W_out = g.N, g.C, g.HH, g.WW, g.H_out, g.W_out
    F, K, L = w.shape[0], C * HH * WW, H_out * W_out
    if not x.flags.c_contiguous:
        budget.check_copy(x, "x", "a C-contiguous copy of")
        x = np.ascontiguousarray(x)
    out = np.empty((N, F, H_out, W_out), dtype=x.dtype)
    if K * L * x.itemsize <= DIRECT_COLS_BYTES and F * K * x.itemsize <= DIRECT_W_BYTES:
        w2 = w.reshape(F, K)
        w2 = w2 if w2.flags.c_contiguous else np.ascontiguousarray(w2)
        cols = keep = None
        if K * N * L * x.itemsize <= DIRECT_KEEP_BYTES:  # small: keep cols for the backward
            keep = np.empty(K * N * L + _im2col_cy.tile_values(x.itemsize), dtype=x.dtype)
            cols = keep[: K * N * L].reshape(K, N * L)
        args = (x, w2, np.ascontiguousarray(b), out, g, keep)
        if keep is None and N * K * L >= _MIN_SPLIT:
            _run_split(_forward_direct, N, args, blas=False)
        else:  # small layers: threads cost more than they save
            _forward_direct(*args, 0, N)
        return out, LayerCache(x, w, b, conv_param, cols, backend)
    out3 = out.reshape(N, F, L)
    if N * F * L < _FUSE_BIAS_MIN:  # small: fewer calls beat one pass less
        cols = np.empty((K, N * L), dtype=x.dtype)
        images_kernel(True, x, cols, g, N * L, L, threads=1)
        np.matmul(w.reshape(F, K), cols.reshape(K, N, L).transpose(1, 0, 2), out=out3)
        out3 += b[:, None]
        return out, LayerCache(x, w, b, conv_param, cols, backend)
    # the bias rides in the product: [w2 | b] @ [cols; ones] = w2 @ cols + b
    wb = np.concatenate((w.reshape(F, K), b[:, None]), axis=1)
    if K * N * L * x.itemsize <= KEEP_COLS_BYTES:
        cols1 = np.empty((K + 1, N * L), dtype=x.dtype)
        cols1[K] = 1
        images_kernel(True, x, cols1, g, N * L, L, threads=1)
        # out[n] = [w2 | b] @ [cols_n; 1]: one BLAS product per image, written in place
        np.matmul(wb, cols1.reshape(K + 1, N, L).transpose(1, 0, 2), out=out3)
        cols = cols1[:K]
    else:
        cols = None
        _run_split(_forward_blocks, N, (x, wb, out3, g))
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
    x, w, b, g = _inputs(x, w, b, conv_param)
    N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out = g
    F, K, L = w.shape[0], C * HH * WW, H_out * W_out
    if not (
        type(dout) is np.ndarray and dout.dtype == x.dtype and dout.shape == (N, F, H_out, W_out)
    ):  # else dout_input would return dout unchanged
        dout = dout_input(dout, conv_inputs(x, w, b, conv_param)[3], F, x.dtype)
    if (cols is None and impl is not im2col_cython) or (
        cols is not None and cols.shape != (K, N * L)
    ):
        shape = None if cols is None else cols.shape
        raise ValueError(
            f"cache.cols has shape {shape}, expected {(K, N * L)}: "
            "pass the cache returned by conv_forward unchanged"
        )
    if impl is not im2col_cython:
        d = dout.transpose(1, 0, 2, 3).reshape(F, -1)
        db = dout.sum(axis=(0, 2, 3))
        dw = (d @ cols.T).reshape(w.shape)
        dcols = w.reshape(F, -1).T @ d
        dx = impl.col2im(dcols, (N, C, H, W), HH, WW, (sh, sw), (ph, pw))
        return dx, dw, db
    dtype = dout.dtype  # float64 if either dout or the inputs are
    w2 = w.reshape(F, K).astype(dtype, copy=False)
    d3 = np.ascontiguousarray(dout).reshape(N, F, L)
    db = d3.sum(axis=(0, 2))
    dx = np.empty((N, C, H, W), dtype=dtype)  # col2im writes every value
    if cols is not None:  # small: one thread
        # dw = sum_n dout_n @ cols_n.T: one product per image, summed
        cols = cols.astype(dtype, copy=False)
        dw = np.matmul(d3, cols.reshape(K, N, L).transpose(1, 2, 0)).sum(axis=0)
        _backward_blocks(None, w2.T, d3, dx, g, cols, 0, N)
    else:
        xd = x if x.flags.c_contiguous else np.ascontiguousarray(x)
        xd = xd.astype(dtype, copy=False)
        dw = sum(_run_split(_backward_blocks, N, (xd, w2.T, d3, dx, g, None)))
    return dx, dw.reshape(w.shape), db
