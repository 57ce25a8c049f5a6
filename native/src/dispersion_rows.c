#include "dispersion_rows.h"

#include "cpu_level.h"

#include <stddef.h>
#include <string.h>

/* ---- portable kernels ------------------------------------------------------------------------ */

#define DEFINE_PREP(NAME, T, ALL_ONES)                                          \
  static void NAME(const T *src, const disp_prep_args *a, disp_row_stats *st) { \
    int64_t nv = 0, sum = 0, ns = 0;                                            \
    for (uint32_t i = 0; i < a->w; i++) {                                       \
      int64_t x = (int64_t)src[i];                                              \
      int m = (a->mask[i] != 0) & (x != (ALL_ONES));                            \
      int ok = m & (x >= a->lo) & (x <= a->hi);                                 \
      int use = ok & (x < DISP_BIG);                                            \
      ns += m & (x > a->hi);                                                    \
      a->vi[i] = use ? (int32_t)x : 0;                                          \
      a->vf[i] = ok ? (float)x : 0.0f;                                          \
      a->fl[i] = (uint8_t)((ok ? DISP_FL_VALID : 0) | (use ? DISP_FL_SUM : 0)); \
      nv += ok;                                                                 \
      sum += use ? x : 0;                                                       \
    }                                                                           \
    st->n_valid += nv;                                                          \
    st->sum_valid += sum;                                                       \
    st->n_saturated += ns;                                                      \
  }

DEFINE_PREP(prep_u16, uint16_t, 0xFFFF)
DEFINE_PREP(prep_u32, uint32_t, 0xFFFFFFFFll)
/* signed data has no all-ones marker (-1 is a gap value, excluded by the trusted range) */
DEFINE_PREP(prep_i32, int32_t, ((int64_t)INT32_MIN - 1))

static void col_update(const int32_t *vi_add, const uint8_t *fl_add, const int32_t *vi_sub, const uint8_t *fl_sub,
                       int32_t *cm, int32_t *cx, double *cy, uint32_t w) {
  for (uint32_t i = 0; i < w; i++) {
    double a = (double)vi_add[i], s = (double)vi_sub[i];
    cm[i] += (fl_add[i] & DISP_FL_SUM) - (fl_sub[i] & DISP_FL_SUM);
    cx[i] += vi_add[i] - vi_sub[i];
    cy[i] += a * a - s * s; /* integers below 2^53: exact */
  }
}

void disp_window_edges(const int32_t *cm, const int32_t *cx, const double *cy, int32_t *wm, int32_t *wx, double *wy,
                       uint32_t w, int k) {
  const int64_t W = (int64_t)w;
  for (int64_t i = 0; i < W; i++) {
    if (i >= k && i + k < W) {
      i = W - k - 1; /* the interior is done by the caller */
      continue;
    }
    int64_t a = i - k < 0 ? 0 : i - k, b = i + k >= W ? W - 1 : i + k;
    int32_t m = 0, x = 0;
    double y = 0;
    for (int64_t t = a; t <= b; t++) {
      m += cm[t];
      x += cx[t];
      y += cy[t];
    }
    wm[i] = m;
    wx[i] = x;
    wy[i] = y;
  }
}

static void window(const int32_t *cm, const int32_t *cx, const double *cy, int32_t *wm, int32_t *wx, double *wy,
                   uint32_t w, int k) {
  disp_window_edges(cm, cx, cy, wm, wx, wy, w, k);
  for (int64_t i = k; i + k < (int64_t)w; i++) {
    int32_t m = 0, x = 0;
    double y = 0;
    for (int64_t t = i - k; t <= i + k; t++) {
      m += cm[t];
      x += cx[t];
      y += cy[t];
    }
    wm[i] = m;
    wx[i] = x;
    wy[i] = y;
  }
}

int disp_screen_dispersed_1(int32_t wm, int32_t wx, double wy, uint8_t fl, const disp_screen_consts *c) {
  const float g = c->gain;
  float m = (float)wm, x = (float)wx, y = (float)wy;
  float inv = 1.0f / (m > 1.0f ? m : 1.0f);
  float mean = x * inv, ey2 = y * inv, m1 = m - 1.0f;
  float an = ey2 - mean * mean - g * mean * m1 * inv;
  float at = an + 1e-5f * (ey2 + mean * mean + g * mean) + 1e-6f;
  float cn2 = (g * g * c->sigma_b2x2) * mean * mean * m1 * inv * inv;
  return ((fl & DISP_FL_VALID) != 0) & (m >= c->min_local) & (x >= 0.0f) & (at > 0.0f) & (at * at > cn2 * 0.9999f);
}

int disp_screen_strong_1(int32_t wm, int32_t wx, double wy, float v, uint8_t fl, const disp_screen_consts *c) {
  float m = (float)wm, x = (float)wx;
  float mean = x / (m > 1.0f ? m : 1.0f);
  float bt = (v - mean) + 1e-5f * (v + mean) + 1e-6f;
  int pb = (bt > 0.0f) & (bt * bt > c->sigma_s2 * c->gain * 0.9999f * mean);
  return disp_screen_dispersed_1(wm, wx, wy, fl, c) & pb & (v > c->threshold * (1.0f - 1e-6f) - 1e-6f);
}

static void screen_strong(const int32_t *wm, const int32_t *wx, const double *wy, const float *vf, const uint8_t *fl,
                          uint8_t *cand, uint32_t w, const disp_screen_consts *c) {
  memset(cand, 0, (w + 7) / 8);
  for (uint32_t i = 0; i < w; i++)
    cand[i >> 3] |= (uint8_t)(disp_screen_strong_1(wm[i], wx[i], wy[i], vf[i], fl[i], c) << (i & 7));
}

static void screen_dispersed(const int32_t *wm, const int32_t *wx, const double *wy, const uint8_t *fl, uint8_t *cand,
                             uint32_t w, const disp_screen_consts *c) {
  memset(cand, 0, (w + 7) / 8);
  for (uint32_t i = 0; i < w; i++)
    cand[i >> 3] |= (uint8_t)(disp_screen_dispersed_1(wm[i], wx[i], wy[i], fl[i], c) << (i & 7));
}

static const disp_row_kernels portable = {
    "portable", prep_u16, prep_u32, prep_i32, col_update, window, screen_strong, screen_dispersed,
};

const disp_row_kernels *disp_row_kernels_portable(void) { return &portable; }

const disp_row_kernels *disp_row_kernels_get(void) {
  const disp_row_kernels *k = sp_cpu_current() >= SP_CPU_AVX2 ? disp_row_kernels_avx2() : NULL;
  return k ? k : &portable;
}
