/* AVX2 builds of the dispersion row kernels (see dispersion_rows.h); same results as the
 * portable ones in dispersion_rows.c, 8 pixels per step. */
#include "dispersion_rows.h"

#include <stddef.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/* 8 lanes of 0/-1 -> 8 bytes of 0/1 */
AVX2 static inline void store_bytes(uint8_t *dst, __m256i lanes01) {
  const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  __m256i t = _mm256_shuffle_epi8(lanes01, pick);
  __m128i packed = _mm_unpacklo_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
  _mm_storel_epi64((__m128i *)dst, packed);
}

/* One prepared step: x holds 8 values as int32 lanes already range-checked by the caller's
 * comparisons (ok/use/sat lane masks). */
AVX2 static inline void prep_store(const disp_prep_args *a, uint32_t i, __m256i x, __m256i ok, __m256i use, __m256i sat,
                                   __m256 xf, __m256i *nv, __m256i *ns, __m256i *sum_lo, __m256i *sum_hi) {
  __m256i vi = _mm256_and_si256(use, x);
  _mm256_storeu_si256((__m256i *)(a->vi + i), vi);
  _mm256_storeu_ps(a->vf + i, _mm256_and_ps(_mm256_castsi256_ps(ok), xf));
  __m256i fl = _mm256_or_si256(_mm256_and_si256(ok, _mm256_set1_epi32(DISP_FL_VALID)),
                               _mm256_and_si256(use, _mm256_set1_epi32(DISP_FL_SUM)));
  store_bytes(a->fl + i, fl);
  *nv = _mm256_sub_epi32(*nv, ok);
  *ns = _mm256_sub_epi32(*ns, sat);
  *sum_lo = _mm256_add_epi64(*sum_lo, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(vi)));
  *sum_hi = _mm256_add_epi64(*sum_hi, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(vi, 1)));
}

AVX2 static void prep_finish(disp_row_stats *st, __m256i nv, __m256i ns, __m256i sum_lo, __m256i sum_hi) {
  int32_t a[8], b[8];
  int64_t s[8];
  _mm256_storeu_si256((__m256i *)a, nv);
  _mm256_storeu_si256((__m256i *)b, ns);
  _mm256_storeu_si256((__m256i *)s, sum_lo);
  _mm256_storeu_si256((__m256i *)(s + 4), sum_hi);
  for (int t = 0; t < 8; t++) {
    st->n_valid += a[t];
    st->n_saturated += b[t];
    st->sum_valid += s[t];
  }
}

static int32_t clamp32(int64_t v) { return v < INT32_MIN ? INT32_MIN : (v > INT32_MAX ? INT32_MAX : (int32_t)v); }

/* Signed-lane rows (int32 data, and uint16 widened to int32). */
#define DEFINE_PREP_SIGNED(NAME, T, LOAD, HAS_MARKER, MARKER)                                                      \
  AVX2 static void NAME(const T *src, const disp_prep_args *a, disp_row_stats *st) {                               \
    const __m256i lo = _mm256_set1_epi32(clamp32(a->lo)), hi = _mm256_set1_epi32(clamp32(a->hi));                  \
    const __m256i one = _mm256_set1_epi32(1), big = _mm256_set1_epi32(DISP_BIG);                                   \
    const __m256i zero = _mm256_setzero_si256(), marker = _mm256_set1_epi32(MARKER);                               \
    __m256i nv = zero, ns = zero, sum_lo = zero, sum_hi = zero;                                                    \
    uint32_t i = 0;                                                                                                \
    for (; i + 8 <= a->w; i += 8) {                                                                                \
      __m256i x = LOAD;                                                                                            \
      __m256i mk = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(a->mask + i)));                          \
      __m256i m = _mm256_andnot_si256(_mm256_cmpeq_epi32(mk, zero), _mm256_cmpeq_epi32(one, one));                 \
      if (HAS_MARKER) m = _mm256_andnot_si256(_mm256_cmpeq_epi32(x, marker), m);                                   \
      __m256i above = _mm256_cmpgt_epi32(x, hi);                                                                   \
      __m256i ok = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi32(lo, x), above), m);                      \
      __m256i use = _mm256_and_si256(ok, _mm256_cmpgt_epi32(big, x));                                              \
      prep_store(a, i, x, ok, use, _mm256_and_si256(m, above), _mm256_cvtepi32_ps(x), &nv, &ns, &sum_lo, &sum_hi); \
    }                                                                                                              \
    prep_finish(st, nv, ns, sum_lo, sum_hi);                                                                       \
    if (i < a->w) {                                                                                                \
      disp_prep_args rest = {a->mask + i, a->w - i, a->lo, a->hi, a->vi + i, a->vf + i, a->fl + i};                \
      disp_row_kernels_portable()->NAME(src + i, &rest, st);                                                       \
    }                                                                                                              \
  }

