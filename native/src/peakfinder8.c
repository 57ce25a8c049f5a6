/*
 * peakfinder8, written from the published description of the OM / CrystFEL algorithm:
 *  1. radial statistics: per 1-px radial bin, mean and sigma of the valid pixels between the
 *     bin's lower and upper thresholds (initially +-1e9), repeated (5 times); after each pass
 *     upper = max(mean + min_snr sigma, adc_threshold), lower = mean - min_snr sigma; an empty
 *     bin gets FLT_MAX (no peak can start there). Fast mode uses a fixed, evenly spread sample
 *     of pixels per bin (chosen once from the static mask), so a frame costs a few 100k reads.
 *  2. peaks start at a valid pixel above its bin's threshold, not yet in a peak, inside an ASIC
 *     minus its 1-px border, and grow over the 8-neighbourhood inside the ASIC through pixels
 *     above their own bin's threshold.
 *  3. min_pix <= npix <= max_pix.
 *  4. local background: valid pixels below their threshold and not in a peak, within a disc of
 *     radius 2 * local_bg_radius around the rounded centroid (weighted by v - bin mean), inside
 *     the ASIC; mean, sigma and maximum. With none: the bin mean and sigma 0.01.
 *  5. intensity = sum(v - local mean), centroid weighted by raw v, snr = intensity / local sigma;
 *     rejected when snr < min_snr, when the peak's maximum is below the background maximum, or
 *     when the rounded centroid leaves the ASIC.
 * Validity = static mask (with min/max radius applied), trusted range, not the all-ones marker.
 */
#include "peakfinder8.h"

#include "dispersion_rows.h"
#include "cpu_level.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pf8_destroy(void *p) {
  pf8_ws *ws = (pf8_ws *)p;
  if (!ws) return;
  free(ws->rbin);
  free(ws->mask);
  free(ws->asic);
  free(ws->sample);
  free(ws->sample_off);
  free(ws->roffset);
  free(ws->rsigma);
  free(ws->rthreshold);
  free(ws->lthreshold);
  free(ws->acc_sum);
  free(ws->acc_sq);
  free(ws->acc_n);
  free(ws->peakmap);
  free(ws->row_vi);
  free(ws->row_vf);
  free(ws->row_fl);
  sp_vec_free(&ws->marked);
  sp_vec_free(&ws->pix);
  free(ws);
}

const char *pf8_check_create(uint32_t w, uint32_t h, const uint16_t *rbin, const int32_t *asics, size_t nasic_values,
                             const double *p) {
  (void)rbin;
  if (nasic_values % 4 != 0) return "ASIC list (4 numbers x0, y0, width, height per ASIC)";
  for (size_t i = 0; i < nasic_values; i += 4) {
    int64_t x0 = asics[i], y0 = asics[i + 1], aw = asics[i + 2], ah = asics[i + 3];
    if (x0 < 0 || y0 < 0 || aw < 3 || ah < 3 || x0 + aw > (int64_t)w || y0 + ah > (int64_t)h)
      return "ASIC rectangle (inside the frame, at least 3x3)";
  }
  if (!(p[PC_MIN_RES] >= 0) || !(p[PC_MAX_RES] >= p[PC_MIN_RES])) return "min_res/max_res (0 <= min_res <= max_res)";
  if (!(p[PC_SAMPLES_PER_BIN] >= 1 && p[PC_SAMPLES_PER_BIN] <= 1e6)) return "samples per bin (1..1e6)";
  return NULL;
}

