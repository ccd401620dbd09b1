/* A small matrix product with bias for the convolution layer of few channels
 * (included by cs_conv/_im2col_cy.pyx):
 *
 *     out[f, l] = b[f] + sum_k w[f, k] * c[k, l]      f < F, k < K, l < L
 *
 * w is (F, K) contiguous, c is (K, ldc) with ldc >= L rounded up to a whole
 * tile and its extra columns finite (they are computed and dropped), out is
 * (F, L) contiguous.  A tile of FB filters times NV vectors of columns is
 * kept in registers while k runs over the K rows of c: each loaded vector of
 * c feeds FB multiply-adds.  Written with GCC/Clang vector extensions, so
 * the compiler emits AVX-512, AVX2 or SSE2 as the clone it compiles; with
 * 32 vector registers (AVX-512) a larger tile fits.  Other compilers get the
 * plain triple loop.
 */
#ifndef CS_GEMM_SIMD_H
#define CS_GEMM_SIMD_H

#include <stddef.h>
#include <string.h>

#if defined(__GNUC__)

#define CS_GEMM_TILE(NAME, T, FB, NV, ATTR)                                              \
    ATTR static void NAME(const T *w, const T *b, const T *c, Py_ssize_t ldc, T *out,      \
                          Py_ssize_t F, Py_ssize_t K, Py_ssize_t L) {                      \
        typedef T V __attribute__((vector_size(64), aligned(sizeof(T))));                  \
        enum { VL = 64 / sizeof(T), TW = NV * (64 / sizeof(T)) };                          \
        for (Py_ssize_t l0 = 0; l0 < L; l0 += TW) {                                         \
            for (Py_ssize_t f0 = 0; f0 < F; f0 += FB) {                                     \
                int fb = F - f0 < FB ? (int)(F - f0) : FB;                                  \
                V acc[FB][NV];                                                              \
                for (int f = 0; f < FB; f++)                                                \
                    for (int v = 0; v < NV; v++) acc[f][v] = (V){} + b[f0 + (f < fb ? f : 0)]; \
                for (Py_ssize_t k = 0; k < K; k++) {                                        \
                    V cv[NV];                                                               \
                    for (int v = 0; v < NV; v++) cv[v] = *(const V *)(c + k * ldc + l0 + v * VL); \
                    for (int f = 0; f < FB; f++) {                                          \
                        T wv = w[(f0 + (f < fb ? f : 0)) * K + k];                          \
                        for (int v = 0; v < NV; v++) acc[f][v] += wv * cv[v];               \
                    }                                                                       \
                }                                                                           \
                if (l0 + TW <= L) {                                                         \
                    for (int f = 0; f < fb; f++)                                            \
                        for (int v = 0; v < NV; v++)                                        \
                            *(V *)(out + (f0 + f) * L + l0 + v * VL) = acc[f][v];           \
                } else { /* the last, partial tile: only its first L - l0 columns */       \
                    for (int f = 0; f < fb; f++)                                            \
                        memcpy(out + (f0 + f) * L + l0, acc[f], (size_t)(L - l0) * sizeof(T)); \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

#if defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && __GNUC__ >= 12
/* 32 registers of 512 bits: 6 filters x 4 vectors of accumulators */
CS_GEMM_TILE(cs_gemm_v4_f64, double, 6, 4, __attribute__((target("arch=x86-64-v4"))))
CS_GEMM_TILE(cs_gemm_v4_f32, float, 4, 4, __attribute__((target("arch=x86-64-v4"))))
#define CS_GEMM_V4 1
#define CS_GEMM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CS_GEMM_CLONES
#endif
/* 16 registers: 4 filters x one 64-byte vector (two of AVX2, four of SSE2) */
CS_GEMM_TILE(cs_gemm_any_f64, double, 4, 1, CS_GEMM_CLONES)
CS_GEMM_TILE(cs_gemm_any_f32, float, 4, 1, CS_GEMM_CLONES)

/* Columns of c per tile: ldc must be a multiple of this. */
#define CS_GEMM_TILE_BYTES 256

static inline void cs_gemm_bias(const void *w, const void *b, const void *c, Py_ssize_t ldc,
                                void *out, Py_ssize_t F, Py_ssize_t K, Py_ssize_t L, int isz) {
#ifdef CS_GEMM_V4
    static int v4 = -1;
    if (v4 < 0) v4 = __builtin_cpu_supports("x86-64-v4") ? 1 : 0;
    if (v4) {
        if (isz == 8) cs_gemm_v4_f64((const double *)w, (const double *)b, (const double *)c, ldc, (double *)out, F, K, L);
        else cs_gemm_v4_f32((const float *)w, (const float *)b, (const float *)c, ldc, (float *)out, F, K, L);
        return;
    }
#endif
    if (isz == 8) cs_gemm_any_f64((const double *)w, (const double *)b, (const double *)c, ldc, (double *)out, F, K, L);
    else cs_gemm_any_f32((const float *)w, (const float *)b, (const float *)c, ldc, (float *)out, F, K, L);
}

#else  /* no vector extensions: the triple loop */

#define CS_GEMM_TILE_BYTES 256
static inline void cs_gemm_bias(const void *w, const void *b, const void *c, Py_ssize_t ldc,
                                void *out, Py_ssize_t F, Py_ssize_t K, Py_ssize_t L, int isz) {
    Py_ssize_t f, k, l;
    if (isz == 8) {
        const double *W = (const double *)w, *B = (const double *)b, *Cc = (const double *)c;
        double *O = (double *)out;
        for (f = 0; f < F; f++) for (l = 0; l < L; l++) {
            double a = B[f]; for (k = 0; k < K; k++) a += W[f * K + k] * Cc[k * ldc + l]; O[f * L + l] = a; }
    } else {
        const float *W = (const float *)w, *B = (const float *)b, *Cc = (const float *)c;
        float *O = (float *)out;
        for (f = 0; f < F; f++) for (l = 0; l < L; l++) {
            float a = B[f]; for (k = 0; k < K; k++) a += W[f * K + k] * Cc[k * ldc + l]; O[f * L + l] = a; }
    }
}

#endif
#endif  /* CS_GEMM_SIMD_H */
