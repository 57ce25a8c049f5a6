/*
 * DIALS-compatible dispersion spot finding for one 2-D frame.
 *
 * Strong-pixel test (DIALS's "dispersion" threshold): over a (2kx+1) x (2ky+1) window clipped
 * at the frame edges, with m = number of usable pixels, x = their sum, y = their sum of
 * squares (centre pixel included; usable = valid and value < 2^24), a valid pixel of value v
 * is strong when m >= min_local, x >= 0, v > global_threshold and
 *   (a) m*y - x*x - x*(m-1) > x * sigma_b * sqrt(2(m-1))   (index of dispersion), and
 *   (b) m*v - x > sigma_s * sqrt(x*m)                       (v above mean + sigma_s sqrt(mean)).
 * With a gain g != 1, (a) becomes m*y - x*x > g*x*(m-1 + sigma_b sqrt(2(m-1))) and (b) uses
 * sqrt(g*x*m). The final decision is made with exactly these double-precision expressions, so
 * results match DIALS bit for bit wherever its summed-area sums are exact.
 *
 * Speed: instead of a full-frame summed-area table, one pass over the rows keeps exact per-column
 * sums over the window rows (int32 counts and sums, double sums of squares; a ring of 2ky+2
 * prepared rows), forms the window sums along the row, and runs a branch-free float screen
 * (dispersion_rows.c, AVX2 when available) that lets through every pixel the double test could
 * accept; only those few candidates get the exact scalar test. Strong pixels are then labelled
 * as a sparse list (see spot_label.c).
 *
 * Extended mode (DIALS's default "dispersion_extended"): condition (a) alone flags pixels; the
 * flagged set is eroded to its core (pixels whose Chebyshev distance to the nearest unflagged
 * pixel is >= min(kx, ky), i.e. whose clipped (2d-1)^2 box is all flagged); then a core pixel is
 * strong when v > global_threshold and v >= mean + sigma_s sqrt(g mean), the mean taken over a
 * window grown by 2 px each way (11x11 for kernel 3) of usable pixels outside the core (mean 0
 * with fewer than 2). Only core pixels need the second window, so it is summed directly there.
 *
 * Validity of a pixel = static mask (1 = use) and trusted_lo < value < trusted_hi, as dxtbx's
 * trusted range, and, for unsigned data, not the all-ones gap marker; pixels at or above
 * trusted_hi under a valid static mask are counted as saturated.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispersion.h"

void disp_destroy(void *p) {
  disp_ws *ws = (disp_ws *)p;
  if (!ws) return;
  free(ws->mask);
  free(ws->ring_vi);
  free(ws->ring_vf);
  free(ws->ring_fl);
  free(ws->zero_vi);
  free(ws->zero_fl);
  free(ws->col_m);
  free(ws->col_x);
  free(ws->col_y);
  free(ws->win_m);
  free(ws->win_x);
  free(ws->win_y);
  free(ws->cand);
  free(ws->flag_ring);
  free(ws->hero_ring);
  free(ws->core_map);
  free(ws->band_m);
  free(ws->band_x);
  free(ws->band_row);
  sp_vec_free(&ws->strong_idx);
  sp_vec_free(&ws->strong_val);
  sp_label_free(&ws->label);
  free(ws);
}

/* ---- rows: preparation, column sums ----------------------------------------------------------- */

static int32_t *ring_vi(disp_ws *ws, uint32_t r) { return ws->ring_vi + (size_t)(r % (uint32_t)ws->rows) * ws->w; }
static float *ring_vf(disp_ws *ws, uint32_t r) { return ws->ring_vf + (size_t)(r % (uint32_t)ws->rows) * ws->w; }
static uint8_t *ring_fl(disp_ws *ws, uint32_t r) { return ws->ring_fl + (size_t)(r % (uint32_t)ws->rows) * ws->w; }