DEFINE_PREP_SIGNED(prep_i32, int32_t, _mm256_loadu_si256((const __m256i *)(src + i)), 0, 0)
DEFINE_PREP_SIGNED(prep_u16, uint16_t, _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i))), 1, 0xFFFF)

/* uint32 data: compare in the signed domain after flipping the top bit. */
AVX2 static void prep_u32(const uint32_t *src, const disp_prep_args *a, disp_row_stats *st) {
  const int64_t lo64 = a->lo < 0 ? 0 : (a->lo > 0xFFFFFFFFll ? 0xFFFFFFFFll : a->lo);
  const int64_t hi64 = a->hi < 0 ? -1 : (a->hi > 0xFFFFFFFFll ? 0xFFFFFFFFll : a->hi);
  if (hi64 < lo64) { /* nothing can be valid: let the portable code handle the odd case */
    disp_row_kernels_portable()->prep_u32(src, a, st);
    return;
  }
  const __m256i flip = _mm256_set1_epi32((int32_t)0x80000000u);
  const __m256i lo = _mm256_set1_epi32((int32_t)((uint32_t)lo64 ^ 0x80000000u));
  const __m256i hi = _mm256_set1_epi32((int32_t)((uint32_t)hi64 ^ 0x80000000u));
  const __m256i big = _mm256_set1_epi32((int32_t)((uint32_t)DISP_BIG ^ 0x80000000u));
  const __m256i zero = _mm256_setzero_si256(), ones = _mm256_cmpeq_epi32(zero, zero);
  __m256i nv = zero, ns = zero, sum_lo = zero, sum_hi = zero;
  uint32_t i = 0;
  for (; i + 8 <= a->w; i += 8) {
    __m256i x = _mm256_loadu_si256((const __m256i *)(src + i));
    __m256i xs = _mm256_xor_si256(x, flip);
    __m256i mk = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(a->mask + i)));
    __m256i m = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpeq_epi32(mk, zero), _mm256_cmpeq_epi32(x, ones)), ones);
    __m256i above = _mm256_cmpgt_epi32(xs, hi);
    __m256i ok = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi32(lo, xs), above), m);
    __m256i use = _mm256_and_si256(ok, _mm256_cmpgt_epi32(big, xs));
    /* unsigned to float: low 31 bits, plus 2^31 where the top bit is set */
    __m256 xf =
        _mm256_add_ps(_mm256_cvtepi32_ps(_mm256_andnot_si256(flip, x)),
                      _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(zero, x)), _mm256_set1_ps(2147483648.0f)));
    prep_store(a, i, x, ok, use, _mm256_and_si256(m, above), xf, &nv, &ns, &sum_lo, &sum_hi);
  }
  prep_finish(st, nv, ns, sum_lo, sum_hi);
  if (i < a->w) {
    disp_prep_args rest = {a->mask + i, a->w - i, a->lo, a->hi, a->vi + i, a->vf + i, a->fl + i};
    disp_row_kernels_portable()->prep_u32(src + i, &rest, st);
  }
}

