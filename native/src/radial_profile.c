/*
 * Radial profile (azimuthal average): the per-geometry bin table and the per-frame kernel.
 *
 * radialBuildTable (once per geometry, mask and bin layout):
 *   for every pixel, its radial coordinate in the bin unit, then its bin index
 *   floor((x - min) / delta) into a uint16 table; masked or out-of-range pixels get the sentinel
 *   nbins. Also the static per-bin pixel count and, when corrections are on, the per-pixel
 *   correction factor c = solid angle x polarisation and its per-bin sum.
 *
 * radialAccumulate (per frame): one streaming pass over pixels and table. Each bin's integer sum
 *   goes into a uint64 accumulator; pixels whose value is invalid this frame (the dtype's all-ones
 *   value, negative int32, NaN, above saturation) are counted per bin and, with corrections, their
 *   factor is subtracted from the static per-bin sum. So the inner loop does one integer add per
 *   pixel and never touches a double, with or without corrections, and the output is
 *     mean[b] = sum[b] / (staticNorm[b] - excludedNorm[b])
 *   which is pyFAI's Sum(signal) / Sum(normalisation) (integrate1d_ng, no pixel splitting); without
 *   corrections the normalisation of a pixel is 1 and this is the plain mean.
 *
 * Overflow: a uint64 sum cannot overflow: a frame has < 2^32 pixels of < 2^32 counts each.
 *
 * Speed: consecutive pixels usually share a bin, so a single accumulator array would serialise
 * every add behind the previous store to the same address. Four interleaved accumulator copies
 * (pixel i goes to copy i & 3) keep four independent chains in flight; they are summed at the end.
 * For 1000 bins the copies take 32 KiB, which stays in L1.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "module.h"
#include "napi_args.h"
#include "radial_geometry.h"

#define SP_RADIAL_COPIES 4
#define SP_RADIAL_MAX_BINS 65535u

enum { SP_UNIT_Q = 0, SP_UNIT_2THETA = 1, SP_UNIT_D = 2 };
enum { SP_DT_U8 = 0, SP_DT_U16 = 1, SP_DT_U32 = 2, SP_DT_I32 = 3, SP_DT_F32 = 4 };

/* ---------- table build ---------- */

static double sp_radial_coordinate(const sp_radial_geometry *g, const sp_pixel_position *p, uint32_t unit) {
  double tth = sp_two_theta(p);
  if (unit == SP_UNIT_2THETA) return tth; /* radians, the unit the edges are given in */
  double q_nm = sp_q_nm(tth, g->wavelength);
  if (unit == SP_UNIT_Q) return q_nm;
  return 2.0 * SP_PI / (q_nm * 0.1); /* d in angstrom; +inf at the PONI */
}

/* Solid angle relative to the PONI (cos^3 of the incidence angle) times pyFAI's polarisation factor. */
static double sp_correction(const sp_radial_geometry *g, const sp_pixel_position *p, int solid_angle,
                            double pol_factor) {
  double c = 1.0;
  if (solid_angle) {
    double cosa = g->dist / sqrt(g->dist * g->dist + p->p1 * p->p1 + p->p2 * p->p2);
    c *= cosa * cosa * cosa;
  }
  if (!isnan(pol_factor)) {
    double tth = sp_two_theta(p);
    double chi = atan2(p->t1, p->t2);
    double cos2tth = cos(tth);
    cos2tth *= cos2tth;
    c *= 0.5 * (1.0 + cos2tth - pol_factor * cos(2.0 * chi) * (1.0 - cos2tth));
  }
  return c;
}

/* args: geometry Float64Array(11), unit, edges Float64Array[min, delta, nbins], valid Uint8Array (or empty
 * for all valid), out table Uint16Array, out staticCount Uint32Array(nbins), corrections Float64Array
 * [solidAngle 0|1, polarisation factor or NaN], out factor Float32Array (n, or empty when no corrections),
 * out staticNorm Float64Array(nbins) */