static void prep_row(disp_ws *ws, const sp_pixels *px, uint32_t r) {
  size_t off = (size_t)r * ws->w;
  disp_prep_args a = {ws->mask + off, ws->w, ws->lo, ws->hi, ring_vi(ws, r), ring_vf(ws, r), ring_fl(ws, r)};
  switch (px->type) {
    case SP_PIX_U16: ws->kern->prep_u16((const uint16_t *)px->data + off, &a, &ws->stats); break;
    case SP_PIX_U32: ws->kern->prep_u32((const uint32_t *)px->data + off, &a, &ws->stats); break;
    default: ws->kern->prep_i32((const int32_t *)px->data + off, &a, &ws->stats); break;
  }
}

/* Brings the column sums from the window of row j-1 to that of row j: adds row j+ky (prepared
 * here), drops row j-ky-1. Rows outside the frame are zero rows. */
static void advance_columns(disp_ws *ws, const sp_pixels *px, uint32_t j) {
  const uint32_t ky = (uint32_t)ws->ky;
  int have_add = j + ky < ws->h, have_sub = j >= ky + 1;
  if (!have_add && !have_sub) return;
  if (have_add) prep_row(ws, px, j + ky);
  ws->kern->col_update(have_add ? ring_vi(ws, j + ky) : ws->zero_vi, have_add ? ring_fl(ws, j + ky) : ws->zero_fl,
                       have_sub ? ring_vi(ws, j - ky - 1) : ws->zero_vi,
                       have_sub ? ring_fl(ws, j - ky - 1) : ws->zero_fl, ws->col_m, ws->col_x, ws->col_y, ws->w);
}

/* Index of the next set candidate bit at or after i (w when none), skipping zero words. */
static uint32_t next_bit(const uint8_t *bits, uint32_t i, uint32_t w) {
  while (i < w) {
    if ((i & 63) == 0 && i + 64 <= w) {
      uint64_t word;
      memcpy(&word, bits + (i >> 3), 8);
      if (word == 0) {
        i += 64;
        continue;
      }
    }
    uint32_t byte = bits[i >> 3] >> (i & 7);
    if (byte == 0) {
      i = (i | 7) + 1;
      continue;
    }
    return i + (uint32_t)__builtin_ctz(byte);
  }
  return w;
}

/* Index of the next non-zero byte at or after i (w when none), skipping zero words. */
static uint32_t next_set(const uint8_t *b, uint32_t i, uint32_t w) {
  while (i + 8 <= w) {
    uint64_t word;
    memcpy(&word, b + i, 8);
    if (word != 0) break;
    i += 8;
  }
  while (i < w && !b[i]) i++;
  return i;
}

/* ---- exact DIALS tests ------------------------------------------------------------------------ */

static int exact_strong(const disp_ws *ws, double m, double x, double y, double v) {
  if (!(m >= ws->min_local && x >= 0 && v > ws->threshold)) return 0;
  if (ws->gain == 1.0) {
    double a = m * y - x * x - x * (m - 1);
    double b = m * v - x;
    double c = x * ws->sigma_b * sqrt(2 * (m - 1));
    double d = ws->sigma_s * sqrt(x * m);
    return a > c && b > d;
  }
  double a = m * y - x * x;
  double b = m * v - x;
  double c = ws->gain * x * (m - 1 + ws->sigma_b * sqrt(2 * (m - 1)));
  double d = ws->sigma_s * sqrt(ws->gain * x * m);
  return a > c && b > d;
}
static int exact_dispersed(const disp_ws *ws, double m, double x, double y) {
  if (!(m >= ws->min_local && x >= 0)) return 0;
  if (ws->gain == 1.0) {
    double a = m * y - x * x - x * (m - 1);
    double c = x * ws->sigma_b * sqrt(2 * (m - 1));
    return a > c;
  }
  double a = m * y - x * x;
  double c = ws->gain * x * (m - 1 + ws->sigma_b * sqrt(2 * (m - 1)));
  return a > c;
}

/* ---- classic dispersion: both conditions in one window ----------------------------------------- */

