/*
 * Sanitizer harness for the radial-profile and mask kernels (built by native/fuzz/build.sh with
 * ASan + UBSan). Valid cases are compared with a plain reference written here from the
 * definitions (bins from 2theta in double precision, means as sums over the valid pixels of a
 * bin); hostile cases (corrupt table entries, nbins 1 and the maximum, negative and NaN limits,
 * NaN and infinite float pixels, zero-size frames, every refused argument) must be refused or
 * survived without a sanitizer report. Every array is a heap block of exactly its length.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mask_kernel.h"
#include "radial_geometry.h"
#include "radial_kernel.h"

static const char *status_name(sp_radial_status s) {
  static const char *names[] = {"OK",          "BAD_GEOMETRY",     "BAD_UNIT",        "BAD_EDGES",  "BAD_NBINS",
                                "BAD_VALID",   "BAD_TABLE",        "BAD_PIXEL_TYPE",  "BAD_PIXELS", "BAD_LIMIT",
                                "BAD_SCRATCH", "BAD_STATIC_COUNT", "BAD_STATIC_NORM", "BAD_FACTOR", "BAD_MEAN",
                                "BAD_COUNT"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void *exact(size_t count, size_t elem) {
  void *p = malloc(count * elem ? count * elem : 1);
  if (!p) abort();
  return p;
}

static uint32_t rng = 2463534242u;
static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* ---------- a frame: geometry, bins, tables ---------- */

typedef struct {
  double geom[SP_GEOM_FIELDS];
  uint32_t w, h, unit, nbins;
  double min, delta;
  int solid_angle;
  double pol;     /* NaN: none */
  uint8_t *valid; /* NULL: all valid */
  uint16_t *table;
  uint32_t *static_count;
  float *factor;
  double *static_norm;
} frame;

/* A detector normal to the beam, centre (cx, cy) in pixels, 75 um pixels. */
static void frame_init(frame *f, uint32_t w, uint32_t h, double cx, double cy, double dist, double wavelength) {
  memset(f, 0, sizeof *f);
  f->w = w, f->h = h;
  double *g = f->geom;
  g[SP_GEOM_WIDTH] = w, g[SP_GEOM_HEIGHT] = h;
  g[SP_GEOM_PIXEL1] = g[SP_GEOM_PIXEL2] = 75e-6;
  g[SP_GEOM_PONI1] = cy * 75e-6, g[SP_GEOM_PONI2] = cx * 75e-6;
  g[SP_GEOM_DISTANCE] = dist, g[SP_GEOM_WAVELENGTH] = wavelength;
  f->pol = NAN;
}

static size_t frame_pixels(const frame *f) { return (size_t)f->w * f->h; }

static sp_radial_table_args table_args(frame *f, double *edges, double *corr) {
  size_t n = frame_pixels(f);
  int corrected = f->solid_angle || !isnan(f->pol);
  edges[0] = f->min, edges[1] = f->delta, edges[2] = f->nbins;
  corr[0] = f->solid_angle, corr[1] = f->pol;
  sp_radial_table_args a = {.geometry = f->geom,
                            .unit = f->unit,
                            .edges = edges,
                            .corrections = corr,
                            .valid = f->valid,
                            .valid_len = f->valid ? n : 0,
                            .table = f->table,
                            .table_len = n,
                            .static_count = f->static_count,
                            .static_count_len = f->nbins,
                            .factor = f->factor,
                            .factor_len = corrected ? n : 0,
                            .static_norm = f->static_norm,
                            .static_norm_len = corrected ? f->nbins : 0};
  return a;
}

/* Allocates the tables and builds them; returns the kernel's status. */
static sp_radial_status frame_build(frame *f) {
  size_t n = frame_pixels(f);
  int corrected = f->solid_angle || !isnan(f->pol);
  f->table = exact(n, 2);
  f->static_count = exact(f->nbins, 4);
  f->factor = corrected ? exact(n, 4) : NULL;
  f->static_norm = corrected ? exact(f->nbins, 8) : NULL;
  double edges[3], corr[2];
  sp_radial_table_args a = table_args(f, edges, corr);
  return sp_radial_build_table(&a);
}

static void frame_free(frame *f) {
  free(f->valid), free(f->table), free(f->static_count), free(f->factor), free(f->static_norm);
  f->valid = NULL, f->table = NULL, f->static_count = NULL, f->factor = NULL, f->static_norm = NULL;
}

/* ---------- the reference ---------- */

