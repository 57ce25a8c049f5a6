/* Node-API bindings of peakfinder8 (peakfinder8.c). */
#include <string.h>

#include "module.h"
#include "napi_args.h"
#include "peakfinder8.h"
#include "spot_napi.h"

static const napi_type_tag PF8_TAG = {0x7065616b66696e64ULL, 0x6572382d73707466ULL};

/* pf8Create(width, height, radius: Uint16Array, mask: Uint8Array, asics: Int32Array, params: Float64Array) -> handle */
static napi_value pf8_create_js(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc;
  if (sp_get_args(env, info, 6, 6, argv, &argc)) return NULL;
  uint32_t w, h;
  if (sp_arg_uint32(env, argv[0], "width", &w) || sp_arg_uint32(env, argv[1], "height", &h)) return NULL;
  if (w < 3 || h < 3 || (uint64_t)w * h > 0xFFFFFFFFull)
    return sp_throw(env, "ERR_INVALID_ARG", "peakfinder8: frame size %ux%u not supported", w, h);
  size_t n = (size_t)w * h, nasic_values;
  void *radius, *mask, *asics, *params;
  if (sp_arg_typed(env, argv[2], "radius map", napi_uint16_array, n, &radius, NULL)) return NULL;
  if (sp_arg_typed(env, argv[3], "mask", napi_uint8_array, n, &mask, NULL)) return NULL;
  if (sp_arg_typed(env, argv[4], "asics", napi_int32_array, 0, &asics, &nasic_values)) return NULL;
  if (sp_arg_typed(env, argv[5], "params", napi_float64_array, PC_COUNT, &params, NULL)) return NULL;
  const char *bad =
      pf8_check_create(w, h, (const uint16_t *)radius, (const int32_t *)asics, nasic_values, (const double *)params);
  if (bad) return sp_throw(env, "ERR_INVALID_ARG", "peakfinder8: invalid %s", bad);
  pf8_ws *ws = pf8_create(w, h, (const uint16_t *)radius, (const uint8_t *)mask, (const int32_t *)asics,
                          nasic_values / 4, (const double *)params);
  if (!ws) return sp_throw(env, "ERR_NO_MEMORY", "peakfinder8: out of memory");
  return sp_wrap_external(env, ws, pf8_destroy, &PF8_TAG);
}

/* pf8Find(handle, pixels, params: Float64Array, outSpots: Float64Array, outInfo: Float64Array) -> spots written */
static napi_value pf8_find_js(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  size_t argc;
  if (sp_get_args(env, info, 5, 5, argv, &argc)) return NULL;
  pf8_ws *ws = (pf8_ws *)sp_unwrap_external(env, argv[0], &PF8_TAG, "peakfinder8 handle");
  if (!ws) return NULL;
  sp_pixels px;
  if (sp_arg_pixels(env, argv[1], (size_t)ws->w * ws->h, &px)) return NULL;
  void *params, *out, *inf;
  size_t out_len;
  if (sp_arg_typed(env, argv[2], "params", napi_float64_array, PF_COUNT, &params, NULL)) return NULL;
  if (sp_arg_typed(env, argv[3], "spot table", napi_float64_array, 0, &out, &out_len)) return NULL;
  if (sp_arg_typed(env, argv[4], "info", napi_float64_array, PI_COUNT, &inf, NULL)) return NULL;
  pf8_params pp;
  const char *bad = pf8_read_params((const double *)params, &pp);
  if (bad) return sp_throw(env, "ERR_INVALID_ARG", "peakfinder8: invalid %s", bad);
  long n = pf8_find(ws, &px, &pp, (double *)out, out_len / SP_SPOT_STRIDE, (double *)inf);
  if (n < 0) return sp_throw(env, "ERR_NO_MEMORY", "peakfinder8: out of memory");
  return sp_number(env, (double)n);
}

/* pf8RadialStats(handle, pixels, params, outOffset: Float32Array, outSigma, outThreshold) -> number of bins */
static napi_value pf8_radial_js(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc;
  if (sp_get_args(env, info, 6, 6, argv, &argc)) return NULL;
  pf8_ws *ws = (pf8_ws *)sp_unwrap_external(env, argv[0], &PF8_TAG, "peakfinder8 handle");
  if (!ws) return NULL;
  sp_pixels px;
  if (sp_arg_pixels(env, argv[1], (size_t)ws->w * ws->h, &px)) return NULL;
  void *params, *o1, *o2, *o3;
  if (sp_arg_typed(env, argv[2], "params", napi_float64_array, PF_COUNT, &params, NULL)) return NULL;
  if (sp_arg_typed(env, argv[3], "offset", napi_float32_array, ws->nbins, &o1, NULL)) return NULL;
  if (sp_arg_typed(env, argv[4], "sigma", napi_float32_array, ws->nbins, &o2, NULL)) return NULL;
  if (sp_arg_typed(env, argv[5], "threshold", napi_float32_array, ws->nbins, &o3, NULL)) return NULL;
  pf8_params pp;
  const char *bad = pf8_read_params((const double *)params, &pp);
  if (bad) return sp_throw(env, "ERR_INVALID_ARG", "peakfinder8: invalid %s", bad);
  double inf[PI_COUNT];
  pf8_radial_stats(ws, &px, &pp, inf);
  memcpy(o1, ws->roffset, ws->nbins * sizeof(float));
  memcpy(o2, ws->rsigma, ws->nbins * sizeof(float));
  memcpy(o3, ws->rthreshold, ws->nbins * sizeof(float));
  return sp_number(env, (double)ws->nbins);
}

SP_EXPORT("pf8Create", pf8_create_js)
SP_EXPORT("pf8Find", pf8_find_js)
SP_EXPORT("pf8RadialStats", pf8_radial_js)
