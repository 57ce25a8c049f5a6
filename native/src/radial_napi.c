/*
 * JavaScript bindings of the radial profile (radial_kernel.h; src/stages/analysis/RadialBins.ts and
 * RadialProfile.ts). Every array must be a TypedArray of its one type, so an element size or the
 * pixel type never has to be guessed from a byte count; the kernel then checks lengths and values,
 * and its refusal becomes an ERR_INVALID_ARG worded here.
 */
#include "module.h"
#include "napi_args.h"
#include "radial_geometry.h"
#include "radial_kernel.h"

/* Argument i as a TypedArray of `type`, any length (the kernel checks lengths); for the bindings below. */
#define ARG_TYPED(i, name, type, ptr, len) sp_arg_typed(env, argv[i], name, type, 0, (void **)(ptr), len)

/* The fixed-length parameter vectors: a Float64Array of exactly n values. */
static int arg_vector(napi_env env, napi_value v, const char *what, size_t n, const char *layout, const double **out) {
  size_t len;
  if (sp_arg_typed(env, v, what, napi_float64_array, 0, (void **)out, &len)) return -1;
  if (len == n) return 0;
  sp_throw(env, "ERR_INVALID_ARG", "%s must be a Float64Array of %zu values %s, got %zu", what, n, layout, len);
  return -1;
}

static napi_value throw_table_status(napi_env env, sp_radial_status st, const sp_radial_table_args *a) {
  if (st == SP_RADIAL_BAD_GEOMETRY) return sp_throw(env, "ERR_INVALID_ARG", "%s", sp_geometry_problem(a->geometry));
  /* The kernel checks in order, so past the geometry its sizes are sound, past the edges nbins. */
  size_t n = (size_t)a->geometry[SP_GEOM_WIDTH] * (size_t)a->geometry[SP_GEOM_HEIGHT];
  double nbins = a->edges[2];
  switch (st) {
    case SP_RADIAL_BAD_UNIT:
      return sp_throw(env, "ERR_INVALID_ARG", "unit must be 0 (q), 1 (2theta) or 2 (d), got %u", a->unit);
    case SP_RADIAL_BAD_EDGES:
      return sp_throw(env, "ERR_INVALID_ARG", "edges: need finite min, delta > 0 and 1 <= nbins <= %u",
                      SP_RADIAL_MAX_BINS);
    case SP_RADIAL_BAD_VALID:
      return sp_throw(env, "ERR_INVALID_ARG", "valid mask has %zu bytes, expected 0 or %zu", a->valid_len, n);
    case SP_RADIAL_BAD_TABLE:
      return sp_throw(env, "ERR_INVALID_ARG", "table has %zu entries, expected %zu", a->table_len, n);
    case SP_RADIAL_BAD_STATIC_COUNT:
      return sp_throw(env, "ERR_INVALID_ARG", "staticCount has %zu entries, expected %.0f", a->static_count_len, nbins);
    case SP_RADIAL_BAD_FACTOR:
      return sp_throw(env, "ERR_INVALID_ARG", "factor has %zu entries, expected %zu when corrections are on",
                      a->factor_len, n);
    case SP_RADIAL_BAD_STATIC_NORM:
      return sp_throw(env, "ERR_INVALID_ARG", "staticNorm has %zu entries, expected %.0f when corrections are on",
                      a->static_norm_len, nbins);
    default: return sp_throw(env, "ERR_INTERNAL", "radial table: unexpected status %d", (int)st);
  }
}

/* radialBuildTable(geometry Float64Array(11), unit, edges Float64Array[min, delta, nbins],
 *   valid Uint8Array (empty: all valid), out table Uint16Array, out staticCount Uint32Array(nbins),
 *   corrections Float64Array[solidAngle 0|1, polarisation factor or NaN],
 *   out factor Float32Array (n, or empty when no corrections), out staticNorm Float64Array(nbins)) */
static napi_value js_radial_build_table(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  size_t argc;
  sp_radial_table_args a;
  if (sp_get_args(env, info, 9, 9, argv, &argc) ||
      arg_vector(env, argv[0], "geometry", SP_GEOM_FIELDS, "(see radial_geometry.h)", &a.geometry) ||
      sp_arg_uint32(env, argv[1], "unit", &a.unit) ||
      arg_vector(env, argv[2], "edges", 3, "[min, delta, nbins]", &a.edges) ||
      ARG_TYPED(3, "valid", napi_uint8_array, &a.valid, &a.valid_len) ||
      ARG_TYPED(4, "table", napi_uint16_array, &a.table, &a.table_len) ||
      ARG_TYPED(5, "staticCount", napi_uint32_array, &a.static_count, &a.static_count_len) ||
      arg_vector(env, argv[6], "corrections", 2, "[solidAngle, polarisation]", &a.corrections) ||
      ARG_TYPED(7, "factor", napi_float32_array, &a.factor, &a.factor_len) ||
      ARG_TYPED(8, "staticNorm", napi_float64_array, &a.static_norm, &a.static_norm_len))
    return NULL;
  sp_radial_status st = sp_radial_build_table(&a);
  return st == SP_RADIAL_OK ? NULL : throw_table_status(env, st, &a);
}
SP_EXPORT("radialBuildTable", js_radial_build_table)