static napi_value sp_radial_build_table(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  size_t argc;
  if (sp_get_args(env, info, 9, 9, argv, &argc) != 0) return NULL;
  uint8_t *geom_b, *edges_b, *valid, *table_b, *count_b, *corr_b, *factor_b, *norm_b;
  size_t geom_n, edges_n, valid_n, table_n, count_n, corr_n, factor_n, norm_n;
  uint32_t unit;
  if (sp_arg_bytes(env, argv[0], "geometry", &geom_b, &geom_n) || sp_arg_uint32(env, argv[1], "unit", &unit) ||
      sp_arg_bytes(env, argv[2], "edges", &edges_b, &edges_n) || sp_arg_bytes(env, argv[3], "valid", &valid, &valid_n) ||
      sp_arg_bytes(env, argv[4], "table", &table_b, &table_n) ||
      sp_arg_bytes(env, argv[5], "staticCount", &count_b, &count_n) ||
      sp_arg_bytes(env, argv[6], "corrections", &corr_b, &corr_n) ||
      sp_arg_bytes(env, argv[7], "factor", &factor_b, &factor_n) ||
      sp_arg_bytes(env, argv[8], "staticNorm", &norm_b, &norm_n))
    return NULL;
  if (geom_n != SP_GEOM_FIELDS * sizeof(double) || ((uintptr_t)geom_b & 7))
    return sp_throw(env, "ERR_INVALID_ARG", "geometry must be a Float64Array of %d values", SP_GEOM_FIELDS);
  if (edges_n != 3 * sizeof(double) || ((uintptr_t)edges_b & 7))
    return sp_throw(env, "ERR_INVALID_ARG", "edges must be a Float64Array [min, delta, nbins]");
  if (corr_n != 2 * sizeof(double) || ((uintptr_t)corr_b & 7))
    return sp_throw(env, "ERR_INVALID_ARG", "corrections must be a Float64Array [solidAngle, polarisation]");
  if (unit > SP_UNIT_D) return sp_throw(env, "ERR_INVALID_ARG", "unit must be 0 (q), 1 (2theta) or 2 (d), got %u", unit);
  const double *gf = (const double *)geom_b, *edges = (const double *)edges_b, *corr = (const double *)corr_b;
  for (int i = 0; i < SP_GEOM_FIELDS; i++)
    if (!isfinite(gf[i])) return sp_throw(env, "ERR_INVALID_ARG", "geometry value %d is not finite", i);
  double w = gf[SP_GEOM_WIDTH], h = gf[SP_GEOM_HEIGHT];
  if (w < 1 || h < 1 || w != floor(w) || h != floor(h) || w * h > 4294967295.0)
    return sp_throw(env, "ERR_INVALID_ARG", "geometry width/height must be positive integers");
  if (!(gf[SP_GEOM_DISTANCE] > 0) || !(gf[SP_GEOM_WAVELENGTH] > 0) || !(gf[SP_GEOM_PIXEL1] > 0) || !(gf[SP_GEOM_PIXEL2] > 0))
    return sp_throw(env, "ERR_INVALID_ARG", "geometry distance, wavelength and pixel sizes must be positive");
  double min0 = edges[0], delta = edges[1], nb_d = edges[2];
  if (!isfinite(min0) || !(delta > 0) || !isfinite(delta) || nb_d < 1 || nb_d > SP_RADIAL_MAX_BINS || nb_d != floor(nb_d))
    return sp_throw(env, "ERR_INVALID_ARG", "edges: need finite min, delta > 0 and 1 <= nbins <= %u", SP_RADIAL_MAX_BINS);
  uint32_t nbins = (uint32_t)nb_d;
  size_t n = (size_t)w * (size_t)h;
  if (valid_n != 0 && valid_n != n) return sp_throw(env, "ERR_INVALID_ARG", "valid mask has %zu bytes, expected %zu", valid_n, n);
  if (table_n != n * 2 || ((uintptr_t)table_b & 1))
    return sp_throw(env, "ERR_INVALID_ARG", "table must be a Uint16Array of %zu entries", n);
  if (count_n != (size_t)nbins * 4 || ((uintptr_t)count_b & 3))
    return sp_throw(env, "ERR_INVALID_ARG", "staticCount must be a Uint32Array of %u entries", nbins);
  int solid_angle = corr[0] != 0;
  double pol = corr[1];
  int corrected = solid_angle || !isnan(pol);
  if (corrected && (factor_n != n * 4 || ((uintptr_t)factor_b & 3)))
    return sp_throw(env, "ERR_INVALID_ARG", "factor must be a Float32Array of %zu entries when corrections are on", n);
  if (corrected && (norm_n != (size_t)nbins * 8 || ((uintptr_t)norm_b & 7)))
    return sp_throw(env, "ERR_INVALID_ARG", "staticNorm must be a Float64Array of %u entries when corrections are on", nbins);

  sp_radial_geometry g;
  sp_radial_geometry_init(&g, gf);
  uint16_t *table = (uint16_t *)table_b;
  uint32_t *count = (uint32_t *)count_b;
  float *factor = corrected ? (float *)factor_b : NULL;
  double *norm = corrected ? (double *)norm_b : NULL;
  memset(count, 0, (size_t)nbins * 4);
  if (norm) memset(norm, 0, (size_t)nbins * 8);

  for (uint32_t row = 0; row < g.height; row++) {
    for (uint32_t col = 0; col < g.width; col++) {
      size_t i = (size_t)row * g.width + col;
      sp_pixel_position p;
      sp_pixel_position_at(&g, col, row, &p);
      double fbin = (sp_radial_coordinate(&g, &p, unit) - min0) / delta;
      uint32_t bin = nbins;
      if (fbin >= 0.0 && fbin < (double)nbins && (valid_n == 0 || valid[i])) bin = (uint32_t)fbin;
      table[i] = (uint16_t)bin;
      if (factor) factor[i] = (float)sp_correction(&g, &p, solid_angle, pol);
      if (bin < nbins) {
        count[bin]++;
        if (norm) norm[bin] += factor[i];
      }
    }
  }
  return NULL;
}
SP_EXPORT("radialBuildTable", sp_radial_build_table)

