# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col/col2im kernels and the direct layer; wrapped by cs_conv.im2col_cython.

The wrappers validate every shape before calling in here and pass flat
C-contiguous views; the entry points take typed memoryviews of one fused
float type (``const floating[::1]``: one compiled loop for float32, one for
float64) and still check that they are large enough for the sizes given, so
a wrong call raises instead of touching memory it does not own.

Layout (see cs_conv.im2col_loops), with two strides so that the same kernel
fills both the public ``cols`` and the per-image blocks of the layer::

    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] = x_pad[n, c, i*sh + di, j*sw + dj]
    element (row, n, i, j) lives at  offset + row*row_stride + n*img_stride + i*W_out + j

``row_stride = N*H_out*W_out, img_stride = H_out*W_out`` is the public layout;
``row_stride >= H_out*W_out, img_stride = C*HH*WW*row_stride`` a stack of
per-image matrices.

**Planes.**  A tap (di, dj) reads ``x_pad`` at rows ``i*sh + di`` and columns
``j*sw + dj``: strided, with padding at the edges.  So each (n, c) plane is
first rearranged, once, into what the taps read:

* im2col: ``Q[dj, pi, q, j] = x_pad[q*sh + pi, j*sw + dj]``, one strided
  gather per input row and tap column (pi < min(sh, HH) is the row's phase).
  Tap (di, dj) of the image is then the block ``Q[dj, di % sh]`` from row
  ``di // sh`` on: ``H_out*W_out`` consecutive values, one copy, with no edge
  test and no stride left.  Q's padding is zeroed once per call.
* col2im runs it backwards with the phase planes
  ``D[pi, pj, q, t] <-> x_pad[q*sh + pi, t*sw + pj]``: each tap adds its
  ``H_out`` runs of ``W_out`` values into D (zeroed), then every value of the
  plane of ``dx`` is written once from D (interleaving the column phases), so
  ``dx`` need not be zeroed first.

Loop order: blocks of images whose planes take about ``PLANES_BYTES`` (so
they stay in cache), channel, tap, image: each row of ``cols`` is written in
runs of a block's images.  The copies, gathers and adds of runs are the short
C loops of ``_kernel_simd.h`` (compiled for AVX-512, AVX2 and SSE2).  Every
loop runs without the GIL.

**The direct layer** (:func:`conv_forward_into`) builds one image's columns in
a scratch matrix that stays in cache and multiplies it there by the small
product of ``_gemm_simd.h``, writing ``out[n]`` and its bias: for few
channels this beats materialising ``cols`` and calling BLAS per image.
"""

from cython cimport floating
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy, memset


cdef extern from "_kernel_simd.h":
    void cs_nt_copy(void *dst, const void *src, Py_ssize_t nbytes, int isz) noexcept nogil
    void cs_sfence() noexcept nogil
    void cs_add_rows(void *dst, const void *src, Py_ssize_t rows, Py_ssize_t n, Py_ssize_t pitch,
                     int isz) noexcept nogil
    void cs_interleave2(void *dst, const void *a, const void *b, Py_ssize_t n, int isz) noexcept nogil
    void cs_gather_taps(void *q, Py_ssize_t pitch, const void *x, Py_ssize_t taps, Py_ssize_t step,
                        Py_ssize_t pad, const Py_ssize_t *lo, const Py_ssize_t *hi,
                        int isz) noexcept nogil

cdef extern from "_gemm_simd.h":
    int CS_GEMM_TILE_BYTES
    void cs_gemm_bias(const void *w, const void *b, const void *c, Py_ssize_t ldc, void *out,
                      Py_ssize_t F, Py_ssize_t K, Py_ssize_t L, int isz) noexcept nogil

# im2col outputs at least this large are written with streaming stores
cdef Py_ssize_t STREAM_BYTES = 64 * 1024 * 1024
# the planes of one block of images take about this many bytes (below malloc's
# mmap threshold, so the scratch is not mapped and faulted in afresh every call)
cdef Py_ssize_t PLANES_BYTES = 96 * 1024


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


cdef inline void _copy(floating *dst, const floating *src, Py_ssize_t n,
                       bint stream) noexcept nogil:
    """A run of n values, with streaming stores when asked."""
    if stream:
        cs_nt_copy(dst, src, n * sizeof(floating), sizeof(floating))
    else:
        memcpy(dst, src, n * sizeof(floating))


# --------------------------------------------------------------------------- planes


cdef struct Planes:
    # one image's planes P[a, b, q, t] (a < A, b < B, q < Hq, t < Wt), size values
    Py_ssize_t A, B, Hq, Wt, size


cdef inline Planes _tap_planes(Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh,
                               Py_ssize_t H_out, Py_ssize_t W_out) noexcept nogil:
    """im2col's: Q[dj, pi, q, j] = x_pad[q*sh + pi, j*sw + dj] (pi < min(sh, HH))."""
    cdef Planes p
    p.A = WW
    p.B = min(sh, HH)  # row phases no tap reads (stride > filter) are left out
    p.Hq = H_out + (HH - 1) // sh
    p.Wt = W_out
    p.size = p.A * p.B * p.Hq * p.Wt
    return p


cdef inline Planes _phase_planes(Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                                 Py_ssize_t H_out, Py_ssize_t W_out) noexcept nogil:
    """col2im's: D[pi, pj, q, t] sums what lands on x_pad[q*sh + pi, t*sw + pj]."""
    cdef Planes p
    p.A = min(sh, HH)
    p.B = min(sw, WW)
    p.Hq = H_out + (HH - 1) // sh
    p.Wt = W_out + (WW - 1) // sw
    p.size = p.A * p.B * p.Hq * p.Wt
    return p


cdef void _fill_tap_planes(const floating *plane, floating *Q, const Py_ssize_t *lo,
                           const Py_ssize_t *hi, Planes p, Py_ssize_t H, Py_ssize_t W,
                           Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph,
                           Py_ssize_t pw) noexcept nogil:
    """Q of one (n, c) plane (see :func:`_tap_planes`).

    Only the values that read the image are written: Q's padding (rows and
    the ends of rows) was zeroed once by the caller and nothing else writes
    it.  ``lo[dj], hi[dj]``: the columns j of tap column dj that read the image.
    """
    cdef Py_ssize_t pi, q, r
    for q in range(p.Hq):  # rows of x in order
        for pi in range(p.B):
            r = q * sh + pi - ph
            if 0 <= r < H:
                cs_gather_taps(Q + (pi * p.Hq + q) * p.Wt, p.B * p.Hq * p.Wt, plane + r * W,
                               p.A, sw, pw, lo, hi, sizeof(floating))


cdef void _merge_phase_planes(const floating *D, floating *plane, floating *R, Planes p,
                              Py_ssize_t H, Py_ssize_t W, Py_ssize_t sh, Py_ssize_t sw,
                              Py_ssize_t ph, Py_ssize_t pw) noexcept nogil:
    """plane[r, w] = D[pi, pj, q, t] where r + ph = q*sh + pi, w + pw = t*sw + pj.

    Writes every value of the (n, c) plane of dx once; positions that no
    window reaches (a stride larger than the filter) get zeros.  ``R``: a
    scratch row of ``Wt*sw`` values.
    """
    cdef Py_ssize_t r, q, pi, pj, t
    cdef const floating *s
    cdef floating *d
    for r in range(H):
        q = (r + ph) // sh
        pi = (r + ph) - q * sh
        d = plane + r * W
        if pi >= p.A:
            memset(d, 0, W * sizeof(floating))
            continue
        s = D + (pi * p.B * p.Hq + q) * p.Wt  # phase (pi, 0), row q
        if sw == 1:
            memcpy(d, s + pw, W * sizeof(floating))
            continue
        if sw == 2 and p.B == 2:
            cs_interleave2(R, s, s + p.Hq * p.Wt, p.Wt, sizeof(floating))
        else:
            for t in range(p.Wt * sw):
                R[t] = 0
            for pj in range(p.B):
                for t in range(p.Wt):
                    R[t * sw + pj] = s[pj * p.Hq * p.Wt + t]
        memcpy(d, R + pw, W * sizeof(floating))


cdef void _im2col_planes(const floating *x, floating *cols, floating *Q, Py_ssize_t *lo,
                         Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                         Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                         Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                         Py_ssize_t row_stride, Py_ssize_t img_stride,
                         Py_ssize_t nb, bint stream) noexcept nogil:
    """Tap (di, dj) of image n is the block Q[dj, di % sh, di//sh :][:H_out]: one copy."""
    cdef Planes p = _tap_planes(HH, WW, sh, H_out, W_out)
    cdef Py_ssize_t n, n0, n1, c, di, dj, row, L = H_out * W_out
    cdef const floating *src
    for dj in range(WW):
        _valid_range(dj, pw, sw, W, W_out, &lo[dj], &lo[WW + dj])
    for c in range(C):  # each channel's HH*WW rows of cols are written front to back
        n0 = 0
        while n0 < N:
            n1 = min(N, n0 + nb)
            for n in range(n0, n1):
                _fill_tap_planes(x + (n * C + c) * H * W, Q + (n - n0) * p.size, lo, lo + WW,
                                 p, H, W, sh, sw, ph, pw)
            for di in range(HH):
                for dj in range(WW):
                    row = (c * HH + di) * WW + dj
                    src = Q + ((dj * p.B + di % sh) * p.Hq + di // sh) * p.Wt
                    for n in range(n0, n1):
                        _copy(cols + row * row_stride + n * img_stride,
                              src + (n - n0) * p.size, L, stream)
            n0 = n1
    if stream:
        cs_sfence()


cdef void _col2im_planes(const floating *cols, floating *dx, floating *D, floating *R,
                         Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                         Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                         Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                         Py_ssize_t row_stride, Py_ssize_t img_stride,
                         Py_ssize_t nb) noexcept nogil:
    """Tap (di, dj) of image n adds into D[di % sh, dj % sw, di//sh + i, dj//sw + j]."""
    cdef Planes p = _phase_planes(HH, WW, sh, sw, H_out, W_out)
    cdef Py_ssize_t n, n0, n1, c, di, dj, row
    cdef const floating *src
    cdef floating *dst
    n0 = 0
    while n0 < N:
        n1 = min(N, n0 + nb)
        for c in range(C):
            memset(D, 0, (n1 - n0) * p.size * sizeof(floating))
            for di in range(HH):
                for dj in range(WW):
                    row = (c * HH + di) * WW + dj
                    for n in range(n0, n1):
                        dst = (D + (n - n0) * p.size
                               + (((di % sh) * p.B + dj % sw) * p.Hq + di // sh) * p.Wt + dj // sw)
                        src = cols + row * row_stride + n * img_stride
                        cs_add_rows(dst, src, H_out, W_out, p.Wt, sizeof(floating))
            for n in range(n0, n1):
                _merge_phase_planes(D + (n - n0) * p.size, dx + (n * C + c) * H * W, R, p,
                                    H, W, sh, sw, ph, pw)
        n0 = n1


# --------------------------------------------------------------------------- entry points


cdef Py_ssize_t _checked_need(Py_ssize_t x_len, Py_ssize_t cols_len,
                              Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                              Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                              Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                              Py_ssize_t row_stride, Py_ssize_t img_stride,
                              Py_ssize_t offset) except -1:
    """Refuse sizes that would make the loops touch memory outside the views.

    The Python wrappers validate first (with messages for people); this is
    the kernel's own last line of defence, so no call can read or write out
    of bounds even when made directly.
    """
    cdef Py_ssize_t K = C * HH * WW, L = H_out * W_out
    if min(N, C, H, W, HH, WW, sh, sw, H_out, W_out) < 1 or min(ph, pw) < 0:
        raise ValueError("sizes must be positive (and pads non-negative)")
    if (H + 2 * ph - HH) // sh + 1 != H_out or (W + 2 * pw - WW) // sw + 1 != W_out:
        raise ValueError("H_out/W_out do not match the other sizes")
    if row_stride < 0 or img_stride < 0 or offset < 0:
        raise ValueError("strides and offset must be non-negative")
    if x_len != N * C * H * W:
        raise ValueError("x does not hold N*C*H*W values")
    # the last element any (row, n, i, j) touches must lie inside cols
    if cols_len < offset + (K - 1) * row_stride + (N - 1) * img_stride + L:
        raise ValueError("cols is too small for these sizes and strides")
    return K * N * L


cdef char *_scratch(Py_ssize_t nbytes) except NULL:
    """calloc'd (zeroed: the planes' padding stays zero); the caller frees it."""
    cdef char *mem = <char *> calloc(max(nbytes, 1), 1)
    if mem == NULL:
        raise MemoryError(f"no memory for {nbytes} bytes of kernel scratch")
    return mem


cdef inline Py_ssize_t _block(Py_ssize_t N, Py_ssize_t plane_bytes) noexcept:
    """Images per block: their planes take about PLANES_BYTES, at least one."""
    return max(1, min(N, PLANES_BYTES // max(plane_bytes, 1)))


def im2col_into(const floating[::1] x, floating[::1] cols,
                Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                Py_ssize_t row_stride, Py_ssize_t img_stride, Py_ssize_t offset=0,
                int stream=-1):
    """Write every cell of ``cols`` (laid out by the two strides) from ``x``.

    ``x`` and ``cols`` are flat C-contiguous views (``a.reshape(-1)``) of one
    dtype, float32 or float64 (fused: one compiled loop per type); ``x`` holds
    ``(N, C, H, W)``; element (row, n, i, j) goes to
    ``offset + row*row_stride + n*img_stride + i*W_out + j`` of ``cols``.
    Releases the GIL.

    ``stream``: 1 writes with streaming (non-temporal) stores, 0 with plain
    ones, -1 (default) streams when ``cols`` is at least 64 MiB.  Streaming
    pays only into a buffer that is already mapped (reused): into freshly
    allocated memory each first-touch page fault leaves the page's zeroed
    lines dirty in cache, and streaming past them measured 2-7x slower.
    """
    cdef Py_ssize_t cells = _checked_need(x.shape[0], cols.shape[0], N, C, H, W, HH, WW,
                                          sh, sw, ph, pw, H_out, W_out,
                                          row_stride, img_stride, offset)
    cdef bint streaming = (cells * <Py_ssize_t>sizeof(floating) >= STREAM_BYTES
                           if stream < 0 else stream > 0)
    cdef Planes p = _tap_planes(HH, WW, sh, H_out, W_out)
    cdef Py_ssize_t nb = _block(N, p.size * sizeof(floating))
    cdef Py_ssize_t ranges = 2 * WW * sizeof(Py_ssize_t)
    cdef char *s = _scratch(ranges + nb * p.size * sizeof(floating))
    try:
        with nogil:
            _im2col_planes(&x[0], &cols[offset], <floating *> (s + ranges), <Py_ssize_t *> s,
                           N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out,
                           row_stride, img_stride, nb, streaming)
    finally:
        free(s)


def col2im_into(const floating[::1] cols, floating[::1] dx,
                Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                Py_ssize_t row_stride, Py_ssize_t img_stride, Py_ssize_t offset=0):
    """Write into ``dx`` (a flat view of ``(N, C, H, W)``) the sum of ``cols``'s cells.

    Same layout arguments as :func:`im2col_into`.  Every value of ``dx`` is
    written (what it held before does not matter); cells that fall on the
    padding are dropped (that is the crop).  Releases the GIL.
    """
    _checked_need(dx.shape[0], cols.shape[0], N, C, H, W, HH, WW, sh, sw, ph, pw,
                  H_out, W_out, row_stride, img_stride, offset)
    cdef Planes p = _phase_planes(HH, WW, sh, sw, H_out, W_out)
    cdef Py_ssize_t nb = _block(N, p.size * sizeof(floating))
    cdef floating *s = <floating *> _scratch((nb * p.size + p.Wt * sw) * sizeof(floating))
    try:  # the planes, then one row
        with nogil:
            _col2im_planes(&cols[offset], &dx[0], s, s + nb * p.size, N, C, H, W, HH, WW,
                           sh, sw, ph, pw, H_out, W_out, row_stride, img_stride, nb)
    finally:
        free(s)


def conv_forward_into(const floating[::1] x, const floating[::1] w, const floating[::1] b,
                      floating[::1] out, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H,
                      Py_ssize_t W, Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                      Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                      floating[::1] keep=None):
    """``out[n] = w @ cols_n + b`` for each image: the layer without a ``cols`` in memory.

    ``x`` flat ``(N, C, H, W)``, ``w`` flat ``(F, C*HH*WW)``, ``b`` ``(F,)``,
    ``out`` flat ``(N, F, H_out, W_out)``, one dtype.  Image by image, the
    columns are built in a scratch matrix (rows padded to whole tiles of the
    product) that stays in cache, then multiplied into ``out[n]`` with the
    bias.  With ``keep`` (``C*HH*WW*N*H_out*W_out`` values, plus one tile of
    the product, ``tile_values()``, as slack at the end) the columns are built
    there instead, in the public layout, and kept: the backward pass of a
    small layer then needs no second im2col.  Releases the GIL.
    """
    cdef Py_ssize_t F = b.shape[0], K = C * HH * WW, L = H_out * W_out, n
    cdef Py_ssize_t tile = CS_GEMM_TILE_BYTES // sizeof(floating)
    cdef Py_ssize_t ldc = (L + tile - 1) // tile * tile
    _checked_need(x.shape[0], K * ldc, N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out,
                  ldc, 0, 0)
    if w.shape[0] != F * K or out.shape[0] != N * F * L:
        raise ValueError("w or out does not hold F*C*HH*WW or N*F*H_out*W_out values")
    if keep is not None and keep.shape[0] < K * N * L + tile:
        raise ValueError("keep does not hold C*HH*WW*N*H_out*W_out values and one tile")
    cdef Planes p = _tap_planes(HH, WW, sh, H_out, W_out)
    cdef Py_ssize_t ranges = 2 * WW * sizeof(Py_ssize_t)
    cdef Py_ssize_t planes = ranges + p.size * sizeof(floating)
    cdef char *s = _scratch(planes + (0 if keep is not None else K * ldc * sizeof(floating)))
    cdef floating *cols = <floating *> (s + planes)  # after the ranges and the planes
    if keep is not None:  # image n's columns at n*L of rows N*L long (read past L: finite)
        cols, ldc = &keep[0], N * L
    try:
        with nogil:
            for n in range(N):
                _im2col_planes(&x[n * C * H * W], cols, <floating *> (s + ranges),
                               <Py_ssize_t *> s, 1, C, H, W, HH, WW, sh, sw, ph, pw,
                               H_out, W_out, ldc, 0, 1, False)
                cs_gemm_bias(&w[0], &b[0], cols, ldc, &out[n * F * L], F, K, L, sizeof(floating))
                if keep is not None:
                    cols += L
    finally:
        free(s)


def tile_values(dtype_size):
    """Values of ``dtype_size`` bytes in one tile of the direct layer's product."""
    return CS_GEMM_TILE_BYTES // dtype_size