/* Screens row j and appends its strong pixels; -1 when the strong-pixel limit is hit, -2 out of memory. */
static int threshold_row(disp_ws *ws, const sp_pixels *px, uint32_t j, size_t *n_strong, size_t max_strong) {
  const uint32_t w = ws->w;
  ws->kern->screen_strong(ws->win_m, ws->win_x, ws->win_y, ring_vf(ws, j), ring_fl(ws, j), ws->cand, w, &ws->screen);
  for (uint32_t i = next_bit(ws->cand, 0, w); i < w; i = next_bit(ws->cand, i + 1, w)) {
    size_t k = (size_t)j * w + i;
    double v = sp_pixel_at(px, k);
    if (!exact_strong(ws, ws->win_m[i], ws->win_x[i], ws->win_y[i], v)) continue;
    if (*n_strong >= max_strong) return -1;
    if (sp_vec_reserve(&ws->strong_idx, *n_strong + 1) || sp_vec_reserve(&ws->strong_val, *n_strong + 1)) return -2;
    ((uint32_t *)ws->strong_idx.ptr)[*n_strong] = (uint32_t)k;
    ((double *)ws->strong_val.ptr)[*n_strong] = v;
    (*n_strong)++;
  }
  return 0;
}

/* ---- extended mode: dispersion flags, erosion to the core, local-mean test ---------------------- */

/* Writes the dispersion flags of row j into the flag ring and their erosion along x (a pixel
 * survives when the clipped run [i-d+1, i+d-1] is all flagged) into the eroded ring. */
static void flag_row(disp_ws *ws, uint32_t j) {
  const uint32_t w = ws->w;
  const int d = ws->erosion;
  const uint32_t nr = (uint32_t)(2 * d - 1);
  uint8_t *flag = ws->flag_ring + (size_t)(j % nr) * w;
  uint8_t *hero = ws->hero_ring + (size_t)(j % nr) * w;
  ws->kern->screen_dispersed(ws->win_m, ws->win_x, ws->win_y, ring_fl(ws, j), ws->cand, w, &ws->screen);
  memset(flag, 0, w);
  for (uint32_t i = next_bit(ws->cand, 0, w); i < w; i = next_bit(ws->cand, i + 1, w)) {
    flag[i] = (uint8_t)exact_dispersed(ws, ws->win_m[i], ws->win_x[i], ws->win_y[i]);
  }
  memset(hero, 0, w);
  for (uint32_t start = next_set(flag, 0, w); start < w;) {
    uint32_t t = start;
    while (t < w && flag[t]) t++; /* flagged run [start, t) */
    for (uint32_t i = start; i < t; i++) {
      int left_ok = start == 0 || (int64_t)i - (d - 1) >= (int64_t)start;
      int right_ok = t == w || (int64_t)i + (d - 1) < (int64_t)t;
      hero[i] = (uint8_t)(left_ok && right_ok);
    }
    start = t < w ? next_set(flag, t, w) : w;
  }
}

/* Extended mode: core pixels of row c (all rows c-d+1..c+d-1 that exist are in the rings). */
static int core_row(disp_ws *ws, uint32_t c, size_t *n_core) {
  const uint32_t w = ws->w, h = ws->h;
  const int d = ws->erosion;
  const int nr = 2 * d - 1;
  const uint8_t *flag = ws->flag_ring + (size_t)(c % (uint32_t)nr) * w;
  uint32_t r0 = c >= (uint32_t)(d - 1) ? c - (uint32_t)(d - 1) : 0;
  uint32_t r1 = c + (uint32_t)(d - 1) < h ? c + (uint32_t)(d - 1) : h - 1;
  for (uint32_t i = 0; i < w;) {
    if (i + 8 <= w) {
      uint64_t word;
      memcpy(&word, flag + i, 8);
      if (word == 0) {
        i += 8;
        continue;
      }
    }
    if (flag[i]) {
      int core = 1;
      for (uint32_t r = r0; r <= r1 && core; r++) core = ws->hero_ring[(size_t)(r % (uint32_t)nr) * w + i] != 0;
      if (core) {
        if (sp_vec_reserve(&ws->strong_idx, *n_core + 1)) return -2;
        uint32_t k = c * w + i;
        ((uint32_t *)ws->strong_idx.ptr)[(*n_core)++] = k;
        ws->core_map[k] = 1;
      }
    }
    i++;
  }
  return 0;
}

/* Extended mode, second pass: per-column sums (count, values) of usable non-core pixels over the
 * rows [c-ky, c+ky] (clipped), for columns [t0, t1]. A column last summed for row c-1 slides by
 * one row; others are summed afresh. */