const char *pf8_read_params(const double *p, pf8_params *o) {
  if (!(p[PF_MIN_SNR] >= 0)) return "min_snr (>= 0)";
  if (!(p[PF_MIN_PIX] >= 1) || !(p[PF_MAX_PIX] >= p[PF_MIN_PIX])) return "min/max pixel count";
  if (!(p[PF_LOCAL_BG_RADIUS] >= 1 && p[PF_LOCAL_BG_RADIUS] <= 64)) return "local_bg_radius (1..64)";
  if (!(p[PF_ITERATIONS] >= 1 && p[PF_ITERATIONS] <= 100)) return "iterations (1..100)";
  if (isnan(p[PF_TRUSTED_LO]) || isnan(p[PF_TRUSTED_HI]) || !(p[PF_TRUSTED_LO] < p[PF_TRUSTED_HI]))
    return "trusted range";
  if (!(p[PF_MAX_PEAKS] >= 0)) return "max_num_peaks (>= 0)";
  if (isnan(p[PF_ADC])) return "adc_threshold";
  o->adc = p[PF_ADC];
  o->min_snr = p[PF_MIN_SNR];
  o->min_pix = p[PF_MIN_PIX];
  o->max_pix = p[PF_MAX_PIX];
  o->local_bg_radius = (int)p[PF_LOCAL_BG_RADIUS];
  o->fast = p[PF_FAST] != 0;
  o->iterations = (int)p[PF_ITERATIONS];
  o->lo = (int64_t)fmax(floor(p[PF_TRUSTED_LO]) + 1, -9.0e18);
  o->hi = (int64_t)fmin(ceil(p[PF_TRUSTED_HI]) - 1, 9.0e18);
  o->max_peaks = p[PF_MAX_PEAKS] > 1e9 ? (size_t)1e9 : (size_t)p[PF_MAX_PEAKS];
  return NULL;
}

/* Fast-mode sample: per bin, samples_per_bin pixels evenly spread over the bin's valid pixels in raster order. */
static int build_sample(pf8_ws *ws, uint32_t per_bin) {
  size_t n = (size_t)ws->w * ws->h;
  uint32_t *count = (uint32_t *)calloc(ws->nbins, sizeof(uint32_t));
  uint32_t *seen = (uint32_t *)calloc(ws->nbins, sizeof(uint32_t));
  ws->sample_off = (uint32_t *)calloc((size_t)ws->nbins + 1, sizeof(uint32_t));
  if (!count || !seen || !ws->sample_off) {
    free(count);
    free(seen);
    return -1;
  }
  for (size_t k = 0; k < n; k++)
    if (ws->mask[k]) count[ws->rbin[k]]++;
  for (uint32_t b = 0; b < ws->nbins; b++) {
    uint32_t take = count[b] < per_bin ? count[b] : per_bin;
    ws->sample_off[b + 1] = ws->sample_off[b] + take;
  }
  ws->sample = (uint32_t *)malloc(((size_t)ws->sample_off[ws->nbins] + 1) * sizeof(uint32_t));
  if (!ws->sample) {
    free(count);
    free(seen);
    return -1;
  }
  uint32_t *fill = (uint32_t *)calloc(ws->nbins, sizeof(uint32_t));
  if (!fill) {
    free(count);
    free(seen);
    return -1;
  }
  for (size_t k = 0; k < n; k++) {
    if (!ws->mask[k]) continue;
    uint32_t b = ws->rbin[k];
    uint32_t take = ws->sample_off[b + 1] - ws->sample_off[b];
    /* the j-th pixel of the bin is taken when it crosses the next of `take` evenly spaced marks */
    uint64_t j = seen[b]++;
    if (fill[b] < take && (j * take) / count[b] != ((j + 1) * take) / count[b])
      ws->sample[ws->sample_off[b] + fill[b]++] = (uint32_t)k;
  }
  free(fill);
  free(count);
  free(seen);
  return 0;
}