/* Pixel centre offsets from the PONI and 2theta, in double precision (no rotations). */
static void ref_position(const frame *f, uint32_t col, uint32_t row, double *p1, double *p2, double *tth) {
  *p1 = (row + 0.5) * f->geom[SP_GEOM_PIXEL1] - f->geom[SP_GEOM_PONI1];
  *p2 = (col + 0.5) * f->geom[SP_GEOM_PIXEL2] - f->geom[SP_GEOM_PONI2];
  *tth = atan2(sqrt(*p1 * *p1 + *p2 * *p2), f->geom[SP_GEOM_DISTANCE]);
}

static double ref_d(const frame *f, double tth) { return f->geom[SP_GEOM_WAVELENGTH] * 1e10 / (2.0 * sin(tth / 2.0)); }

/* The bin coordinate (x - min) / delta of a pixel in the frame's unit. */
static double ref_fbin(const frame *f, uint32_t col, uint32_t row) {
  double p1, p2, tth;
  ref_position(f, col, row, &p1, &p2, &tth);
  double x = f->unit == SP_UNIT_2THETA ? tth
             : f->unit == SP_UNIT_Q    ? 4.0 * SP_PI / (f->geom[SP_GEOM_WAVELENGTH] * 1e9) * sin(tth / 2.0)
                                       : ref_d(f, tth);
  return (x - f->min) / f->delta;
}

/* Solid angle cos^3 and polarisation 0.5 (1 + cos^2 2th - P cos 2chi sin^2 2th). */
static double ref_factor(const frame *f, uint32_t col, uint32_t row) {
  double p1, p2, tth, c = 1.0;
  ref_position(f, col, row, &p1, &p2, &tth);
  double dist = f->geom[SP_GEOM_DISTANCE];
  if (f->solid_angle) c *= pow(dist / sqrt(dist * dist + p1 * p1 + p2 * p2), 3);
  if (!isnan(f->pol)) {
    double c2 = cos(tth) * cos(tth);
    c *= 0.5 * (1.0 + c2 - f->pol * cos(2.0 * atan2(p1, p2)) * (1.0 - c2));
  }
  return c;
}

static int close_to(double got, double want, double rel) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= rel * fabs(want) + 1e-300;
}

/* The bin of a reference coordinate, the sentinel outside the layout. */
static uint32_t ref_bin(const frame *f, double fbin, size_t i) {
  return fbin >= 0 && fbin < f->nbins && (!f->valid || f->valid[i]) ? (uint32_t)fbin : f->nbins;
}

/* The table agrees with the reference bins up to the float32 rounding of the pixel positions
 * (about 1e-6 of the range, so a pixel that close to an edge may go either way), the counts are
 * the table's histogram and the norms the sums of the factors. */
static void check_table(const char *name, const frame *f) {
  size_t n = frame_pixels(f), wrong = 0;
  const double margin = 2e-6 * f->nbins + 1e-9;
  uint32_t *hist = calloc((size_t)f->nbins + 1, 4);
  double *norm = calloc((size_t)f->nbins + 1, 8);
  int factor_ok = 1;
  for (uint32_t row = 0; row < f->h; row++)
    for (uint32_t col = 0; col < f->w; col++) {
      size_t i = (size_t)row * f->w + col;
      double fb = ref_fbin(f, col, row);
      uint32_t lo = ref_bin(f, fb - margin, i), hi = ref_bin(f, fb + margin, i), got = f->table[i];
      int in_range = lo < f->nbins && hi < f->nbins ? lo <= got && got <= hi : got == lo || got == hi;
      if (!in_range || got > f->nbins) {
        if (wrong++ == 0) fprintf(stderr, "%s: pixel (%u, %u) in bin %u, reference %.6f\n", name, col, row, got, fb);
        continue;
      }
      hist[got]++;
      if (f->factor) {
        factor_ok &= close_to(f->factor[i], ref_factor(f, col, row), 1e-6);
        norm[got] += f->factor[i];
      }
    }
  CHECK(wrong == 0, "%s: %zu of %zu pixels in another bin than the reference", name, wrong, n);
  int counts_ok = 1, norms_ok = 1;
  for (uint32_t b = 0; wrong == 0 && b < f->nbins; b++) {
    counts_ok &= f->static_count[b] == hist[b];
    if (f->static_norm) norms_ok &= close_to(f->static_norm[b], norm[b], 1e-9);
  }
  CHECK(counts_ok, "%s: staticCount is not the table's histogram", name);
  CHECK(factor_ok, "%s: a correction factor differs from cos^3 x polarisation", name);
  CHECK(norms_ok, "%s: staticNorm is not the per-bin sum of the factors", name);
  free(hist), free(norm);
}

/* Valid by the definition: not the type's all-ones marker, not a negative int32, not above the
 * limit (not NaN either); with a negative limit nothing is. */