#define BAND_USE(T, ALL_ONES, y, t)                                                                                   \
  do {                                                                                                                \
    size_t k_ = (size_t)(y)*ws->w + (t);                                                                              \
    int64_t v_ = (int64_t)src[k_];                                                                                    \
    int use_ = (ws->mask[k_] != 0) & (ws->core_map[k_] == 0) & (v_ != (ALL_ONES)) & (v_ >= ws->lo) & (v_ <= ws->hi) & \
               (v_ < DISP_BIG);                                                                                       \
    band_m[t] += sign * use_;                                                                                         \
    band_x[t] += use_ ? sign * v_ : 0;                                                                                \
  } while (0)
#define DEFINE_BAND_COLUMNS(NAME, T, ALL_ONES)                                        \
  static void NAME(disp_ws *ws, const T *src, uint32_t c, uint32_t t0, uint32_t t1) { \
    const uint32_t ky = (uint32_t)ws->ky + 2, h = ws->h;                              \
    const uint32_t y0 = c >= ky ? c - ky : 0, y1 = c + ky < h ? c + ky : h - 1;       \
    int32_t *band_m = ws->band_m;                                                     \
    int64_t *band_x = ws->band_x;                                                     \
    for (uint32_t t = t0; t <= t1; t++) {                                             \
      int sign = 1;                                                                   \
      if (c > 0 && ws->band_row[t] == c - 1) {                                        \
        if (c >= ky + 1) {                                                            \
          sign = -1;                                                                  \
          BAND_USE(T, ALL_ONES, c - ky - 1, t);                                       \
          sign = 1;                                                                   \
        }                                                                             \
        if (c + ky < h) BAND_USE(T, ALL_ONES, c + ky, t);                             \
      } else if (ws->band_row[t] != c) {                                              \
        band_m[t] = 0;                                                                \
        band_x[t] = 0;                                                                \
        for (uint32_t y = y0; y <= y1; y++) BAND_USE(T, ALL_ONES, y, t);              \
      }                                                                               \
      ws->band_row[t] = c;                                                            \
    }                                                                                 \
  }

DEFINE_BAND_COLUMNS(band_columns_u16, uint16_t, 0xFFFF)
DEFINE_BAND_COLUMNS(band_columns_u32, uint32_t, 0xFFFFFFFFll)
DEFINE_BAND_COLUMNS(band_columns_i32, int32_t, ((int64_t)INT32_MIN - 1))

static void band_columns(disp_ws *ws, const sp_pixels *px, uint32_t c, uint32_t t0, uint32_t t1) {
  switch (px->type) {
    case SP_PIX_U16: band_columns_u16(ws, (const uint16_t *)px->data, c, t0, t1); break;
    case SP_PIX_U32: band_columns_u32(ws, (const uint32_t *)px->data, c, t0, t1); break;
    default: band_columns_i32(ws, (const int32_t *)px->data, c, t0, t1); break;
  }
}

/* Extended mode: decides the core pixels of one row, idx[g0..g1), writing val (NaN = not strong).
 * Column sums over the grown window's rows are made once per row for the columns in reach. */
static void final_row(disp_ws *ws, const sp_pixels *px, const uint32_t *idx, double *val, size_t g0, size_t g1) {
  const uint32_t w = ws->w;
  const uint32_t kx = (uint32_t)ws->kx + 2;
  const uint32_t c = idx[g0] / w;
  /* merged column intervals [i-kx, i+kx] of the row's core pixels */
  for (size_t g = g0; g < g1;) {
    uint32_t i = idx[g] % w;
    uint32_t t0 = i >= kx ? i - kx : 0, t1 = i + kx < w ? i + kx : w - 1;
    size_t e = g + 1;
    while (e < g1) {
      uint32_t ie = idx[e] % w;
      if ((ie >= kx ? ie - kx : 0) > t1 + 1) break;
      t1 = ie + kx < w ? ie + kx : w - 1;
      e++;
    }
    band_columns(ws, px, c, t0, t1);
    for (; g < e; g++) {
      uint32_t ci = idx[g] % w;
      uint32_t a = ci >= kx ? ci - kx : 0, b = ci + kx < w ? ci + kx : w - 1;
      double m = 0, x = 0;
      for (uint32_t t = a; t <= b; t++) {
        m += ws->band_m[t];
        x += (double)ws->band_x[t];
      }
      double v = sp_pixel_at(px, idx[g]);
      double mean = m >= 2 ? x / m : 0;
      double limit = ws->gain == 1.0 ? mean + ws->sigma_s * sqrt(mean) : mean + ws->sigma_s * sqrt(ws->gain * mean);
      val[g] = (v > ws->threshold && v >= limit) ? v : NAN;
    }
  }
}