pf8_ws *pf8_create(uint32_t w, uint32_t h, const uint16_t *rbin, const uint8_t *mask, const int32_t *asics,
                   size_t nasic, const double *p) {
  pf8_ws *ws = (pf8_ws *)calloc(1, sizeof *ws);
  if (!ws) return NULL;
  size_t n = (size_t)w * h;
  ws->w = w;
  ws->h = h;
  ws->rbin = (uint16_t *)malloc(n * sizeof(uint16_t));
  ws->mask = (uint8_t *)malloc(n);
  ws->peakmap = (uint8_t *)calloc(n, 1);
  ws->nasic = nasic ? (uint32_t)nasic : 1;
  ws->asic = (pf8_asic *)malloc(ws->nasic * sizeof(pf8_asic));
  ws->marked.elem = sizeof(uint32_t);
  ws->pix.elem = sizeof(uint32_t);
  if (!ws->rbin || !ws->mask || !ws->peakmap || !ws->asic) goto fail;
  memcpy(ws->rbin, rbin, n * sizeof(uint16_t));
  uint32_t maxbin = 0;
  for (size_t k = 0; k < n; k++) {
    uint16_t r = rbin[k];
    ws->mask[k] = (uint8_t)(mask[k] != 0 && r >= p[PC_MIN_RES] && r <= p[PC_MAX_RES]);
    if (r > maxbin) maxbin = r;
  }
  ws->nbins = maxbin + 1;
  if (nasic == 0) {
    ws->asic[0] = (pf8_asic){0, 0, (int32_t)w, (int32_t)h};
  } else {
    for (size_t i = 0; i < nasic; i++)
      ws->asic[i] = (pf8_asic){asics[4 * i], asics[4 * i + 1], asics[4 * i + 2], asics[4 * i + 3]};
  }
  ws->row_vi = (int32_t *)malloc(w * sizeof(int32_t));
  ws->row_vf = (float *)malloc(w * sizeof(float));
  ws->row_fl = (uint8_t *)malloc(w);
  if (!ws->row_vi || !ws->row_vf || !ws->row_fl) goto fail;
  ws->roffset = (float *)malloc(ws->nbins * sizeof(float));
  ws->rsigma = (float *)malloc(ws->nbins * sizeof(float));
  ws->rthreshold = (float *)malloc(ws->nbins * sizeof(float));
  ws->lthreshold = (float *)malloc(ws->nbins * sizeof(float));
  ws->acc_sum = (double *)malloc(ws->nbins * sizeof(double));
  ws->acc_sq = (double *)malloc(ws->nbins * sizeof(double));
  ws->acc_n = (double *)malloc(ws->nbins * sizeof(double));
  if (!ws->roffset || !ws->rsigma || !ws->rthreshold || !ws->lthreshold || !ws->acc_sum || !ws->acc_sq || !ws->acc_n)
    goto fail;
  if (build_sample(ws, (uint32_t)p[PC_SAMPLES_PER_BIN])) goto fail;
  return ws;
fail:
  pf8_destroy(ws);
  return NULL;
}

/* Valid-pixel count, sum (values below 2^24) and saturated count of the frame, with the vectorised
 * row preparation of the dispersion finder (same validity rules). */
static void frame_counters(pf8_ws *ws, const void *src, sp_pix_type type, const pf8_params *pp, double *info);

/* ---- radial statistics --------------------------------------------------------------------- */

static void finish_bins(pf8_ws *ws, const pf8_params *pp) {
  for (uint32_t b = 0; b < ws->nbins; b++) {
    double n = ws->acc_n[b];
    if (n == 0) {
      ws->roffset[b] = 0;
      ws->rsigma[b] = 0;
      ws->rthreshold[b] = FLT_MAX;
      ws->lthreshold[b] = -FLT_MAX;
      continue;
    }
    double mean = ws->acc_sum[b] / n;
    double var = ws->acc_sq[b] / n - mean * mean;
    double sigma = var > 0 ? sqrt(var) : 0;
    double up = mean + pp->min_snr * sigma;
    ws->roffset[b] = (float)mean;
    ws->rsigma[b] = (float)sigma;
    ws->rthreshold[b] = (float)(up > pp->adc ? up : pp->adc);
    ws->lthreshold[b] = (float)(mean - pp->min_snr * sigma);
  }
}

#define DEFINE_RADIAL(NAME, T, ALL_ONES, PT)                                                       \
  static void NAME(pf8_ws *ws, const T *src, const pf8_params *pp, double *info) {                 \
    size_t n = (size_t)ws->w * ws->h;                                                              \
    frame_counters(ws, (const void *)src, PT, pp, info);                                           \
    for (uint32_t b = 0; b < ws->nbins; b++) {                                                     \
      ws->lthreshold[b] = -1e9f;                                                                   \
      ws->rthreshold[b] = 1e9f;                                                                    \
    }                                                                                              \
    for (int it = 0; it < pp->iterations; it++) {                                                  \
      memset(ws->acc_sum, 0, ws->nbins * sizeof(double));                                          \
      memset(ws->acc_sq, 0, ws->nbins * sizeof(double));                                           \
      memset(ws->acc_n, 0, ws->nbins * sizeof(double));                                            \
      if (pp->fast) {                                                                              \
        for (uint32_t b = 0; b < ws->nbins; b++) {                                                 \
          float lt = ws->lthreshold[b], rt = ws->rthreshold[b];                                    \
          double s = 0, q = 0, c = 0;                                                              \
          for (uint32_t j = ws->sample_off[b]; j < ws->sample_off[b + 1]; j++) {                   \
            uint32_t k = ws->sample[j];                                                            \
            int64_t v = (int64_t)src[k];                                                           \
            float f = (float)v;                                                                    \
            if (!(v != (ALL_ONES) && v >= pp->lo && v <= pp->hi) || !(f > lt && f < rt)) continue; \
            s += f;                                                                                \
            q += (double)f * f;                                                                    \
            c += 1;                                                                                \
          }                                                                                        \
          ws->acc_sum[b] = s;                                                                      \
          ws->acc_sq[b] = q;                                                                       \
          ws->acc_n[b] = c;                                                                        \
        }                                                                                          \
      } else {                                                                                     \
        for (size_t k = 0; k < n; k++) {                                                           \
          int64_t v = (int64_t)src[k];                                                             \
          if (!(ws->mask[k] && v != (ALL_ONES) && v >= pp->lo && v <= pp->hi)) continue;           \
          uint32_t b = ws->rbin[k];                                                                \
          float f = (float)v;                                                                      \
          if (!(f > ws->lthreshold[b] && f < ws->rthreshold[b])) continue;                         \
          ws->acc_sum[b] += f;                                                                     \
          ws->acc_sq[b] += (double)f * f;                                                          \
          ws->acc_n[b] += 1;                                                                       \
        }                                                                                          \
      }                                                                                            \
      finish_bins(ws, pp);                                                                         \
    }                                                                                              \
  }

