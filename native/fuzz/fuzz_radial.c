/*
 * libFuzzer target for the radial-profile and mask kernels (native/src/radial_kernel.h,
 * native/src/mask_kernel.h).
 *
 * The input is read as a stream of choices: frame size (small, so the table build is cheap),
 * geometry, unit, bin layout, corrections and mask, then the pixel type, pixels and limit. Each
 * choice is either a plausible value derived from a byte or, when a flag byte says so, raw bytes
 * reinterpreted as a double (NaN, infinities, negatives, huge values). The table is the kernel's
 * own or, as often, arbitrary input bytes (corrupt entries, any nbins up to the maximum), and a
 * length is sometimes off by one. Every buffer is a heap block of exactly its length, so
 * AddressSanitizer sees any access outside it; a refused call must leave its outputs untouched.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mask_kernel.h"
#include "radial_geometry.h"
#include "radial_kernel.h"

#define MAX_SIDE 40u

typedef struct {
  const uint8_t *p;
  size_t left;
} input;

static uint8_t take8(input *in) {
  if (in->left == 0) return 0;
  in->left--;
  return *in->p++;
}

static uint32_t take32(input *in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)take8(in) << (8 * i);
  return v;
}

static double take_raw_double(input *in) {
  uint64_t bits = (uint64_t)take32(in) | (uint64_t)take32(in) << 32;
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

/* A value in [lo, hi) from one byte, or (one time in eight) any double at all. */
static double take_double(input *in, double lo, double hi) {
  uint8_t b = take8(in);
  if ((b & 7) == 7) return take_raw_double(in);
  return lo + (hi - lo) * (double)(b >> 3) / 32.0;
}

static void die(const char *what) {
  fprintf(stderr, "fuzz_radial: %s\n", what);
  abort();
}

/* An exact-size heap block of count elements (malloc(0) may be NULL: the kernels accept that). */
static void *block(size_t count, size_t elem) {
  void *p = malloc(count * elem ? count * elem : 1);
  if (!p) die("out of memory");
  return p;
}

/* Fills a buffer from the input, cycling over what is left (zeros once it runs out). */
static void fill(input *in, void *dst, size_t bytes) {
  uint8_t *d = dst;
  for (size_t i = 0; i < bytes; i++) d[i] = in->left ? in->p[i % in->left] : 0;
}

/* One length out of true when the input says so (then *off is set, when given). */
static size_t maybe_off(input *in, size_t len, int *off) {
  uint8_t b = take8(in);
  if (b < 250) return len;
  if (off) *off = 1;
  return b & 1 ? len + 1 : (len ? len - 1 : 1);
}

typedef struct {
  double geometry[SP_GEOM_FIELDS];
  size_t n;
} frame_shape;

static void take_geometry(input *in, frame_shape *f) {
  uint32_t w = 1 + take8(in) % MAX_SIDE, h = 1 + take8(in) % MAX_SIDE;
  double *g = f->geometry;
  g[SP_GEOM_WIDTH] = w;
  g[SP_GEOM_HEIGHT] = h;
  g[SP_GEOM_PIXEL1] = take_double(in, 50e-6, 200e-6);
  g[SP_GEOM_PIXEL2] = take_double(in, 50e-6, 200e-6);
  g[SP_GEOM_PONI1] = take_double(in, -0.2, 1.2) * h * 75e-6;
  g[SP_GEOM_PONI2] = take_double(in, -0.2, 1.2) * w * 75e-6;
  g[SP_GEOM_DISTANCE] = take_double(in, 0.001, 0.3);
  g[SP_GEOM_WAVELENGTH] = take_double(in, 0.3e-10, 3e-10);
  for (int r = SP_GEOM_ROT1; r <= SP_GEOM_ROT3; r++) g[r] = take_double(in, -0.5, 0.5);
  f->n = (size_t)w * h;
}

/* Builds a table from fuzzed geometry and layout into exact buffers; returns nbins on success
 * (the outputs then belong to the caller), 0 when the kernel refused. */