static napi_value throw_frame_status(napi_env env, sp_radial_status st, const sp_radial_frame_args *a) {
  switch (st) {
    case SP_RADIAL_BAD_NBINS: return sp_throw(env, "ERR_INVALID_ARG", "nbins must be 1..%u", SP_RADIAL_MAX_BINS);
    case SP_RADIAL_BAD_PIXELS:
      return sp_throw(env, "ERR_INVALID_ARG", "pixels has %zu values for %zu table entries", a->pixel_count,
                      a->table_len);
    case SP_RADIAL_BAD_LIMIT: return sp_throw(env, "ERR_INVALID_ARG", "limit must be a number");
    case SP_RADIAL_BAD_SCRATCH:
      return sp_throw(env, "ERR_INVALID_ARG", "scratch has %zu values, needs at least radialScratchLength(%u) = %zu",
                      a->scratch_len, a->nbins, sp_radial_scratch_length(a->nbins));
    case SP_RADIAL_BAD_STATIC_COUNT:
      return sp_throw(env, "ERR_INVALID_ARG", "staticCount has %zu entries, expected nbins = %u", a->static_count_len,
                      a->nbins);
    case SP_RADIAL_BAD_MEAN:
      return sp_throw(env, "ERR_INVALID_ARG", "mean has %zu entries, expected nbins = %u", a->mean_len, a->nbins);
    case SP_RADIAL_BAD_COUNT:
      return sp_throw(env, "ERR_INVALID_ARG", "count has %zu entries, expected nbins = %u", a->count_len, a->nbins);
    case SP_RADIAL_BAD_STATIC_NORM:
      return sp_throw(env, "ERR_INVALID_ARG", "staticNorm has %zu entries, expected 0 or nbins = %u",
                      a->static_norm_len, a->nbins);
    case SP_RADIAL_BAD_FACTOR:
      return sp_throw(env, "ERR_INVALID_ARG", "factor has %zu entries, expected %zu (one per pixel) with staticNorm",
                      a->factor_len, a->table_len);
    default: return sp_throw(env, "ERR_INTERNAL", "radial accumulate: unexpected status %d", (int)st);
  }
}

/* The pixel type is the TypedArray's own. */
static int arg_pixels(napi_env env, napi_value v, sp_radial_frame_args *a) {
  static const char expected[] = "a Uint8Array, Uint16Array, Uint32Array, Int32Array or Float32Array";
  napi_typedarray_type t;
  if (sp_arg_typedarray(env, v, "pixels", expected, &t, (void **)&a->pixels, &a->pixel_count)) return -1;
  switch (t) {
    case napi_uint8_array: a->pixel_type = SP_RADIAL_U8; return 0;
    case napi_uint16_array: a->pixel_type = SP_RADIAL_U16; return 0;
    case napi_uint32_array: a->pixel_type = SP_RADIAL_U32; return 0;
    case napi_int32_array: a->pixel_type = SP_RADIAL_I32; return 0;
    case napi_float32_array: a->pixel_type = SP_RADIAL_F32; return 0;
    default: sp_throw(env, "ERR_INVALID_ARG", "pixels must be %s, got %s", expected, sp_typedarray_name(t)); return -1;
  }
}

/* radialAccumulate(pixels, table Uint16Array, nbins, limit (largest valid value),
 *   scratch Float64Array (radialScratchLength(nbins) values), staticCount Uint32Array(nbins),
 *   staticNorm Float64Array (nbins, or empty), factor Float32Array (n, or empty),
 *   out mean Float64Array(nbins), out count Uint32Array(nbins))
 * -> the number of pixels with an invalid value this frame (masked ones among them). */
static napi_value js_radial_accumulate(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  size_t argc;
  sp_radial_frame_args a;
  if (sp_get_args(env, info, 10, 10, argv, &argc) || arg_pixels(env, argv[0], &a) ||
      ARG_TYPED(1, "table", napi_uint16_array, &a.table, &a.table_len) ||
      sp_arg_uint32(env, argv[2], "nbins", &a.nbins) || sp_arg_double(env, argv[3], "limit", &a.limit) ||
      ARG_TYPED(4, "scratch", napi_float64_array, &a.scratch, &a.scratch_len) ||
      ARG_TYPED(5, "staticCount", napi_uint32_array, &a.static_count, &a.static_count_len) ||
      ARG_TYPED(6, "staticNorm", napi_float64_array, &a.static_norm, &a.static_norm_len) ||
      ARG_TYPED(7, "factor", napi_float32_array, &a.factor, &a.factor_len) ||
      ARG_TYPED(8, "mean", napi_float64_array, &a.mean, &a.mean_len) ||
      ARG_TYPED(9, "count", napi_uint32_array, &a.count, &a.count_len))
    return NULL;
  uint64_t dropped;
  sp_radial_status st = sp_radial_accumulate(&a, &dropped);
  return st == SP_RADIAL_OK ? sp_number(env, (double)dropped) : throw_frame_status(env, st, &a);
}
SP_EXPORT("radialAccumulate", js_radial_accumulate)

/* radialScratchLength(nbins) -> the Float64 values radialAccumulate needs as scratch. */
static napi_value js_radial_scratch_length(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  uint32_t nbins;
  if (sp_get_args(env, info, 1, 1, argv, &argc) || sp_arg_uint32(env, argv[0], "nbins", &nbins)) return NULL;
  size_t len = sp_radial_scratch_length(nbins);
  if (len == 0) return sp_throw(env, "ERR_INVALID_ARG", "nbins must be 1..%u", SP_RADIAL_MAX_BINS);
  return sp_number(env, (double)len);
}
SP_EXPORT("radialScratchLength", js_radial_scratch_length)