DEFINE_RADIAL(radial_u16, uint16_t, 0xFFFF, SP_PIX_U16)
DEFINE_RADIAL(radial_u32, uint32_t, 0xFFFFFFFFll, SP_PIX_U32)
DEFINE_RADIAL(radial_i32, int32_t, ((int64_t)INT32_MIN - 1), SP_PIX_I32)

static void frame_counters(pf8_ws *ws, const void *src, sp_pix_type type, const pf8_params *pp, double *info) {
  const disp_row_kernels *kern = disp_row_kernels_get();
  disp_row_stats st = {0, 0, 0};
  for (uint32_t y = 0; y < ws->h; y++) {
    size_t off = (size_t)y * ws->w;
    disp_prep_args a = {ws->mask + off, ws->w, pp->lo, pp->hi, ws->row_vi, ws->row_vf, ws->row_fl};
    switch (type) {
      case SP_PIX_U16: kern->prep_u16((const uint16_t *)src + off, &a, &st); break;
      case SP_PIX_U32: kern->prep_u32((const uint32_t *)src + off, &a, &st); break;
      default: kern->prep_i32((const int32_t *)src + off, &a, &st); break;
    }
  }
  info[PI_VALID] = (double)st.n_valid;
  info[PI_VALID_SUM] = (double)st.sum_valid;
  info[PI_SATURATED] = (double)st.n_saturated;
}

void pf8_radial_stats(pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, double *info) {
  switch (px->type) {
    case SP_PIX_U16: radial_u16(ws, (const uint16_t *)px->data, pp, info); break;
    case SP_PIX_U32: radial_u32(ws, (const uint32_t *)px->data, pp, info); break;
    default: radial_i32(ws, (const int32_t *)px->data, pp, info); break;
  }
}

/* ---- peaks --------------------------------------------------------------------------------- */

static int64_t all_ones(sp_pix_type t) {
  return t == SP_PIX_U16 ? 0xFFFF : (t == SP_PIX_U32 ? 0xFFFFFFFFll : (int64_t)INT32_MIN - 1);
}

static int valid_at(const pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, size_t k, double *v) {
  *v = sp_pixel_at(px, k);
  int64_t iv = (int64_t)*v;
  return ws->mask[k] && iv != all_ones(px->type) && iv >= pp->lo && iv <= pp->hi;
}