static int ref_valid(sp_radial_pixel_type t, const void *px, size_t i, double limit, double *value) {
  double v;
  int marker = 0;
  switch (t) {
    case SP_RADIAL_U8: v = ((const uint8_t *)px)[i], marker = v == 0xFF; break;
    case SP_RADIAL_U16: v = ((const uint16_t *)px)[i], marker = v == 0xFFFF; break;
    case SP_RADIAL_U32: v = ((const uint32_t *)px)[i], marker = v == 0xFFFFFFFFu; break;
    case SP_RADIAL_I32: v = ((const int32_t *)px)[i], marker = v < 0; break;
    default: v = ((const float *)px)[i]; break;
  }
  *value = v;
  return limit >= 0 && !marker && v <= limit;
}

static const size_t type_size[] = {1, 2, 4, 4, 4};
static const char *type_name[] = {"u8", "u16", "u32", "i32", "f32"};

typedef struct {
  double *mean;
  uint32_t *count;
  uint64_t dropped;
  sp_radial_status status;
} frame_result;

/* Runs the kernel on exact buffers: scratch of exactly the length it asks for. */
static frame_result accumulate(const frame *f, const uint16_t *table, sp_radial_pixel_type t, const void *px,
                               double limit, int corrected) {
  size_t n = frame_pixels(f), slen = sp_radial_scratch_length(f->nbins);
  frame_result r = {exact(f->nbins, 8), exact(f->nbins, 4), 0, SP_RADIAL_OK};
  double *scratch = exact(slen, 8);
  sp_radial_frame_args a = {.pixels = px,
                            .pixel_count = n,
                            .pixel_type = t,
                            .table = table,
                            .table_len = n,
                            .nbins = f->nbins,
                            .limit = limit,
                            .scratch = scratch,
                            .scratch_len = slen,
                            .static_count = f->static_count,
                            .static_count_len = f->nbins,
                            .static_norm = corrected ? f->static_norm : NULL,
                            .static_norm_len = corrected ? f->nbins : 0,
                            .factor = corrected ? f->factor : NULL,
                            .factor_len = corrected ? n : 0,
                            .mean = r.mean,
                            .mean_len = f->nbins,
                            .count = r.count,
                            .count_len = f->nbins};
  r.status = sp_radial_accumulate(&a, &r.dropped);
  free(scratch);
  return r;
}

/* The kernel's profile against the reference for one pixel array and limit. */
static void check_frame(const char *name, const frame *f, sp_radial_pixel_type t, const void *px, double limit,
                        int corrected) {
  size_t n = frame_pixels(f);
  double *sum = calloc((size_t)f->nbins + 1, 8), *norm = calloc((size_t)f->nbins + 1, 8);
  uint32_t *cnt = calloc((size_t)f->nbins + 1, 4);
  uint64_t invalid = 0;
  for (size_t i = 0; i < n; i++) {
    double v;
    uint32_t b = f->table[i]; /* from nbins on: in no bin */
    if (!ref_valid(t, px, i, limit, &v)) {
      invalid++;
      continue;
    }
    if (b < f->nbins) sum[b] += v, cnt[b]++, norm[b] += corrected ? f->factor[i] : 1.0;
  }
  frame_result r = accumulate(f, f->table, t, px, limit, corrected);
  CHECK(r.status == SP_RADIAL_OK, "%s: status %s", name, status_name(r.status));
  /* Integer sums are exact in both; float sums and norms differ only in the order of the adds. */
  double rel = corrected ? 1e-9 : t == SP_RADIAL_F32 ? 1e-12 : 0;
  int counts_ok = 1, means_ok = 1;
  for (uint32_t b = 0; r.status == SP_RADIAL_OK && b < f->nbins; b++) {
    double want = cnt[b] > 0 && norm[b] != 0 ? sum[b] / norm[b] : NAN;
    counts_ok &= r.count[b] == cnt[b];
    if (!close_to(r.mean[b], want, rel)) {
      if (means_ok) fprintf(stderr, "%s: bin %u mean %.17g, reference %.17g\n", name, b, r.mean[b], want);
      means_ok = 0;
    }
  }
  CHECK(counts_ok, "%s: per-bin counts differ from the reference", name);
  CHECK(means_ok, "%s: per-bin means differ from the reference", name);
  /* With a negative limit the integer kernels count only the nonzero pixels as dropped. */
  if (limit >= 0)
    CHECK(r.dropped == invalid, "%s: dropped %llu, reference %llu", name, (unsigned long long)r.dropped,
          (unsigned long long)invalid);
  free(r.mean), free(r.count), free(sum), free(norm), free(cnt);
}