/* ---------- per-frame accumulation ---------- */

/* Scratch slots per array: a power of two above the sentinel, so that masking a table entry with
 * slots - 1 (one AND) keeps even a corrupt entry inside the scratch. */
static size_t sp_radial_slots(uint32_t nbins) {
  size_t slots = 1;
  while (slots < (size_t)nbins + 1) slots <<= 1;
  return slots;
}

typedef struct {
  uint64_t *sum;      /* [ (nbins+1) * COPIES ], copy k of bin b at b*COPIES + k */
  uint32_t *excluded; /* [nbins+1] pixels excluded this frame */
  double *excl_norm;  /* [nbins+1] their correction factors */
} sp_radial_scratch;

/* One pixel: an integer add into copy K of its bin, or, rarely, the per-frame exclusion path. */
#define SP_RADIAL_PIXEL(I, K)                                              \
  do {                                                                     \
    uint32_t v_ = (uint32_t)px[(I)]; /* int32: negatives wrap above limit */                                         \
    uint32_t b_ = tab[(I)];                                                \
    b_ &= slot_mask; /* a corrupt table never indexes out of scratch */   \
    if (__builtin_expect(v_ > limit, 0)) {                                 \
      excluded[b_]++;                                                      \
      if (factor) excl_norm[b_] += factor[(I)];                            \
      dropped++;                                                           \
    } else {                                                               \
      sum[(size_t)b_ * SP_RADIAL_COPIES + (K)] += v_;                      \
    }                                                                      \
  } while (0)

/* Invalid this frame: a per-dtype test folded into one unsigned compare against `limit`.
 * noinline keeps each kernel's loop in registers (inlined into the dispatcher it spilled). */
#define SP_RADIAL_INTEGER_KERNEL(NAME, TYPE)                                                      \
  __attribute__((noinline)) static uint64_t NAME(const TYPE *restrict px, const uint16_t *restrict tab,   \
                                                 size_t n, uint32_t slot_mask, uint32_t limit,            \
                                                 const float *factor, const sp_radial_scratch *s) {       \
    uint64_t *restrict sum = s->sum;                                                                      \
    uint32_t *restrict excluded = s->excluded;                                                            \
    double *restrict excl_norm = s->excl_norm;                                                            \
    uint64_t dropped = 0;                                                                                 \
    size_t i = 0;                                                                                         \
    for (; i + SP_RADIAL_COPIES <= n; i += SP_RADIAL_COPIES) {                                            \
      SP_RADIAL_PIXEL(i, 0);                                                                              \
      SP_RADIAL_PIXEL(i + 1, 1);                                                                          \
      SP_RADIAL_PIXEL(i + 2, 2);                                                                          \
      SP_RADIAL_PIXEL(i + 3, 3);                                                                          \
    }                                                                                                     \
    for (; i < n; i++) SP_RADIAL_PIXEL(i, 0);                                                             \
    return dropped;                                                                                       \
  }

SP_RADIAL_INTEGER_KERNEL(sp_radial_u8, uint8_t)
SP_RADIAL_INTEGER_KERNEL(sp_radial_u16, uint16_t)
SP_RADIAL_INTEGER_KERNEL(sp_radial_u32, uint32_t)
/* int32: negative values (PILATUS gaps -1, dead -2) become > 2^31 and fail the compare */
SP_RADIAL_INTEGER_KERNEL(sp_radial_i32, int32_t)