/* Extended mode: keeps the core pixels that pass the local-mean test, in place; clears the core map. */
static long final_pass(disp_ws *ws, const sp_pixels *px, size_t n_core) {
  uint32_t *idx = (uint32_t *)ws->strong_idx.ptr;
  if (sp_vec_reserve(&ws->strong_val, n_core ? n_core : 1)) {
    for (size_t i = 0; i < n_core; i++) ws->core_map[idx[i]] = 0;
    return -2;
  }
  double *val = (double *)ws->strong_val.ptr;
  memset(ws->band_row, 0xFF, ws->w * sizeof(uint32_t)); /* no column summed yet */
  /* decide every core pixel while the core map is intact, then compact */
  for (size_t g = 0; g < n_core;) {
    uint32_t row = idx[g] / ws->w;
    size_t e = g + 1;
    while (e < n_core && idx[e] / ws->w == row) e++;
    final_row(ws, px, idx, val, g, e);
    g = e;
  }
  size_t n = 0;
  for (size_t i = 0; i < n_core; i++) {
    ws->core_map[idx[i]] = 0;
    if (!isnan(val[i])) {
      idx[n] = idx[i];
      val[n] = val[i];
      n++;
    }
  }
  return (long)n;
}

/* ---- whole frame ---------------------------------------------------------------------------- */

/* One pass over the frame; returns the number of strong pixels, -1 over the limit, -2 out of memory. */
long disp_threshold_frame(disp_ws *ws, const sp_pixels *px) {
  ws->kern = disp_row_kernels_get(); /* per frame: a forced CPU level applies to existing workspaces */
  const uint32_t w = ws->w, h = ws->h;
  const uint32_t ky = (uint32_t)ws->ky;
  size_t n_strong = 0;
  size_t max_strong = (size_t)ceil(ws->max_strong_fraction * (double)w * (double)h);
  memset(&ws->stats, 0, sizeof ws->stats);
  memset(ws->col_m, 0, w * sizeof(int32_t));
  memset(ws->col_x, 0, w * sizeof(int32_t));
  memset(ws->col_y, 0, w * sizeof(double));
  /* rows 0..ky-1 enter the window before row 0; advance_columns(j) adds row j+ky */
  for (uint32_t r = 0; r < ky && r < h; r++) {
    prep_row(ws, px, r);
    ws->kern->col_update(ring_vi(ws, r), ring_fl(ws, r), ws->zero_vi, ws->zero_fl, ws->col_m, ws->col_x, ws->col_y, w);
  }
  int status = 0;
  const uint32_t lag = ws->extended ? (uint32_t)ws->erosion - 1 : 0; /* core rows trail the flags */
  for (uint32_t j = 0; j < h; j++) {
    advance_columns(ws, px, j);
    if (status != 0) continue; /* keep the frame statistics complete */
    ws->kern->window(ws->col_m, ws->col_x, ws->col_y, ws->win_m, ws->win_x, ws->win_y, w, ws->kx);
    if (!ws->extended) {
      status = threshold_row(ws, px, j, &n_strong, max_strong);
      continue;
    }
    flag_row(ws, j);
    if (j >= lag) status = core_row(ws, j - lag, &n_strong);
  }
  if (!ws->extended) return status < 0 ? status : (long)n_strong;
  for (uint32_t c = h > lag ? h - lag : 0; c < h && status == 0; c++) status = core_row(ws, c, &n_strong);
  if (status != 0) {
    uint32_t *idx = (uint32_t *)ws->strong_idx.ptr;
    for (size_t i = 0; i < n_strong; i++) ws->core_map[idx[i]] = 0;
    return status;
  }
  long n = final_pass(ws, px, n_strong);
  if (n >= 0 && (size_t)n > max_strong) return -1;
  return n;
}