AVX2 static void col_update(const int32_t *vi_add, const uint8_t *fl_add, const int32_t *vi_sub, const uint8_t *fl_sub,
                            int32_t *cm, int32_t *cx, double *cy, uint32_t w) {
  const __m256i one = _mm256_set1_epi32(DISP_FL_SUM);
  uint32_t i = 0;
  for (; i + 8 <= w; i += 8) {
    __m256i fa = _mm256_and_si256(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(fl_add + i))), one);
    __m256i fs = _mm256_and_si256(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(fl_sub + i))), one);
    __m256i va = _mm256_loadu_si256((const __m256i *)(vi_add + i));
    __m256i vs = _mm256_loadu_si256((const __m256i *)(vi_sub + i));
    __m256i m = _mm256_loadu_si256((const __m256i *)(cm + i));
    __m256i x = _mm256_loadu_si256((const __m256i *)(cx + i));
    _mm256_storeu_si256((__m256i *)(cm + i), _mm256_add_epi32(m, _mm256_sub_epi32(fa, fs)));
    _mm256_storeu_si256((__m256i *)(cx + i), _mm256_add_epi32(x, _mm256_sub_epi32(va, vs)));
    for (int h = 0; h < 2; h++) {
      __m128i a4 = h ? _mm256_extracti128_si256(va, 1) : _mm256_castsi256_si128(va);
      __m128i s4 = h ? _mm256_extracti128_si256(vs, 1) : _mm256_castsi256_si128(vs);
      __m256d ad = _mm256_cvtepi32_pd(a4), sd = _mm256_cvtepi32_pd(s4);
      __m256d y = _mm256_loadu_pd(cy + i + 4 * h);
      /* a*a - s*s and the sum are integers below 2^53, so rounding never happens */
      y = _mm256_add_pd(y, _mm256_sub_pd(_mm256_mul_pd(ad, ad), _mm256_mul_pd(sd, sd)));
      _mm256_storeu_pd(cy + i + 4 * h, y);
    }
  }
  if (i < w)
    disp_row_kernels_portable()->col_update(vi_add + i, fl_add + i, vi_sub + i, fl_sub + i, cm + i, cx + i, cy + i,
                                            w - i);
}

AVX2 static void window(const int32_t *cm, const int32_t *cx, const double *cy, int32_t *wm, int32_t *wx, double *wy,
                        uint32_t w, int k) {
  disp_window_edges(cm, cx, cy, wm, wx, wy, w, k);
  const int64_t n = (int64_t)w - 2 * k; /* interior outputs, window starting at column i */
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i m = _mm256_loadu_si256((const __m256i *)(cm + i));
    __m256i x = _mm256_loadu_si256((const __m256i *)(cx + i));
    __m256d y0 = _mm256_loadu_pd(cy + i), y1 = _mm256_loadu_pd(cy + i + 4);
    for (int t = 1; t <= 2 * k; t++) {
      m = _mm256_add_epi32(m, _mm256_loadu_si256((const __m256i *)(cm + i + t)));
      x = _mm256_add_epi32(x, _mm256_loadu_si256((const __m256i *)(cx + i + t)));
      y0 = _mm256_add_pd(y0, _mm256_loadu_pd(cy + i + t));
      y1 = _mm256_add_pd(y1, _mm256_loadu_pd(cy + i + t + 4));
    }
    _mm256_storeu_si256((__m256i *)(wm + i + k), m);
    _mm256_storeu_si256((__m256i *)(wx + i + k), x);
    _mm256_storeu_pd(wy + i + k, y0);
    _mm256_storeu_pd(wy + i + k + 4, y1);
  }
  for (; i < n; i++) {
    int32_t m = 0, x = 0;
    double y = 0;
    for (int t = 0; t <= 2 * k; t++) {
      m += cm[i + t];
      x += cx[i + t];
      y += cy[i + t];
    }
    wm[i + k] = m;
    wx[i + k] = x;
    wy[i + k] = y;
  }
}

