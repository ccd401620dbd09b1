# cython: language_level=3
"""The "typical student" Cython peer, written the way the CS231n notebooks do.

Deliberately textbook: generic-stride memoryviews, ``int`` indices, a padded
copy made by ``np.pad``, the output made by ``np.zeros``, then one element at
a time, window after window (so every write to ``cols`` jumps a whole row).
Bounds and wraparound checks are off, as in the notebooks.  It produces the
package's layout, so its output can be checked against ours.

Built at run time by :mod:`cs_conv.bench.peers`; never installed.
"""

cimport cython
from cython cimport floating

import numpy as np


@cython.boundscheck(False)
@cython.wraparound(False)
cdef void _im2col_inner(floating[:, :, :, :] x_padded, floating[:, :] cols,
                        int N, int C, int HH, int WW, int H_out, int W_out,
                        int stride_h, int stride_w):
    cdef int n, i, j, c, p, q, k
    cdef int itr = 0
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                k = 0
                for c in range(C):
                    for p in range(HH):
                        for q in range(WW):
                            cols[k, itr] = x_padded[n, c, i * stride_h + p, j * stride_w + q]
                            k += 1
                itr += 1


def im2col_textbook(floating[:, :, :, :] x, int HH, int WW,
                    int stride_h, int stride_w, int pad_h, int pad_w):
    """cols (C*HH*WW, N*H_out*W_out) from x (N, C, H, W), textbook style."""
    cdef int N = x.shape[0]
    cdef int C = x.shape[1]
    cdef int H = x.shape[2]
    cdef int W = x.shape[3]
    cdef int H_out = (H + 2 * pad_h - HH) // stride_h + 1
    cdef int W_out = (W + 2 * pad_w - WW) // stride_w + 1
    dtype = np.float32 if floating is float else np.float64
    cdef floating[:, :, :, :] x_padded = np.pad(
        np.asarray(x), ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)), mode="constant")
    cdef floating[:, :] cols = np.zeros((C * HH * WW, N * H_out * W_out), dtype=dtype)
    _im2col_inner(x_padded, cols, N, C, HH, WW, H_out, W_out, stride_h, stride_w)
    return np.asarray(cols)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef void _col2im_inner(floating[:, :] cols, floating[:, :, :, :] x_padded,
                        int N, int C, int HH, int WW, int H_out, int W_out,
                        int stride_h, int stride_w):
    cdef int n, i, j, c, p, q, k
    cdef int itr = 0
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                k = 0
                for c in range(C):
                    for p in range(HH):
                        for q in range(WW):
                            x_padded[n, c, i * stride_h + p, j * stride_w + q] += cols[k, itr]
                            k += 1
                itr += 1


def col2im_textbook(floating[:, :] cols, int N, int C, int H, int W, int HH, int WW,
                    int stride_h, int stride_w, int pad_h, int pad_w):
    """dx (N, C, H, W) from cols, textbook style: add into a padded zero array, crop."""
    cdef int H_out = (H + 2 * pad_h - HH) // stride_h + 1
    cdef int W_out = (W + 2 * pad_w - WW) // stride_w + 1
    dtype = np.float32 if floating is float else np.float64
    x_padded = np.zeros((N, C, H + 2 * pad_h, W + 2 * pad_w), dtype=dtype)
    cdef floating[:, :, :, :] xp = x_padded
    _col2im_inner(cols, xp, N, C, HH, WW, H_out, W_out, stride_h, stride_w)
    return x_padded[:, :, pad_h:pad_h + H, pad_w:pad_w + W]