/* Detector-like pixels of type t: mostly small counts, a few all-ones markers, for int32 -1/-2
 * gaps, for float32 NaN, +-inf, negative and fractional values. */
static void *make_pixels(sp_radial_pixel_type t, size_t n) {
  void *px = exact(n, type_size[t]);
  for (size_t i = 0; i < n; i++) {
    uint32_t r = next_random(), k = r % 40, c = (r >> 8) % 500;
    int special = k < 5;
    switch (t) {
      case SP_RADIAL_U8: ((uint8_t *)px)[i] = special ? 0xFF : (uint8_t)(c % 250); break;
      case SP_RADIAL_U16: ((uint16_t *)px)[i] = special ? 0xFFFF : (uint16_t)c; break;
      case SP_RADIAL_U32: ((uint32_t *)px)[i] = special ? 0xFFFFFFFFu : c * 9000u; break;
      case SP_RADIAL_I32: ((int32_t *)px)[i] = k == 1 ? -2 : special ? -1 : (int32_t)c; break;
      default: {
        static const float odd[] = {-1.0f, -2.0f, NAN, INFINITY, -INFINITY, -3.25f};
        ((float *)px)[i] = k < 6 ? odd[k] : (float)c + 0.125f * (float)(r & 7);
      }
    }
  }
  return px;
}

/* ---------- valid cases ---------- */

static void valid_cases(void) {
  static const uint32_t nbins[] = {1, 7, 300, SP_RADIAL_MAX_BINS};
  static const double limits[] = {1e6, 300.5, 0, INFINITY, 4294967295.0};
  char name[160];
  for (uint32_t unit = SP_UNIT_Q; unit <= SP_UNIT_D; unit++)
    for (size_t k = 0; k < sizeof nbins / sizeof nbins[0]; k++)
      for (int corr = 0; corr < 3; corr++) {
        frame f;
        frame_init(&f, 61, 47, 20.3 + k, 30.7, 0.03, 1.0e-10);
        f.unit = unit, f.nbins = nbins[k];
        /* The layouts cover the frame in each unit (d falls from +inf at the centre). */
        double span = unit == SP_UNIT_Q ? 10.0 : unit == SP_UNIT_2THETA ? 0.15 : 20.0;
        f.min = unit == SP_UNIT_D ? 0.5 : 0.0, f.delta = span / f.nbins;
        f.solid_angle = corr >= 1, f.pol = corr == 2 ? 0.95 : NAN;
        if (k % 2) {
          f.valid = exact(frame_pixels(&f), 1);
          for (size_t i = 0; i < frame_pixels(&f); i++) f.valid[i] = next_random() % 10 != 0;
        }
        snprintf(name, sizeof name, "table unit %u nbins %u corrections %d%s", unit, f.nbins, corr,
                 f.valid ? " masked" : "");
        sp_radial_status st = frame_build(&f);
        CHECK(st == SP_RADIAL_OK, "%s: status %s", name, status_name(st));
        if (st != SP_RADIAL_OK) {
          frame_free(&f);
          continue;
        }
        check_table(name, &f);
        for (int t = SP_RADIAL_U8; t <= SP_RADIAL_F32; t++) {
          void *px = make_pixels((sp_radial_pixel_type)t, frame_pixels(&f));
          for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            snprintf(name, sizeof name, "frame unit %u nbins %u corr %d %s limit %g", unit, f.nbins, corr, type_name[t],
                     limits[l]);
            check_frame(name, &f, (sp_radial_pixel_type)t, px, limits[l], corr != 0);
          }
          free(px);
        }
        frame_free(&f);
      }
  printf("ok   valid tables and frames against the reference\n");
}

/* ---------- hostile cases ---------- */

static void expect_status(const char *name, sp_radial_status got, sp_radial_status want) {
  CHECK(got == want, "%s: got %s, want %s", name, status_name(got), status_name(want));
  if (got == want) printf("ok   %-52s %s\n", name, status_name(got));
}

/* What a hostile table build spoils; one at a time. */
typedef enum {
  GEOMETRY_NAN,
  GEOMETRY_INF,
  WIDTH_ZERO,
  WIDTH_FRACTION,
  TOO_MANY_PIXELS,
  DISTANCE_ZERO,
  WAVELENGTH_NEGATIVE,
  UNIT_3,
  DELTA_ZERO,
  DELTA_NAN,
  DELTA_INF,
  MIN_NAN,
  NBINS_ZERO,
  NBINS_OVER,
  NBINS_FRACTION,
  NBINS_NAN,
  VALID_SHORT,
  TABLE_LONG,
  COUNT_SHORT,
  NO_FACTOR,
  NO_NORM
} build_spoil;

