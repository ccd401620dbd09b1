/* Short-run helpers of cs_conv._im2col_cy (included by the .pyx).
 *
 * Each helper copies, gathers, scatters or adds a run of float32 or float64
 * values (isz 4 or 8 bytes).  They are plain C loops; on x86-64 Linux with
 * GCC or Clang each is compiled three times (AVX-512, AVX2, SSE2) and the
 * loader picks the one the CPU runs (target_clones), so the wheel needs no
 * -march flag and still uses the widest vectors.  Elsewhere they are the same
 * loops, compiled once.  The streaming stores are SSE2 (x86-64 only).
 */
#ifndef CS_KERNEL_SIMD_H
#define CS_KERNEL_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef CS_CLONES
#define CS_CLONES
#else
#define CS_AVX512 1  /* the clones' platforms: hand-written AVX-512 where it pays */
#endif

/* One body, two types: NAME##_f64 and NAME##_f32, and NAME(isz) picking one. */
#define CS_TYPED(NAME, PARAMS, ...)                                            \
    CS_CLONES static void NAME##_f64 PARAMS { typedef double T; __VA_ARGS__ }  \
    CS_CLONES static void NAME##_f32 PARAMS { typedef float T; __VA_ARGS__ }

/* One input row into the rows of `taps` tap columns (pitch apart):
   q[dj*pitch + j] = x[j*step + dj - pad] for lo[dj] <= j < hi[dj], dj < taps
   (the range of j that reads the row, not its padding). */
CS_TYPED(cs_gather_taps_, (void *qv, Py_ssize_t pitch, const void *xv, Py_ssize_t taps,
                          Py_ssize_t step, Py_ssize_t pad, const Py_ssize_t *lo,
                          const Py_ssize_t *hi), {
    for (Py_ssize_t dj = 0; dj < taps; dj++) {
        Py_ssize_t j, n = hi[dj] - lo[dj];
        T *restrict d = (T *)qv + dj * pitch + lo[dj];
        const T *restrict s = (const T *)xv + (lo[dj] * step + dj - pad);
        if (step == 1) for (j = 0; j < n; j++) d[j] = s[j];
        else if (step == 2) for (j = 0; j < n; j++) d[j] = s[2 * j];
        else for (j = 0; j < n; j++) d[j] = s[j * step];
    }
})

/* d[2m] = a[m], d[2m + 1] = b[m], m < n. */
CS_TYPED(cs_interleave2_, (void *dv, const void *av, const void *bv, Py_ssize_t n), {
    T *restrict d = (T *)dv; const T *restrict a = (const T *)av, *restrict b = (const T *)bv;
    for (Py_ssize_t m = 0; m < n; m++) { d[2 * m] = a[m]; d[2 * m + 1] = b[m]; }
})

/* rows runs of n values: d[i*n + t] += s[i*pitch + t] (the tap's rows of cols
   into a plane of width pitch). */
CS_TYPED(cs_add_rows_, (void *dv, const void *sv, Py_ssize_t rows, Py_ssize_t n, Py_ssize_t pitch), {
    T *restrict d = (T *)dv; const T *restrict s = (const T *)sv;
    for (Py_ssize_t i = 0; i < rows; i++, d += pitch, s += n)
        for (Py_ssize_t t = 0; t < n; t++) d[t] += s[t];
})

#ifdef CS_AVX512
/* The same gathers with AVX-512 masked loads and stores: a run of 15 or 16
   values (the course's 31x31 images at stride 2) is one or two vector steps
   with no scalar tail, and no load touches a value past the run. */