/* ---- parameters, workspace, whole-frame driver ------------------------------------------------ */

const char *disp_check_params(const double *p) {
  const char *bad = NULL;
  if (p[P_KX] < 1 || p[P_KX] > DISP_MAX_HALF || p[P_KX] != floor(p[P_KX]))
    bad = "kernel half-width (1..5)";
  else if (p[P_KY] < 1 || p[P_KY] > DISP_MAX_HALF || p[P_KY] != floor(p[P_KY]))
    bad = "kernel half-height (1..5)";
  else if (!(p[P_SIGMA_B] >= 0) || !(p[P_SIGMA_S] >= 0))
    bad = "sigma_background/sigma_strong (>= 0)";
  else if (!(p[P_GLOBAL_THRESHOLD] >= 0))
    bad = "global_threshold (>= 0)";
  else if (!(p[P_GAIN] > 0))
    bad = "gain (> 0)";
  else if (!(p[P_MIN_SPOT] >= 1) || !(p[P_MAX_SPOT] >= p[P_MIN_SPOT]))
    bad = "min/max spot size";
  else if (!(p[P_MAX_STRONG_FRACTION] > 0 && p[P_MAX_STRONG_FRACTION] <= 1))
    bad = "max_strong_fraction (0..1]";
  else if (isnan(p[P_TRUSTED_LO]) || isnan(p[P_TRUSTED_HI]) || !(p[P_TRUSTED_LO] < p[P_TRUSTED_HI]))
    bad = "trusted range";
  else {
    double n = (2 * p[P_KX] + 1) * (2 * p[P_KY] + 1);
    if (p[P_MIN_LOCAL] > 0 && (p[P_MIN_LOCAL] < 2 || p[P_MIN_LOCAL] > n))
      bad = "min_local (2..window size, or 0 for all)";
  }
  return bad;
}