static void spoil_build(build_spoil what, frame *f, sp_radial_table_args *a, double *edges) {
  double *g = f->geom;
  switch (what) {
    case GEOMETRY_NAN: g[SP_GEOM_ROT2] = NAN; break;
    case GEOMETRY_INF: g[SP_GEOM_PONI1] = INFINITY; break;
    case WIDTH_ZERO: g[SP_GEOM_WIDTH] = 0; break;
    case WIDTH_FRACTION: g[SP_GEOM_WIDTH] = 1.5; break;
    case TOO_MANY_PIXELS: g[SP_GEOM_WIDTH] = g[SP_GEOM_HEIGHT] = 70000; break;
    case DISTANCE_ZERO: g[SP_GEOM_DISTANCE] = 0; break;
    case WAVELENGTH_NEGATIVE: g[SP_GEOM_WAVELENGTH] = -1e-10; break;
    case UNIT_3: a->unit = 3; break;
    case DELTA_ZERO: edges[1] = 0; break;
    case DELTA_NAN: edges[1] = NAN; break;
    case DELTA_INF: edges[1] = INFINITY; break;
    case MIN_NAN: edges[0] = NAN; break;
    case NBINS_ZERO: edges[2] = 0; break;
    case NBINS_OVER: edges[2] = SP_RADIAL_MAX_BINS + 1.0; break;
    case NBINS_FRACTION: edges[2] = 2.5; break;
    case NBINS_NAN: edges[2] = NAN; break;
    case VALID_SHORT: a->valid = (const uint8_t *)a->table, a->valid_len = a->table_len - 1; break;
    case TABLE_LONG: a->table_len++; break;
    case COUNT_SHORT: a->static_count_len--; break;
    /* Corrections on, one of their outputs missing (the other points at spare memory). */
    case NO_FACTOR: a->static_norm = (double *)a->static_count, a->factor_len = 0; break;
    case NO_NORM: a->factor = (float *)a->static_count, a->static_norm_len = 0; break;
  }
}

/* Each spoiled build is refused, and a refused build writes nothing. */
static void hostile_builds(void) {
  static const struct {
    const char *name;
    build_spoil what;
    sp_radial_status want;
  } cases[] = {
      {"build: geometry value NaN", GEOMETRY_NAN, SP_RADIAL_BAD_GEOMETRY},
      {"build: geometry value +inf", GEOMETRY_INF, SP_RADIAL_BAD_GEOMETRY},
      {"build: width 0 (a zero-size frame)", WIDTH_ZERO, SP_RADIAL_BAD_GEOMETRY},
      {"build: width 1.5", WIDTH_FRACTION, SP_RADIAL_BAD_GEOMETRY},
      {"build: 70000 x 70000 pixels", TOO_MANY_PIXELS, SP_RADIAL_BAD_GEOMETRY},
      {"build: distance 0", DISTANCE_ZERO, SP_RADIAL_BAD_GEOMETRY},
      {"build: negative wavelength", WAVELENGTH_NEGATIVE, SP_RADIAL_BAD_GEOMETRY},
      {"build: unit 3", UNIT_3, SP_RADIAL_BAD_UNIT},
      {"build: delta 0", DELTA_ZERO, SP_RADIAL_BAD_EDGES},
      {"build: delta NaN", DELTA_NAN, SP_RADIAL_BAD_EDGES},
      {"build: delta +inf", DELTA_INF, SP_RADIAL_BAD_EDGES},
      {"build: min NaN", MIN_NAN, SP_RADIAL_BAD_EDGES},
      {"build: nbins 0", NBINS_ZERO, SP_RADIAL_BAD_EDGES},
      {"build: nbins 65536", NBINS_OVER, SP_RADIAL_BAD_EDGES},
      {"build: nbins 2.5", NBINS_FRACTION, SP_RADIAL_BAD_EDGES},
      {"build: nbins NaN", NBINS_NAN, SP_RADIAL_BAD_EDGES},
      {"build: valid mask one byte short", VALID_SHORT, SP_RADIAL_BAD_VALID},
      {"build: table one entry long", TABLE_LONG, SP_RADIAL_BAD_TABLE},
      {"build: staticCount one short", COUNT_SHORT, SP_RADIAL_BAD_STATIC_COUNT},
      {"build: corrections without factor", NO_FACTOR, SP_RADIAL_BAD_FACTOR},
      {"build: corrections without staticNorm", NO_NORM, SP_RADIAL_BAD_STATIC_NORM},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    frame f;
    frame_init(&f, 9, 5, 4, 2, 0.05, 1e-10);
    f.nbins = 10, f.delta = 1.0, f.solid_angle = cases[c].what == NO_FACTOR || cases[c].what == NO_NORM;
    size_t n = frame_pixels(&f);
    double edges[3], corr[2];
    /* Room to spare behind every output, so that only the status tells a refusal. */
    f.table = exact(n + 1, 2);
    f.static_count = exact(SP_RADIAL_MAX_BINS, 4);
    memset(f.table, 0xA5, (n + 1) * 2);
    sp_radial_table_args a = table_args(&f, edges, corr);
    spoil_build(cases[c].what, &f, &a, edges);
    expect_status(cases[c].name, sp_radial_build_table(&a), cases[c].want);
    int untouched = 1;
    for (size_t i = 0; i <= n; i++) untouched &= f.table[i] == 0xA5A5;
    CHECK(untouched, "%s: a refused build wrote the table", cases[c].name);
    frame_free(&f);
  }
}

