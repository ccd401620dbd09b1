# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col/col2im kernels; the public wrapper is cs_conv.im2col_cython.

The wrapper validates every shape before calling in here and passes flat
C-contiguous views; the entry points take typed memoryviews of one fused
float type (``const floating[::1]``: one compiled loop for float32, one for
float64) and still check that they are large enough for the sizes given, so
a wrong call raises instead of touching memory it does not own.

Layout (see cs_conv.im2col_loops), with two strides so that the same kernel
fills both the public ``cols`` and the per-image blocks of the layer::

    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] = x_pad[n, c, i*sh + di, j*sw + dj]
    element (row, n, i, j) lives at  offset + row*row_stride + n*img_stride + i*W_out + j

``row_stride = N*H_out*W_out, img_stride = H_out*W_out`` is the public layout
``(C*HH*WW, N*H_out*W_out)``; ``row_stride = H_out*W_out,
img_stride = C*HH*WW*H_out*W_out`` is a stack of per-image matrices
``(N, C*HH*WW, H_out*W_out)``.

Loop order: channel c, tap (di, dj), image n, output row i: each row of
``cols`` is walked in order, one long sequential stream (image-major orders
measured slower: many short streams), while ``x[:, c]`` is re-read from cache
once per tap.  Padding is never materialised: for a fixed tap the output positions
whose window reads the image form one range [lo, hi) per axis, computed once;
outside it the tap reads a zero.  With stride 1 a run is a ``memcpy``; when
also every column is valid and W_out == W, consecutive output rows are
consecutive input rows and the whole block is one ``memcpy``.  Into a large,
already mapped buffer the runs can be written with streaming stores.

Every loop runs without the GIL.
"""

from cython cimport floating
from libc.string cimport memcpy, memset


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* Non-temporal (streaming) stores: a large output that will not be read
       again soon is written around the caches, which saves the read of every
       destination line before it is written.  x86-64 only; elsewhere plain
       memcpy/memset. */
    #if defined(__x86_64__) || defined(_M_X64)
    #include <emmintrin.h>
    static inline void cs_nt_scalar(char *d, const char *s, int isz) {
        if (isz == 8) { long long v; memcpy(&v, s, 8); _mm_stream_si64((long long *)d, v); }
        else { int v; memcpy(&v, s, 4); _mm_stream_si32((int *)d, v); }
    }
    static inline void cs_nt_copy(void *dst, const void *src, Py_ssize_t nbytes, int isz) {
        char *d = (char *)dst; const char *s = (const char *)src;
        while (((uintptr_t)d & 15) && nbytes >= isz) { cs_nt_scalar(d, s, isz); d += isz; s += isz; nbytes -= isz; }
        for (; nbytes >= 16; nbytes -= 16, d += 16, s += 16)
            _mm_stream_si128((__m128i *)d, _mm_loadu_si128((const __m128i *)s));
        for (; nbytes >= isz; nbytes -= isz, d += isz, s += isz) cs_nt_scalar(d, s, isz);
    }
    static inline void cs_nt_zero(void *dst, Py_ssize_t nbytes, int isz) {
        static const char zeros[8] = {0};
        char *d = (char *)dst;
        while (((uintptr_t)d & 15) && nbytes >= isz) { cs_nt_scalar(d, zeros, isz); d += isz; nbytes -= isz; }
        for (; nbytes >= 16; nbytes -= 16, d += 16) _mm_stream_si128((__m128i *)d, _mm_setzero_si128());
        for (; nbytes >= isz; nbytes -= isz, d += isz) cs_nt_scalar(d, zeros, isz);
    }
    static inline void cs_nt_store(void *dst, const void *src, int isz)
    { cs_nt_scalar((char *)dst, (const char *)src, isz); }
    static inline void cs_sfence(void) { _mm_sfence(); }
    #else
    static inline void cs_nt_copy(void *dst, const void *src, Py_ssize_t nbytes, int isz)
    { (void)isz; memcpy(dst, src, (size_t)nbytes); }
    static inline void cs_nt_zero(void *dst, Py_ssize_t nbytes, int isz)
    { (void)isz; memset(dst, 0, (size_t)nbytes); }
    static inline void cs_nt_store(void *dst, const void *src, int isz)
    { memcpy(dst, src, (size_t)isz); }
    static inline void cs_sfence(void) {}
    #endif
    """
    void cs_nt_copy(void *dst, const void *src, Py_ssize_t nbytes, int isz) noexcept nogil
    void cs_nt_zero(void *dst, Py_ssize_t nbytes, int isz) noexcept nogil
    void cs_nt_store(void *dst, const void *src, int isz) noexcept nogil
    void cs_sfence() noexcept nogil

