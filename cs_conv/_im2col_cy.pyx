# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col/col2im kernels; the public wrapper is cs_conv.im2col_cython.

The wrapper validates every shape before calling in here, and passes
C-contiguous arrays, so these loops may skip bounds checks.

Layout (see cs_conv.im2col_loops):
    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] = x_pad[n, c, i*sh + di, j*sw + dj]

Loop order: for each row (c, di, dj) of cols, walk its columns in order, so
every write to cols is a contiguous run of W_out values.  Padding is never
materialised: for a fixed (di, dj) the output positions whose window tap
falls inside the image form one range [j_lo, j_hi) per image row, computed
once; outside it the tap reads a zero.
"""

cimport cython
from cython cimport floating
from libc.string cimport memcpy, memset


cdef inline void _valid_range(Py_ssize_t d, Py_ssize_t p, Py_ssize_t s,
                              Py_ssize_t size, Py_ssize_t n_out,
                              Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    """Output indices o with 0 <= o*s + d - p < size form [lo, hi)."""
    cdef Py_ssize_t first = p - d          # need o*s >= first
    cdef Py_ssize_t last = size - 1 + p - d  # need o*s <= last
    if first <= 0:
        lo[0] = 0
    else:
        lo[0] = (first + s - 1) // s
    if last < 0:
        hi[0] = 0
    else:
        hi[0] = last // s + 1
    if hi[0] > n_out:
        hi[0] = n_out
    if lo[0] > hi[0]:
        lo[0] = hi[0]


def im2col_kernel(const floating[:, :, :, ::1] x, floating[:, ::1] cols,
                  Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                  Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out):
    """Fill ``cols`` (every cell is written) from contiguous ``x``."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t c, di, dj, n, i, j, yy, row, j_lo, j_hi
    cdef floating *dst
    cdef const floating *src
    with nogil:
        for c in range(C):
            for di in range(HH):
                for dj in range(WW):
                    row = (c * HH + di) * WW + dj
                    _valid_range(dj, pw, sw, W, W_out, &j_lo, &j_hi)
                    for n in range(N):
                        for i in range(H_out):
                            dst = &cols[row, (n * H_out + i) * W_out]
                            yy = i * sh + di - ph
                            if yy < 0 or yy >= H or j_lo == j_hi:
                                memset(dst, 0, W_out * sizeof(floating))
                                continue
                            if j_lo > 0:
                                memset(dst, 0, j_lo * sizeof(floating))
                            if j_hi < W_out:
                                memset(dst + j_hi, 0, (W_out - j_hi) * sizeof(floating))
                            src = &x[n, c, yy, j_lo * sw + dj - pw]
                            if sw == 1:
                                memcpy(dst + j_lo, src, (j_hi - j_lo) * sizeof(floating))
                            else:
                                for j in range(j_hi - j_lo):
                                    dst[j_lo + j] = src[j * sw]


def col2im_kernel(const floating[:, ::1] cols, floating[:, :, :, ::1] dx,
                  Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                  Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out):
    """Add every cell of ``cols`` into zero-initialised, contiguous ``dx``.

    Cells that fall on the padding are dropped (that is the crop).
    """
    cdef Py_ssize_t N = dx.shape[0], C = dx.shape[1], H = dx.shape[2], W = dx.shape[3]
    cdef Py_ssize_t c, di, dj, n, i, j, yy, row, j_lo, j_hi
    cdef const floating *src
    cdef floating *dst
    with nogil:
        for c in range(C):
            for di in range(HH):
                for dj in range(WW):
                    row = (c * HH + di) * WW + dj
                    _valid_range(dj, pw, sw, W, W_out, &j_lo, &j_hi)
                    if j_lo == j_hi:
                        continue
                    for n in range(N):
                        for i in range(H_out):
                            yy = i * sh + di - ph
                            if yy < 0 or yy >= H:
                                continue
                            src = &cols[row, (n * H_out + i) * W_out]
                            dst = &dx[n, c, yy, j_lo * sw + dj - pw]
                            if sw == 1:
                                for j in range(j_hi - j_lo):
                                    dst[j] += src[j_lo + j]
                            else:
                                for j in range(j_hi - j_lo):
                                    dst[j * sw] += src[j_lo + j]