/* A frame call with one thing wrong: refused, and mean left as it was. */
static void refused_frame(const char *name, sp_radial_frame_args a, sp_radial_status want) {
  memset(a.mean, 0x5A, a.nbins >= 1 && a.nbins <= 64 ? a.nbins * 8 : 8);
  uint64_t dropped = 12345;
  expect_status(name, sp_radial_accumulate(&a, &dropped), want);
  CHECK(dropped == 12345 && ((uint8_t *)a.mean)[0] == 0x5A, "%s: a refused call wrote its outputs", name);
}

static void hostile_frames(void) {
  enum { N = 64, NB = 8 };
  uint16_t *table = exact(N, 2);
  uint32_t *px = exact(N, 4), *count = exact(NB, 4), *out_count = exact(NB, 4);
  double *mean = exact(NB, 8), *norm = exact(NB, 8), *scratch = exact(sp_radial_scratch_length(NB), 8);
  float *factor = exact(N, 4);
  for (size_t i = 0; i < N; i++) table[i] = (uint16_t)(i % NB), px[i] = (uint32_t)i, factor[i] = 1;
  for (size_t b = 0; b < NB; b++) count[b] = N / NB, norm[b] = N / NB;
  const sp_radial_frame_args good = {.pixels = px,
                                     .pixel_count = N,
                                     .pixel_type = SP_RADIAL_U32,
                                     .table = table,
                                     .table_len = N,
                                     .nbins = NB,
                                     .limit = 1000,
                                     .scratch = scratch,
                                     .scratch_len = sp_radial_scratch_length(NB),
                                     .static_count = count,
                                     .static_count_len = NB,
                                     .static_norm = norm,
                                     .static_norm_len = NB,
                                     .factor = factor,
                                     .factor_len = N,
                                     .mean = mean,
                                     .mean_len = NB,
                                     .count = out_count,
                                     .count_len = NB};
  uint64_t dropped;
  expect_status("frame: the good call", sp_radial_accumulate(&good, &dropped), SP_RADIAL_OK);
/* The good call with one field changed must be refused. */
#define REFUSED(name, change, want) \
  do {                              \
    sp_radial_frame_args a_ = good; \
    a_.change;                      \
    refused_frame(name, a_, want);  \
  } while (0)
  REFUSED("frame: nbins 0", nbins = 0, SP_RADIAL_BAD_NBINS);
  REFUSED("frame: nbins 65536", nbins = SP_RADIAL_MAX_BINS + 1, SP_RADIAL_BAD_NBINS);
  REFUSED("frame: pixel type 5", pixel_type = (sp_radial_pixel_type)5, SP_RADIAL_BAD_PIXEL_TYPE);
  REFUSED("frame: one pixel fewer than table entries", pixel_count = N - 1, SP_RADIAL_BAD_PIXELS);
  REFUSED("frame: limit NaN", limit = NAN, SP_RADIAL_BAD_LIMIT);
  REFUSED("frame: scratch one value short", scratch_len--, SP_RADIAL_BAD_SCRATCH);
  REFUSED("frame: staticCount one short", static_count_len--, SP_RADIAL_BAD_STATIC_COUNT);
  REFUSED("frame: mean one long", mean_len++, SP_RADIAL_BAD_MEAN);
  REFUSED("frame: count one short", count_len--, SP_RADIAL_BAD_COUNT);
  REFUSED("frame: staticNorm neither empty nor nbins", static_norm_len--, SP_RADIAL_BAD_STATIC_NORM);
  REFUSED("frame: staticNorm without factor", factor_len = 0, SP_RADIAL_BAD_FACTOR);
#undef REFUSED

  /* Zero-size frame, no buffers at all (what a detached TypedArray gives): no bin has a pixel. */
  sp_radial_frame_args a = good;
  a.pixels = NULL, a.table = NULL, a.factor = NULL;
  a.pixel_count = a.table_len = a.factor_len = 0;
  for (size_t b = 0; b < NB; b++) count[b] = 0;
  expect_status("frame: zero pixels, NULL buffers", sp_radial_accumulate(&a, &dropped), SP_RADIAL_OK);
  int empty = dropped == 0;
  for (size_t b = 0; b < NB; b++) empty &= out_count[b] == 0 && isnan(mean[b]);
  CHECK(empty, "zero-size frame: a bin has pixels or a mean");
  free(table), free(px), free(count), free(out_count), free(mean), free(norm), free(scratch), free(factor);
}