/* Grows the peak seeded at pixel k inside ASIC a; pixels land in ws->pix. Returns count, -1 OOM. */
static long grow(pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, const pf8_asic *a, uint32_t seed,
                 size_t *n_marked) {
  uint32_t *list;
  size_t n = 0;
  if (sp_vec_reserve(&ws->pix, 64)) return -1;
  list = (uint32_t *)ws->pix.ptr;
  list[n++] = seed;
  ws->peakmap[seed] = 1;
  for (size_t head = 0; head < n; head++) {
    uint32_t cur = list[head];
    int32_t cx = (int32_t)(cur % ws->w), cy = (int32_t)(cur / ws->w);
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++) {
        int32_t x = cx + dx, y = cy + dy;
        if ((dx == 0 && dy == 0) || x < a->x0 || y < a->y0 || x >= a->x0 + a->w || y >= a->y0 + a->h) continue;
        uint32_t k = (uint32_t)y * ws->w + (uint32_t)x;
        double v;
        if (ws->peakmap[k] || !valid_at(ws, px, pp, k, &v) || !((float)v > ws->rthreshold[ws->rbin[k]])) continue;
        if (sp_vec_reserve(&ws->pix, n + 1)) return -1;
        list = (uint32_t *)ws->pix.ptr;
        list[n++] = k;
        ws->peakmap[k] = 1;
      }
    }
  }
  /* remember marked pixels for clearing */
  if (sp_vec_reserve(&ws->marked, *n_marked + n)) return -1;
  memcpy((uint32_t *)ws->marked.ptr + *n_marked, list, n * sizeof(uint32_t));
  *n_marked += n;
  return (long)n;
}

/* Measures a sized peak (list in ws->pix); writes it to o and returns 1 when it passes the cuts. */
static int measure(pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, const pf8_asic *a, size_t npix, double *o) {
  const uint32_t *list = (const uint32_t *)ws->pix.ptr;
  double sw = 0, sx = 0, sy = 0;
  for (size_t i = 0; i < npix; i++) {
    double v = sp_pixel_at(px, list[i]);
    double wv = v - ws->roffset[ws->rbin[list[i]]];
    sw += wv;
    sx += wv * (double)(list[i] % ws->w);
    sy += wv * (double)(list[i] / ws->w);
  }
  if (!(sw > 0)) return 0;
  int32_t lx = (int32_t)lrint(sx / sw), ly = (int32_t)lrint(sy / sw);
  /* local background over a disc of radius 2 * local_bg_radius */
  const int rw = 2 * pp->local_bg_radius;
  double bs = 0, bq = 0, bn = 0, bmax = -INFINITY;
  for (int dy = -rw; dy <= rw; dy++) {
    for (int dx = -rw; dx <= rw; dx++) {
      if (dx * dx + dy * dy > rw * rw) continue;
      int32_t x = lx + dx, y = ly + dy;
      if (x < a->x0 || y < a->y0 || x >= a->x0 + a->w || y >= a->y0 + a->h) continue;
      uint32_t k = (uint32_t)y * ws->w + (uint32_t)x;
      double v;
      if (ws->peakmap[k] || !valid_at(ws, px, pp, k, &v) || !((float)v < ws->rthreshold[ws->rbin[k]])) continue;
      bs += v;
      bq += v * v;
      bn += 1;
      if (v > bmax) bmax = v;
    }
  }
  double loff, lsig;
  if (bn > 0) {
    loff = bs / bn;
    double var = bq / bn - loff * loff;
    lsig = var > 0 ? sqrt(var) : 0;
  } else {
    uint32_t kc = (uint32_t)ly * ws->w + (uint32_t)lx;
    loff = ws->roffset[ws->rbin[kc]];
    lsig = 0.01;
  }
  double tot = 0, vx = 0, vy = 0, vs = 0, vmax = -INFINITY;
  for (size_t i = 0; i < npix; i++) {
    double v = sp_pixel_at(px, list[i]);
    tot += v - loff;
    vs += v;
    vx += v * (double)(list[i] % ws->w);
    vy += v * (double)(list[i] / ws->w);
    if (v > vmax) vmax = v;
  }
  double snr = lsig > 0 ? tot / lsig : (tot > 0 ? INFINITY : 0);
  if (snr < pp->min_snr) return 0;
  if (bn > 0 && vmax - loff < bmax - loff) return 0;
  if (!(vs > 0)) return 0;
  double cx = vx / vs, cy = vy / vs;
  int32_t rx = (int32_t)lrint(cx), ry = (int32_t)lrint(cy);
  if (rx < a->x0 || ry < a->y0 || rx >= a->x0 + a->w || ry >= a->y0 + a->h) return 0;
  o[SP_SPOT_X] = cx + 0.5;
  o[SP_SPOT_Y] = cy + 0.5;
  o[SP_SPOT_INTENSITY] = tot;
  o[SP_SPOT_NPIX] = (double)npix;
  o[SP_SPOT_MAX] = vmax;
  o[SP_SPOT_SNR] = snr;
  o[SP_SPOT_BACKGROUND] = loff;
  o[SP_SPOT_BG_SIGMA] = lsig;
  return 1;
}