static uint32_t fuzz_table(input *in, const frame_shape *f, uint16_t **table, uint32_t **count, float **factor,
                           double **norm) {
  uint32_t unit = take8(in) % 4; /* 3 is refused */
  uint8_t nb_choice = take8(in);
  double nbins = nb_choice < 200 ? 1 + nb_choice % 64 : nb_choice < 250 ? SP_RADIAL_MAX_BINS : take_raw_double(in);
  double span = unit == SP_UNIT_Q ? 30.0 : unit == SP_UNIT_2THETA ? 1.0 : 50.0;
  double edges[3] = {take_double(in, 0, span / 4), take_double(in, 0, span) / (nbins >= 1 ? nbins : 1), nbins};
  double corrections[2] = {take8(in) & 1, take8(in) & 1 ? take_double(in, -1, 1) : NAN};
  int corrected = corrections[0] != 0 || !isnan(corrections[1]);
  size_t valid_len = take8(in) & 1 ? f->n : 0;
  int off = 0;
  size_t table_len = maybe_off(in, f->n, &off);
  size_t nb = nbins >= 1 && nbins <= SP_RADIAL_MAX_BINS ? (size_t)nbins : 1;
  size_t count_len = maybe_off(in, nb, &off);
  uint8_t *valid = block(valid_len, 1);
  fill(in, valid, valid_len);

  sp_radial_table_args a = {.geometry = f->geometry,
                            .unit = unit,
                            .edges = edges,
                            .corrections = corrections,
                            .valid = valid,
                            .valid_len = valid_len,
                            .table = block(table_len, 2),
                            .table_len = table_len,
                            .static_count = block(count_len, 4),
                            .static_count_len = count_len,
                            .factor = corrected ? block(f->n, 4) : NULL,
                            .factor_len = corrected ? f->n : 0,
                            .static_norm = corrected ? block(nb, 8) : NULL,
                            .static_norm_len = corrected ? nb : 0};
  memset(a.table, 0xA5, table_len * 2);
  sp_radial_status st = sp_radial_build_table(&a);
  free(valid);
  if (st == SP_RADIAL_OK) {
    if (off) die("table build accepted a wrong length");
    for (size_t i = 0; i < f->n; i++)
      if (a.table[i] > nb) die("table entry above the sentinel");
    *table = a.table, *count = a.static_count, *factor = a.factor, *norm = a.static_norm;
    return (uint32_t)nb;
  }
  for (size_t i = 0; i < table_len; i++)
    if (a.table[i] != 0xA5A5) die("refused table build wrote its output");
  free(a.table), free(a.static_count), free(a.factor), free(a.static_norm);
  return 0;
}

static const size_t pixel_size[] = {1, 2, 4, 4, 4, 4};