/* Corrupt tables, nbins 1 and the maximum: every uint16 value as an entry, with a scratch of
 * exactly the length asked for. Entries in [nbins, slots) fall into unused slots, so a table whose
 * corrupt entries all lie there gives the profile of the same table with those pixels masked. */
static void corrupt_tables(void) {
  static const uint32_t nbins[] = {1, 2, 7, 8, 1000, SP_RADIAL_MAX_BINS};
  enum { N = 65536 };
  char name[120];
  for (size_t k = 0; k < sizeof nbins / sizeof nbins[0]; k++) {
    frame f;
    frame_init(&f, 256, 256, 0, 0, 1, 1e-10);
    f.nbins = nbins[k];
    f.table = exact(N, 2);
    f.static_count = exact(f.nbins, 4);
    for (size_t i = 0; i < N; i++) f.table[i] = (uint16_t)(i * 40503u); /* every value once */
    for (uint32_t b = 0; b < f.nbins; b++) f.static_count[b] = N;
    uint16_t *px = make_pixels(SP_RADIAL_U16, N);
    frame_result r = accumulate(&f, f.table, SP_RADIAL_U16, px, 1000, 0);
    int sane = r.status == SP_RADIAL_OK && r.dropped <= N;
    for (uint32_t b = 0; b < f.nbins; b++) sane &= r.count[b] <= N;
    snprintf(name, sizeof name, "every uint16 as a table entry, nbins %u", f.nbins);
    CHECK(sane, "%s: status %s", name, status_name(r.status));
    if (sane) printf("ok   %s\n", name);
    free(r.mean), free(r.count);

    /* In-range entries plus corrupt ones in the unused slots, against the reference. */
    size_t slots = 1;
    while (slots < (size_t)f.nbins + 1) slots <<= 1;
    for (uint32_t b = 0; b < f.nbins; b++) f.static_count[b] = 0;
    for (size_t i = 0; i < N; i++) {
      uint32_t e = next_random();
      f.table[i] = (uint16_t)(i % 3 ? e % f.nbins : f.nbins + e % (slots - f.nbins));
      if (f.table[i] < f.nbins) f.static_count[f.table[i]]++;
    }
    snprintf(name, sizeof name, "entries in the unused slots, nbins %u", f.nbins);
    check_frame(name, &f, SP_RADIAL_U16, px, 1000, 0);
    free(px);
    frame_free(&f);
  }
}

/* Negative limits: nothing is valid, for every type. Float pixels: NaN never valid, +-inf valid
 * when the limit is +inf. */
static void limits_and_floats(void) {
  static const double negative[] = {-1, -0.5, -INFINITY};
  char name[120];
  frame f;
  frame_init(&f, 33, 21, 10, 12, 0.02, 1e-10);
  f.nbins = 50, f.delta = 0.2, f.solid_angle = 1;
  CHECK(frame_build(&f) == SP_RADIAL_OK, "limits frame: build refused");
  for (int t = SP_RADIAL_U8; t <= SP_RADIAL_F32; t++) {
    void *px = make_pixels((sp_radial_pixel_type)t, frame_pixels(&f));
    for (size_t l = 0; l < 3; l++) {
      frame_result r = accumulate(&f, f.table, (sp_radial_pixel_type)t, px, negative[l], 1);
      int none = r.status == SP_RADIAL_OK;
      for (uint32_t b = 0; b < f.nbins; b++) none &= r.count[b] == 0 && isnan(r.mean[b]);
      snprintf(name, sizeof name, "%s limit %g: no valid pixel", type_name[t], negative[l]);
      CHECK(none, "%s", name);
      if (none) printf("ok   %s\n", name);
      free(r.mean), free(r.count);
      snprintf(name, sizeof name, "%s limit %g against the reference", type_name[t], negative[l]);
      check_frame(name, &f, (sp_radial_pixel_type)t, px, negative[l], 1);
    }
    free(px);
  }
  /* Only special floats: NaN, +inf, -inf; the bins' means become NaN, +inf or -inf. */
  float *fpx = exact(frame_pixels(&f), 4);
  const float special[] = {NAN, INFINITY, -INFINITY, -0.0f, 3.5f};
  for (size_t i = 0; i < frame_pixels(&f); i++) fpx[i] = special[(i / 7) % 5];
  check_frame("f32 NaN and infinities, limit +inf", &f, SP_RADIAL_F32, fpx, INFINITY, 0);
  check_frame("f32 NaN and infinities, limit 1", &f, SP_RADIAL_F32, fpx, 1, 1);
  for (size_t i = 0; i < frame_pixels(&f); i++) fpx[i] = NAN;
  check_frame("f32 all NaN", &f, SP_RADIAL_F32, fpx, INFINITY, 1);
  free(fpx);
  frame_free(&f);
}