/* Condition (a) screen for 8 pixels; also returns the window mean for the (b) screen. */
AVX2 static inline __m256 screen_a8(const int32_t *wm, const int32_t *wx, const double *wy, const uint8_t *fl,
                                    const disp_screen_consts *c, __m256 *mean_out) {
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps(), g = _mm256_set1_ps(c->gain);
  __m256 m = _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)wm));
  __m256 x = _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)wx));
  __m256 y = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(_mm256_loadu_pd(wy))),
                                  _mm256_cvtpd_ps(_mm256_loadu_pd(wy + 4)), 1);
  __m256i f = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)fl));
  __m256 valid = _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_and_si256(f, _mm256_set1_epi32(DISP_FL_VALID)), _mm256_setzero_si256()));
  __m256 inv = _mm256_div_ps(one, _mm256_max_ps(m, one));
  __m256 mean = _mm256_mul_ps(x, inv), ey2 = _mm256_mul_ps(y, inv), m1 = _mm256_sub_ps(m, one);
  __m256 mean2 = _mm256_mul_ps(mean, mean);
  __m256 gm = _mm256_mul_ps(g, mean);
  __m256 an = _mm256_sub_ps(_mm256_sub_ps(ey2, mean2), _mm256_mul_ps(_mm256_mul_ps(gm, m1), inv));
  __m256 tol =
      _mm256_fmadd_ps(_mm256_set1_ps(1e-5f), _mm256_add_ps(_mm256_add_ps(ey2, mean2), gm), _mm256_set1_ps(1e-6f));
  __m256 at = _mm256_add_ps(an, tol);
  __m256 cn2 = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(c->gain * c->gain * c->sigma_b2x2 * 0.9999f), mean2),
                             _mm256_mul_ps(m1, _mm256_mul_ps(inv, inv)));
  __m256 pa = _mm256_and_ps(_mm256_cmp_ps(at, zero, _CMP_GT_OQ), _mm256_cmp_ps(_mm256_mul_ps(at, at), cn2, _CMP_GT_OQ));
  __m256 base = _mm256_and_ps(valid, _mm256_and_ps(_mm256_cmp_ps(m, _mm256_set1_ps(c->min_local), _CMP_GE_OQ),
                                                   _mm256_cmp_ps(x, zero, _CMP_GE_OQ)));
  *mean_out = mean;
  return _mm256_and_ps(base, pa);
}

AVX2 static void screen_strong(const int32_t *wm, const int32_t *wx, const double *wy, const float *vf,
                               const uint8_t *fl, uint8_t *cand, uint32_t w, const disp_screen_consts *c) {
  const __m256 zero = _mm256_setzero_ps(), eps = _mm256_set1_ps(1e-5f), tiny = _mm256_set1_ps(1e-6f);
  const __m256 ss2g = _mm256_set1_ps(c->sigma_s2 * c->gain * 0.9999f);
  const __m256 thr = _mm256_set1_ps(c->threshold * (1.0f - 1e-6f) - 1e-6f);
  uint32_t i = 0;
  for (; i + 8 <= w; i += 8) {
    __m256 mean;
    __m256 pa = screen_a8(wm + i, wx + i, wy + i, fl + i, c, &mean);
    __m256 v = _mm256_loadu_ps(vf + i);
    __m256 bt = _mm256_add_ps(_mm256_sub_ps(v, mean), _mm256_fmadd_ps(eps, _mm256_add_ps(v, mean), tiny));
    __m256 pb = _mm256_and_ps(_mm256_cmp_ps(bt, zero, _CMP_GT_OQ),
                              _mm256_cmp_ps(_mm256_mul_ps(bt, bt), _mm256_mul_ps(ss2g, mean), _CMP_GT_OQ));
    __m256 ok = _mm256_and_ps(_mm256_and_ps(pa, pb), _mm256_cmp_ps(v, thr, _CMP_GT_OQ));
    cand[i >> 3] = (uint8_t)_mm256_movemask_ps(ok);
  }
  if (i < w) {
    cand[i >> 3] = 0;
    for (; i < w; i++) cand[i >> 3] |= (uint8_t)(disp_screen_strong_1(wm[i], wx[i], wy[i], vf[i], fl[i], c) << (i & 7));
  }
}

AVX2 static void screen_dispersed(const int32_t *wm, const int32_t *wx, const double *wy, const uint8_t *fl,
                                  uint8_t *cand, uint32_t w, const disp_screen_consts *c) {
  uint32_t i = 0;
  for (; i + 8 <= w; i += 8) {
    __m256 mean;
    cand[i >> 3] = (uint8_t)_mm256_movemask_ps(screen_a8(wm + i, wx + i, wy + i, fl + i, c, &mean));
  }
  if (i < w) {
    cand[i >> 3] = 0;
    for (; i < w; i++) cand[i >> 3] |= (uint8_t)(disp_screen_dispersed_1(wm[i], wx[i], wy[i], fl[i], c) << (i & 7));
  }
}

static const disp_row_kernels avx2_kernels = {
    "avx2", prep_u16, prep_u32, prep_i32, col_update, window, screen_strong, screen_dispersed,
};

/* Callers check the CPU level first (disp_row_kernels_get). */
const disp_row_kernels *disp_row_kernels_avx2(void) { return &avx2_kernels; }

#else
const disp_row_kernels *disp_row_kernels_avx2(void) { return NULL; }
#endif