/* float32 (test data from other detectors): doubles, NaN and values above the limit are invalid.
 * The sums are kept in the uint64 scratch slots reinterpreted as doubles. */
__attribute__((noinline)) static uint64_t sp_radial_f32(const float *px, const uint16_t *tab, size_t n, uint32_t slot_mask,
                                                       double limit, const float *factor, const sp_radial_scratch *s) {
  double *sum = (double *)s->sum;
  uint64_t dropped = 0;
  for (size_t i = 0; i < n; i++) {
    float v = px[i];
    uint32_t b = tab[i];
    b &= slot_mask;
    if (!(v <= limit)) {
      s->excluded[b]++;
      if (factor) s->excl_norm[b] += factor[i];
      dropped++;
    } else {
      sum[(size_t)b * SP_RADIAL_COPIES + (i & (SP_RADIAL_COPIES - 1))] += v;
    }
  }
  return dropped;
}

static size_t sp_dtype_size(uint32_t dt) {
  switch (dt) {
    case SP_DT_U8: return 1;
    case SP_DT_U16: return 2;
    default: return 4;
  }
}

/* args: pixels, dtype, table Uint16Array, nbins, limit (largest valid value), scratch Float64Array
 * (radialScratchLength(nbins) values), staticCount Uint32Array, staticNorm Float64Array (or empty),
 * factor Float32Array (or empty), out mean Float64Array(nbins), out count Uint32Array(nbins).
 * Returns the number of pixels excluded this frame (all of them, masked ones included). */