disp_ws *disp_create(uint32_t w, uint32_t h, const uint8_t *mask, const double *p) {
  size_t n = (size_t)w * h;
  disp_ws *ws = (disp_ws *)calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->w = w;
  ws->h = h;
  ws->kx = (int)p[P_KX];
  ws->ky = (int)p[P_KY];
  ws->sigma_b = p[P_SIGMA_B];
  ws->sigma_s = p[P_SIGMA_S];
  ws->min_local = p[P_MIN_LOCAL] > 0 ? (int)p[P_MIN_LOCAL] : (2 * ws->kx + 1) * (2 * ws->ky + 1);
  ws->threshold = p[P_GLOBAL_THRESHOLD];
  ws->gain = p[P_GAIN];
  ws->lo = (int64_t)fmax(floor(p[P_TRUSTED_LO]) + 1, -9.0e18);
  ws->hi = (int64_t)fmin(ceil(p[P_TRUSTED_HI]) - 1, 9.0e18);
  ws->filter.min_pixels = p[P_MIN_SPOT];
  ws->filter.max_pixels = p[P_MAX_SPOT];
  ws->filter.max_separation = p[P_MAX_SEPARATION];
  ws->conn8 = p[P_CONN8] != 0;
  ws->max_strong_fraction = p[P_MAX_STRONG_FRACTION];
  ws->extended = p[P_EXTENDED] != 0;
  ws->erosion = ws->kx < ws->ky ? ws->kx : ws->ky;
  ws->rows = 2 * ws->ky + 2;
  ws->screen.min_local = (float)ws->min_local;
  ws->screen.threshold = (float)ws->threshold;
  ws->screen.gain = (float)ws->gain;
  ws->screen.sigma_b2x2 = (float)(2 * ws->sigma_b * ws->sigma_b);
  ws->screen.sigma_s2 = (float)(ws->sigma_s * ws->sigma_s);
  ws->mask = (uint8_t *)malloc(n);
  ws->ring_vi = (int32_t *)malloc((size_t)ws->rows * w * sizeof(int32_t));
  ws->ring_vf = (float *)malloc((size_t)ws->rows * w * sizeof(float));
  ws->ring_fl = (uint8_t *)malloc((size_t)ws->rows * w);
  ws->zero_vi = (int32_t *)calloc(w, sizeof(int32_t));
  ws->zero_fl = (uint8_t *)calloc(w, 1);
  ws->col_m = (int32_t *)malloc(w * sizeof(int32_t));
  ws->col_x = (int32_t *)malloc(w * sizeof(int32_t));
  ws->col_y = (double *)malloc(w * sizeof(double));
  ws->win_m = (int32_t *)malloc(w * sizeof(int32_t));
  ws->win_x = (int32_t *)malloc(w * sizeof(int32_t));
  ws->win_y = (double *)malloc(w * sizeof(double));
  ws->cand = (uint8_t *)malloc((w + 7) / 8 + 8);
  if (ws->extended) {
    ws->flag_ring = (uint8_t *)malloc((size_t)(2 * ws->erosion - 1) * w);
    ws->hero_ring = (uint8_t *)malloc((size_t)(2 * ws->erosion - 1) * w);
    ws->core_map = (uint8_t *)calloc(n, 1);
    ws->band_m = (int32_t *)malloc(w * sizeof(int32_t));
    ws->band_x = (int64_t *)malloc(w * sizeof(int64_t));
    ws->band_row = (uint32_t *)malloc(w * sizeof(uint32_t));
  }
  ws->strong_idx.elem = sizeof(uint32_t);
  ws->strong_val.elem = sizeof(double);
  sp_label_init(&ws->label);
  if (!ws->mask || !ws->ring_vi || !ws->ring_vf || !ws->ring_fl || !ws->zero_vi || !ws->zero_fl || !ws->col_m ||
      !ws->col_x || !ws->col_y || !ws->win_m || !ws->win_x || !ws->win_y || !ws->cand ||
      (ws->extended &&
       (!ws->flag_ring || !ws->hero_ring || !ws->core_map || !ws->band_m || !ws->band_x || !ws->band_row))) {
    disp_destroy(ws);
    return NULL;
  }
  memcpy(ws->mask, mask, n);
  return ws;
}

static void fill_info(const disp_ws *ws, double *out, size_t spots, long ncomp, long n_strong, int too_many) {
  double strong_sum = 0;
  const double *sv = (const double *)ws->strong_val.ptr;
  for (long i = 0; i < n_strong; i++) strong_sum += sv[i];
  double n_bg = (double)ws->stats.n_valid - (double)n_strong;
  out[I_SPOTS] = (double)spots;
  out[I_COMPONENTS] = (double)ncomp;
  out[I_STRONG] = (double)n_strong;
  out[I_VALID] = (double)ws->stats.n_valid;
  out[I_VALID_SUM] = (double)ws->stats.sum_valid;
  out[I_SATURATED] = (double)ws->stats.n_saturated;
  out[I_TOO_MANY_STRONG] = too_many;
  out[I_BACKGROUND_MEAN] = n_bg > 0 ? ((double)ws->stats.sum_valid - strong_sum) / n_bg : NAN;
}

long disp_find(disp_ws *ws, const sp_pixels *px, double *out, size_t capacity, double *info) {
  long n_strong = disp_threshold_frame(ws, px);
  if (n_strong == -2) return -2;
  if (n_strong == -1) {
    /* like DIALS's max_strong_pixel_fraction: the frame is not usable for spot finding */
    fill_info(ws, info, 0, 0, 0, 1);
    return 0;
  }
  long ncomp = sp_label_measure(&ws->label, (const uint32_t *)ws->strong_idx.ptr, (const double *)ws->strong_val.ptr,
                                (size_t)n_strong, ws->w, ws->conn8);
  if (ncomp < 0) return -2;
  size_t total = sp_write_spots(&ws->label, (size_t)ncomp, ws->w, &ws->filter, out, capacity);
  fill_info(ws, info, total, ncomp, n_strong, 0);
  return (long)(total < capacity ? total : capacity);
}