/* ---------- masks ---------- */

static void masks(void) {
  frame f;
  frame_init(&f, 70, 50, 30.5, 20.25, 0.004, 1e-10); /* d from 1.4 A at the corners to +inf */
  size_t n = frame_pixels(&f), cleared = 0, want = 0;
  uint32_t *det = exact(n, 4);
  uint8_t *valid = exact(n, 1), *ref = exact(n, 1);
  for (size_t i = 0; i < n; i++) {
    uint32_t r = next_random();
    det[i] = r % 5 == 0 ? 1u << (r >> 27) : 0; /* any single bit, the high 16 informational */
    valid[i] = ref[i] = r % 7 != 0;
    if ((det[i] & 0xFFFF) && ref[i]) ref[i] = 0, want++;
  }
  CHECK(sp_mask_apply_detector(det, n, valid, n, &cleared) == SP_MASK_OK, "detector mask refused");
  CHECK(cleared == want && memcmp(valid, ref, n) == 0, "detector mask: cleared %zu, reference %zu", cleared, want);
  CHECK(sp_mask_apply_detector(det, n, valid, n - 1, &cleared) == SP_MASK_BAD_LENGTH, "detector mask: short valid");
  CHECK(sp_mask_apply_detector(NULL, 0, NULL, 0, &cleared) == SP_MASK_OK && cleared == 0, "detector mask: empty");

  /* d in [dMin, dMax] kept; pixels within 1e-6 of a limit may go either way. */
  const double dmin = 1.5, dmax = 3.0;
  size_t wrong = 0, changed = 0;
  memcpy(ref, valid, n);
  CHECK(sp_mask_apply_resolution(f.geom, dmin, dmax, valid, n, &cleared) == SP_MASK_OK, "resolution mask refused");
  for (uint32_t row = 0; row < f.h; row++)
    for (uint32_t col = 0; col < f.w; col++) {
      size_t i = (size_t)row * f.w + col;
      double p1, p2, tth;
      ref_position(&f, col, row, &p1, &p2, &tth);
      double d = ref_d(&f, tth);
      int keep = ref[i] && d >= dmin && d <= dmax;
      changed += ref[i] && !valid[i];
      if (fabs(d - dmin) > 1e-6 * dmin && fabs(d - dmax) > 1e-6 * dmax) wrong += valid[i] != keep;
    }
  CHECK(wrong == 0 && cleared == changed, "resolution mask: %zu pixels differ, cleared %zu of %zu changed", wrong,
        cleared, changed);
  CHECK(changed > 100 && changed < n - 100, "resolution mask: the limits cut too little or too much (%zu)", changed);
  CHECK(sp_mask_apply_resolution(f.geom, dmin, dmax, valid, n + 1, &cleared) == SP_MASK_BAD_LENGTH,
        "resolution mask: long valid");
  CHECK(sp_mask_apply_resolution(f.geom, NAN, NAN, valid, n, &cleared) == SP_MASK_OK && cleared == 0,
        "resolution mask: NaN limits clear nothing");
  f.geom[SP_GEOM_WAVELENGTH] = NAN;
  CHECK(sp_mask_apply_resolution(f.geom, dmin, dmax, valid, n, &cleared) == SP_MASK_BAD_GEOMETRY,
        "resolution mask: NaN wavelength");
  f.geom[SP_GEOM_WIDTH] = 0;
  CHECK(sp_mask_apply_resolution(f.geom, dmin, dmax, NULL, 0, &cleared) == SP_MASK_BAD_GEOMETRY,
        "resolution mask: zero-size frame");
  free(det), free(valid), free(ref);
  printf("ok   detector and resolution masks\n");
}

int main(void) {
  valid_cases();
  hostile_builds();
  hostile_frames();
  corrupt_tables();
  limits_and_floats();
  masks();
  return harness_summary();
}