/* One frame through sp_radial_accumulate with the given tables (arbitrary ones included). */
static void fuzz_frame(input *in, size_t n, uint32_t nbins, const uint16_t *table, const uint32_t *count,
                       const float *factor, const double *norm) {
  int type = take8(in) % 6; /* 5 is refused */
  size_t px_count = maybe_off(in, n, NULL);
  size_t need = sp_radial_scratch_length(nbins), scratch_len = maybe_off(in, need, NULL);
  size_t mean_len = maybe_off(in, nbins, NULL), count_len = maybe_off(in, nbins, NULL);
  /* The corrections' arrays are nbins and n long; a claim off by one must be refused, but for
   * nbins - 1 = 0, which means no corrections. */
  size_t norm_len = norm ? maybe_off(in, nbins, NULL) : 0, factor_len = factor ? maybe_off(in, n, NULL) : 0;
  void *px = block(px_count, pixel_size[type]);
  fill(in, px, px_count * pixel_size[type]);
  double limit = take8(in) & 1 ? take_raw_double(in) : take_double(in, -2, 70000);
  double *scratch = block(scratch_len, 8), *mean = block(mean_len, 8);
  uint32_t *out_count = block(count_len, 4);
  memset(mean, 0x5A, mean_len * 8);

  sp_radial_frame_args a = {.pixels = px,
                            .pixel_count = px_count,
                            .pixel_type = (sp_radial_pixel_type)type,
                            .table = table,
                            .table_len = n,
                            .nbins = nbins,
                            .limit = limit,
                            .scratch = scratch,
                            .scratch_len = scratch_len,
                            .static_count = count,
                            .static_count_len = nbins,
                            .static_norm = norm,
                            .static_norm_len = norm_len,
                            .factor = factor,
                            .factor_len = factor_len,
                            .mean = mean,
                            .mean_len = mean_len,
                            .count = out_count,
                            .count_len = count_len};
  uint64_t dropped = 0;
  sp_radial_status st = sp_radial_accumulate(&a, &dropped);
  /* A wrong length, a short scratch, a bad type and a NaN limit must be refused, and the refusal
   * leaves mean alone (a longer scratch is fine). */
  int must_refuse = px_count != n || scratch_len < need || mean_len != nbins || count_len != nbins || type == 5 ||
                    isnan(limit) || (norm_len && (norm_len != nbins || factor_len != n));
  if (st == SP_RADIAL_OK) {
    if (must_refuse) die("accumulate accepted a bad argument");
    if (dropped > n) die("more pixels dropped than the frame has");
    for (uint32_t b = 0; b < nbins; b++)
      if (out_count[b] > count[b]) die("a bin counts more pixels than it has");
  } else {
    if (!must_refuse) die("accumulate refused good arguments");
    for (size_t b = 0; b < mean_len * 8; b++)
      if (((uint8_t *)mean)[b] != 0x5A) die("refused accumulate wrote its output");
  }
  free(px), free(scratch), free(mean), free(out_count);
}

/* The static masks on the same geometry and a fuzzed detector mask. */
static void fuzz_masks(input *in, const frame_shape *f) {
  int off = 0;
  size_t valid_len = maybe_off(in, f->n, &off);
  uint8_t *valid = block(valid_len, 1);
  uint32_t *det = block(f->n, 4);
  fill(in, valid, valid_len);
  fill(in, det, f->n * 4);
  size_t cleared = 0;
  if (sp_mask_apply_detector(det, f->n, valid, valid_len, &cleared) == SP_MASK_OK && (off || cleared > f->n))
    die("detector mask: wrong length accepted or too many cleared");
  double dmin = take_double(in, -1, 20), dmax = take_double(in, -1, 200);
  if (sp_mask_apply_resolution(f->geometry, dmin, dmax, valid, valid_len, &cleared) == SP_MASK_OK &&
      (off || cleared > f->n))
    die("resolution mask: wrong length accepted or too many cleared");
  free(valid), free(det);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  frame_shape f;
  take_geometry(&in, &f);
  uint16_t *table = NULL;
  uint32_t *count = NULL;
  float *factor = NULL;
  double *norm = NULL;
  uint32_t nbins = 0;
  if (take8(&in) & 1) {
    nbins = fuzz_table(&in, &f, &table, &count, &factor, &norm);
    if (norm && take8(&in) & 1) free(norm), free(factor), norm = NULL, factor = NULL;
  } else {
    /* Arbitrary table and per-bin counts: entries far above nbins must stay inside the scratch. */
    uint8_t b = take8(&in);
    nbins = b < 240 ? 1 + b % 300 : SP_RADIAL_MAX_BINS;
    table = block(f.n, 2), count = block(nbins, 4);
    fill(&in, table, f.n * 2);
    fill(&in, count, (size_t)nbins * 4);
    if (take8(&in) & 1) {
      factor = block(f.n, 4), norm = block(nbins, 8);
      fill(&in, factor, f.n * 4); /* any float, NaN too */
      fill(&in, norm, (size_t)nbins * 8);
    }
  }
  if (nbins) fuzz_frame(&in, f.n, nbins, table, count, factor, norm);
  fuzz_masks(&in, &f);
  free(table), free(count), free(factor), free(norm);
  return 0;
}