/* Raster scan of one ASIC row for peak seeds: a cheap test (value above the bin threshold, not in
 * a peak) first, the full validity test only for those. */
#define DEFINE_SEED_SCAN(NAME, T)                                                                  \
  static uint32_t NAME(const pf8_ws *ws, const T *src, uint32_t k, uint32_t end) {                 \
    for (; k < end; k++) {                                                                         \
      if ((float)src[k] > ws->rthreshold[ws->rbin[k]] && ws->mask[k] && !ws->peakmap[k]) return k; \
    }                                                                                              \
    return end;                                                                                    \
  }

DEFINE_SEED_SCAN(seed_u16, uint16_t)
DEFINE_SEED_SCAN(seed_u32, uint32_t)
DEFINE_SEED_SCAN(seed_i32, int32_t)

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* 8 pixels per step: value vs. its bin's threshold with a gather; exact checks on hits only. */
__attribute__((target("avx2"))) static uint32_t seed_u16_avx2(const pf8_ws *ws, const uint16_t *src, uint32_t k,
                                                              uint32_t end) {
  for (; k + 8 <= end; k += 8) {
    __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + k))));
    __m256i b = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(ws->rbin + k)));
    __m256 t = _mm256_i32gather_ps(ws->rthreshold, b, 4);
    int bits = _mm256_movemask_ps(_mm256_cmp_ps(v, t, _CMP_GT_OQ));
    while (bits) {
      uint32_t i = k + (uint32_t)__builtin_ctz((unsigned)bits);
      if (ws->mask[i] && !ws->peakmap[i]) return i;
      bits &= bits - 1;
    }
  }
  return seed_u16(ws, src, k, end);
}
#endif

static uint32_t next_seed(const pf8_ws *ws, const sp_pixels *px, uint32_t k, uint32_t end) {
  switch (px->type) {
    case SP_PIX_U16:
#if defined(__x86_64__) && defined(__GNUC__)
      if (sp_cpu_current() >= SP_CPU_AVX2) return seed_u16_avx2(ws, (const uint16_t *)px->data, k, end);
#endif
      return seed_u16(ws, (const uint16_t *)px->data, k, end);
    case SP_PIX_U32: return seed_u32(ws, (const uint32_t *)px->data, k, end);
    default: return seed_i32(ws, (const int32_t *)px->data, k, end);
  }
}

long pf8_find(pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, double *out, size_t capacity, double *info) {
  pf8_radial_stats(ws, px, pp, info);
  size_t limit = capacity < pp->max_peaks ? capacity : pp->max_peaks;
  size_t count = 0, sized = 0, n_marked = 0;
  int truncated = 0;
  long status = 0;
  for (uint32_t ai = 0; ai < ws->nasic && status >= 0 && !truncated; ai++) {
    const pf8_asic *a = &ws->asic[ai];
    for (int32_t y = a->y0 + 1; y < a->y0 + a->h - 1 && status >= 0 && !truncated; y++) {
      uint32_t row = (uint32_t)y * ws->w;
      uint32_t end = row + (uint32_t)(a->x0 + a->w - 1);
      for (uint32_t k = next_seed(ws, px, row + (uint32_t)a->x0 + 1, end); k < end; k = next_seed(ws, px, k + 1, end)) {
        double v;
        if (!valid_at(ws, px, pp, k, &v)) continue;
        long npix = grow(ws, px, pp, a, k, &n_marked);
        if (npix < 0) {
          status = -2;
          break;
        }
        if (npix < pp->min_pix || npix > pp->max_pix) continue;
        sized++;
        double one[SP_SPOT_STRIDE];
        if (!measure(ws, px, pp, a, (size_t)npix, one)) continue;
        if (count >= limit) {
          truncated = 1;
          break;
        }
        memcpy(out + count * SP_SPOT_STRIDE, one, sizeof one);
        count++;
      }
    }
  }
  const uint32_t *m = (const uint32_t *)ws->marked.ptr;
  for (size_t i = 0; i < n_marked; i++) ws->peakmap[m[i]] = 0;
  if (status < 0) return status;
  info[PI_PEAKS] = (double)count;
  info[PI_SIZED] = (double)sized;
  info[PI_TRUNCATED] = truncated;
  return (long)count;
}