static napi_value sp_radial_accumulate(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  size_t argc;
  if (sp_get_args(env, info, 11, 11, argv, &argc) != 0) return NULL;
  uint8_t *px, *tab_b, *scr_b, *cnt_b, *norm_b, *fac_b, *mean_b, *ocnt_b;
  size_t px_n, tab_n, scr_n, cnt_n, norm_n, fac_n, mean_n, ocnt_n;
  uint32_t dtype, nbins;
  double limit;
  if (sp_arg_bytes(env, argv[0], "pixels", &px, &px_n) || sp_arg_uint32(env, argv[1], "dtype", &dtype) ||
      sp_arg_bytes(env, argv[2], "table", &tab_b, &tab_n) || sp_arg_uint32(env, argv[3], "nbins", &nbins) ||
      sp_arg_double(env, argv[4], "limit", &limit) || sp_arg_bytes(env, argv[5], "scratch", &scr_b, &scr_n) ||
      sp_arg_bytes(env, argv[6], "staticCount", &cnt_b, &cnt_n) ||
      sp_arg_bytes(env, argv[7], "staticNorm", &norm_b, &norm_n) ||
      sp_arg_bytes(env, argv[8], "factor", &fac_b, &fac_n) || sp_arg_bytes(env, argv[9], "mean", &mean_b, &mean_n) ||
      sp_arg_bytes(env, argv[10], "count", &ocnt_b, &ocnt_n))
    return NULL;
  if (dtype > SP_DT_F32) return sp_throw(env, "ERR_INVALID_ARG", "dtype code %u is not 0..4", dtype);
  if (nbins < 1 || nbins > SP_RADIAL_MAX_BINS) return sp_throw(env, "ERR_INVALID_ARG", "nbins must be 1..%u", SP_RADIAL_MAX_BINS);
  if ((uintptr_t)tab_b & 1) return sp_throw(env, "ERR_INVALID_ARG", "table must be a Uint16Array");
  size_t n = tab_n / 2, es = sp_dtype_size(dtype);
  if (px_n != n * es || ((uintptr_t)px & (es - 1)))
    return sp_throw(env, "ERR_INVALID_ARG", "pixels: %zu bytes for %zu table entries of %zu bytes each", px_n, n, es);
  size_t slots = sp_radial_slots(nbins);
  uint32_t slot_mask = (uint32_t)(slots - 1);
  size_t need = slots * SP_RADIAL_COPIES * 8 + slots * 8 + slots * 8;
  if (scr_n < need || ((uintptr_t)scr_b & 7))
    return sp_throw(env, "ERR_INVALID_ARG", "scratch must be a Float64Array of at least %zu values", need / 8);
  if (cnt_n != (size_t)nbins * 4 || ((uintptr_t)cnt_b & 3))
    return sp_throw(env, "ERR_INVALID_ARG", "staticCount must be a Uint32Array of %u entries", nbins);
  if (mean_n != (size_t)nbins * 8 || ((uintptr_t)mean_b & 7))
    return sp_throw(env, "ERR_INVALID_ARG", "mean must be a Float64Array of %u entries", nbins);
  if (ocnt_n != (size_t)nbins * 4 || ((uintptr_t)ocnt_b & 3))
    return sp_throw(env, "ERR_INVALID_ARG", "count must be a Uint32Array of %u entries", nbins);
  int corrected = norm_n != 0;
  if (corrected && (norm_n != (size_t)nbins * 8 || ((uintptr_t)norm_b & 7)))
    return sp_throw(env, "ERR_INVALID_ARG", "staticNorm must be empty or a Float64Array of %u entries", nbins);
  if (corrected && (fac_n != n * 4 || ((uintptr_t)fac_b & 3)))
    return sp_throw(env, "ERR_INVALID_ARG", "factor must be a Float32Array of %zu entries with staticNorm", n);

  sp_radial_scratch s;
  s.sum = (uint64_t *)scr_b;
  s.excluded = (uint32_t *)(scr_b + slots * SP_RADIAL_COPIES * 8);
  s.excl_norm = (double *)(scr_b + slots * SP_RADIAL_COPIES * 8 + slots * 8);
  memset(scr_b, 0, need);
  const uint16_t *tab = (const uint16_t *)tab_b;
  const float *factor = corrected ? (const float *)fac_b : NULL;

  /* The largest valid value per dtype: saturation, capped below the all-ones marker. */
  double cap = dtype == SP_DT_U8 ? 254.0 : dtype == SP_DT_U16 ? 65534.0 : dtype == SP_DT_U32 ? 4294967294.0 : 2147483647.0;
  double lim = limit < cap ? limit : cap;
  uint32_t ulim = lim < 0 ? 0 : (uint32_t)floor(lim);
  int none_valid = lim < 0;
  uint64_t dropped;
  switch (dtype) {
    case SP_DT_U8: dropped = sp_radial_u8(px, tab, n, slot_mask, ulim, factor, &s); break;
    case SP_DT_U16: dropped = sp_radial_u16((const uint16_t *)px, tab, n, slot_mask, ulim, factor, &s); break;
    case SP_DT_U32: dropped = sp_radial_u32((const uint32_t *)px, tab, n, slot_mask, ulim, factor, &s); break;
    case SP_DT_I32: dropped = sp_radial_i32((const int32_t *)px, tab, n, slot_mask, ulim, factor, &s); break;
    default: dropped = sp_radial_f32((const float *)px, tab, n, slot_mask, limit, factor, &s); break;
  }
  if (none_valid && dtype != SP_DT_F32) {
    /* A negative limit means nothing is valid; the integer kernels cannot express it. */
    memset(s.sum, 0, slots * SP_RADIAL_COPIES * 8);
  }

  const uint32_t *static_count = (const uint32_t *)cnt_b;
  const double *static_norm = corrected ? (const double *)norm_b : NULL;
  double *mean = (double *)mean_b;
  uint32_t *count = (uint32_t *)ocnt_b;
  for (uint32_t b = 0; b < nbins; b++) {
    const uint64_t *c = s.sum + (size_t)b * SP_RADIAL_COPIES;
    double total;
    if (dtype == SP_DT_F32) {
      const double *d = (const double *)c;
      total = (d[0] + d[1]) + (d[2] + d[3]);
    } else {
      total = (double)(c[0] + c[1] + c[2] + c[3]);
    }
    uint32_t excl = s.excluded[b];
    uint32_t cnt = static_count[b] > excl ? static_count[b] - excl : 0;
    if (none_valid) cnt = 0;
    double norm = static_norm ? static_norm[b] - s.excl_norm[b] : (double)cnt;
    count[b] = cnt;
    mean[b] = cnt > 0 && norm != 0.0 ? total / norm : NAN;
  }
  return sp_number(env, (double)dropped);
}
SP_EXPORT("radialAccumulate", sp_radial_accumulate)

/* Number of Float64 slots radialAccumulate needs as scratch for nbins bins. */
static napi_value sp_radial_scratch_length(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  uint32_t nbins;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0 || sp_arg_uint32(env, argv[0], "nbins", &nbins)) return NULL;
  if (nbins < 1 || nbins > SP_RADIAL_MAX_BINS) return sp_throw(env, "ERR_INVALID_ARG", "nbins must be 1..%u", SP_RADIAL_MAX_BINS);
  return sp_number(env, (double)(sp_radial_slots(nbins) * (SP_RADIAL_COPIES + 2)));
}
SP_EXPORT("radialScratchLength", sp_radial_scratch_length)