#include <immintrin.h>
#define CS_AVX512_GATHER(NAME, T, V, SUF, MASK, IDX)                                    \
    __attribute__((target("avx512f"))) static void NAME(                              \
            void *qv, Py_ssize_t pitch, const void *xv, Py_ssize_t taps, Py_ssize_t step, \
            Py_ssize_t pad, const Py_ssize_t *lo, const Py_ssize_t *hi) {              \
        const __m512i idx = IDX;                                                       \
        for (Py_ssize_t dj = 0; dj < taps; dj++) {                                     \
            Py_ssize_t j = 0, n = hi[dj] - lo[dj];                                     \
            T *d = (T *)qv + dj * pitch + lo[dj];                                      \
            const T *s = (const T *)xv + (lo[dj] * step + dj - pad);                   \
            if (step == 1) {                                                           \
                for (; j + V <= n; j += V)                                             \
                    _mm512_storeu_##SUF(d + j, _mm512_loadu_##SUF(s + j));             \
                MASK m = (MASK)(((uint64_t)1 << (n - j)) - 1);                         \
                _mm512_mask_storeu_##SUF(d + j, m, _mm512_maskz_loadu_##SUF(m, s + j));\
            } else if (step == 2) {  /* V outputs read s[2j .. 2j + 2V - 2] */         \
                for (; j + V <= n; j += V)                                             \
                    _mm512_storeu_##SUF(d + j, _mm512_permutex2var_##SUF(               \
                        _mm512_loadu_##SUF(s + 2 * j), idx,                            \
                        _mm512_maskz_loadu_##SUF((MASK)((((uint64_t)1 << V) - 1) >> 1), s + 2 * j + V))); \
                if (j < n) {  /* k < V outputs read 2k - 1 values */                   \
                    Py_ssize_t k = n - j, r = 2 * k - 1;                               \
                    MASK m1 = (MASK)(r >= V ? ((uint64_t)1 << V) - 1 : ((uint64_t)1 << r) - 1); \
                    MASK m2 = (MASK)(r > V ? ((uint64_t)1 << (r - V)) - 1 : 0);         \
                    _mm512_mask_storeu_##SUF(d + j, (MASK)(((uint64_t)1 << k) - 1),     \
                        _mm512_permutex2var_##SUF(_mm512_maskz_loadu_##SUF(m1, s + 2 * j), idx, \
                                                  _mm512_maskz_loadu_##SUF(m2, s + 2 * j + V))); \
                }                                                                      \
            } else {                                                                   \
                for (; j < n; j++) d[j] = s[j * step];                                 \
            }                                                                          \
        }                                                                              \
    }
CS_AVX512_GATHER(cs_gather_taps_avx512_f64, double, 8, pd, __mmask8,
                 _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0))
CS_AVX512_GATHER(cs_gather_taps_avx512_f32, float, 16, ps, __mmask16,
                 _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0))
static int cs_has_avx512 = -1;
#endif

static inline void cs_gather_taps(void *q, Py_ssize_t pitch, const void *x, Py_ssize_t taps,
                                  Py_ssize_t step, Py_ssize_t pad, const Py_ssize_t *lo,
                                  const Py_ssize_t *hi, int isz) {
#ifdef CS_AVX512
    if (cs_has_avx512 < 0) cs_has_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;
    if (cs_has_avx512) {
        if (isz == 8) cs_gather_taps_avx512_f64(q, pitch, x, taps, step, pad, lo, hi);
        else cs_gather_taps_avx512_f32(q, pitch, x, taps, step, pad, lo, hi);
        return;
    }
#endif
    if (isz == 8) cs_gather_taps__f64(q, pitch, x, taps, step, pad, lo, hi);
    else cs_gather_taps__f32(q, pitch, x, taps, step, pad, lo, hi);
}
static inline void cs_interleave2(void *d, const void *a, const void *b, Py_ssize_t n, int isz)
{ if (isz == 8) cs_interleave2__f64(d, a, b, n); else cs_interleave2__f32(d, a, b, n); }
static inline void cs_add_rows(void *d, const void *s, Py_ssize_t rows, Py_ssize_t n,
                               Py_ssize_t pitch, int isz)
{ if (isz == 8) cs_add_rows__f64(d, s, rows, n, pitch); else cs_add_rows__f32(d, s, rows, n, pitch); }

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>

/* Non-temporal (streaming) stores: a large output that will not be read again
   soon is written around the caches, which saves the read of every
   destination line before it is written. */
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
static inline void cs_sfence(void) { _mm_sfence(); }

#else

static inline void cs_nt_copy(void *dst, const void *src, Py_ssize_t nbytes, int isz)
{ (void)isz; memcpy(dst, src, (size_t)nbytes); }
static inline void cs_sfence(void) {}

#endif
#endif  /* CS_KERNEL_SIMD_H */