# im2col outputs at least this large are written with streaming stores
cdef Py_ssize_t STREAM_BYTES = 64 * 1024 * 1024


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
    """memcpy, or streaming stores for an output larger than the caches."""
    if stream:
        cs_nt_copy(dst, src, n * sizeof(floating), sizeof(floating))
    else:
        memcpy(dst, src, n * sizeof(floating))


cdef inline void _zero(floating *dst, Py_ssize_t n, bint stream) noexcept nogil:
    if stream:
        cs_nt_zero(dst, n * sizeof(floating), sizeof(floating))
    else:
        memset(dst, 0, n * sizeof(floating))


cdef void _im2col(const floating *x, floating *cols,
                  Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                  Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                  Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                  Py_ssize_t row_stride, Py_ssize_t img_stride, bint stream) noexcept nogil:
    cdef Py_ssize_t n, c, di, dj, i, j, i_lo, i_hi, j_lo, j_hi, nj, row
    cdef const floating *plane
    cdef const floating *src
    cdef floating *dst
    cdef floating *run
    for c in range(C):
        for di in range(HH):
            _valid_range(di, ph, sh, H, H_out, &i_lo, &i_hi)
            for dj in range(WW):
                _valid_range(dj, pw, sw, W, W_out, &j_lo, &j_hi)
                nj = j_hi - j_lo
                row = (c * HH + di) * WW + dj
                for n in range(N):
                    plane = x + (n * C + c) * H * W
                    dst = cols + row * row_stride + n * img_stride
                    if nj == 0 or i_lo == i_hi:
                        _zero(dst, H_out * W_out, stream)
                        continue
                    # output rows above and below the image read zeros: two blocks
                    if i_lo > 0:
                        _zero(dst, i_lo * W_out, stream)
                    if i_hi < H_out:
                        _zero(dst + i_hi * W_out, (H_out - i_hi) * W_out, stream)
                    src = plane + (i_lo * sh + di - ph) * W + (j_lo * sw + dj - pw)
                    run = dst + i_lo * W_out
                    if sw == 1 and nj == W_out and W_out == W and sh == 1:
                        # rows i and i+1 are adjacent in x and in cols: one block
                        _copy(run, src, (i_hi - i_lo) * W_out, stream)
                        continue
                    for i in range(i_hi - i_lo):
                        if j_lo > 0:
                            _zero(run, j_lo, stream)
                        if j_hi < W_out:
                            _zero(run + j_hi, W_out - j_hi, stream)
                        if sw == 1:
                            _copy(run + j_lo, src, nj, stream)
                        elif stream:
                            for j in range(nj):
                                cs_nt_store(run + j_lo + j, src + j * sw, sizeof(floating))
                        else:
                            for j in range(nj):
                                run[j_lo + j] = src[j * sw]
                        run += W_out
                        src += sh * W
    if stream:
        cs_sfence()


cdef inline void _add(floating *dst, const floating *src, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        dst[j] += src[j]


cdef void _col2im(const floating *cols, floating *dx,
                  Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                  Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                  Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                  Py_ssize_t row_stride, Py_ssize_t img_stride) noexcept nogil:
    cdef Py_ssize_t n, n0, n1, nb, c, di, dj, i, j, i_lo, i_hi, j_lo, j_hi, nj, row
    cdef floating *plane
    cdef floating *dst
    cdef const floating *src
    # Blocks of images whose planes of one channel (all that is written while that
    # channel's taps stream past) take about 256 KiB, so they stay in cache: many
    # small images per block, one when a plane is large.  Measured into a reused dx
    # (time / copy of the cols bytes, interleaved): 1.14 against 1.72 for all images
    # at once on (10,10,256,256) 5x5, 1.57 against 1.81 on (64,64,56,56) 3x3; 256 KiB
    # beat 0, 512 KiB, 1 MiB and 4 MiB on both.
    nb = max(1, min(N, (256 << 10) // (H * W * <Py_ssize_t> sizeof(floating))))
    n0 = 0
    while n0 < N:
        n1 = min(N, n0 + nb)
        for c in range(C):
            for di in range(HH):
                _valid_range(di, ph, sh, H, H_out, &i_lo, &i_hi)
                if i_lo == i_hi:
                    continue
                for dj in range(WW):
                    _valid_range(dj, pw, sw, W, W_out, &j_lo, &j_hi)
                    nj = j_hi - j_lo
                    if nj == 0:
                        continue
                    row = (c * HH + di) * WW + dj
                    for n in range(n0, n1):
                        plane = dx + (n * C + c) * H * W
                        src = cols + row * row_stride + n * img_stride + i_lo * W_out + j_lo
                        dst = plane + (i_lo * sh + di - ph) * W + (j_lo * sw + dj - pw)
                        if sw == 1 and nj == W_out and W_out == W and sh == 1:
                            _add(dst, src, (i_hi - i_lo) * W_out)
                            continue
                        for i in range(i_hi - i_lo):
                            if sw == 1:
                                _add(dst, src, nj)
                            else:
                                for j in range(nj):
                                    dst[j * sw] += src[j]
                            src += W_out
                            dst += sh * W
        n0 = n1


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
    with nogil:
        _im2col(&x[0], &cols[offset], N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out,
                row_stride, img_stride, streaming)


def col2im_into(const floating[::1] cols, floating[::1] dx,
                Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out,
                Py_ssize_t row_stride, Py_ssize_t img_stride, Py_ssize_t offset=0):
    """Add every cell of ``cols`` into ``dx`` (a flat view of ``(N, C, H, W)``, usually zeros).

    Same layout arguments as :func:`im2col_into`.  Cells that fall on the
    padding are dropped (that is the crop).  Releases the GIL.
    """
    _checked_need(dx.shape[0], cols.shape[0], N, C, H, W, HH, WW, sh, sw, ph, pw,
                  H_out, W_out, row_stride, img_stride, offset)
    with nogil:
        _col2im(&cols[offset], &dx[0], N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out,
                row_stride, img_stride)


def im2col_kernel(x, cols, Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                  Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out):
    """Fill a preallocated public-layout ``cols`` (every cell) from contiguous ``x``.

    Streams (see :func:`im2col_into`) when ``cols`` is at least 64 MiB.
    """
    N, C, H, W = x.shape
    L = H_out * W_out
    im2col_into(x.reshape(-1), cols.reshape(-1), N, C, H, W, HH, WW, sh, sw, ph, pw,
                H_out, W_out, N * L, L, 0, -1)


def col2im_kernel(cols, dx, Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t sh, Py_ssize_t sw,
                  Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t H_out, Py_ssize_t W_out):
    """Add the public-layout ``cols`` into zero-initialised, contiguous ``dx``."""
    N, C, H, W = dx.shape
    L = H_out * W_out
    col2im_into(cols.reshape(-1), dx.reshape(-1), N, C, H, W, HH, WW, sh, sw, ph, pw,
                H_out, W_out, N * L, L, 0)
