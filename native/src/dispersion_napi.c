/* Node-API bindings of the dispersion spot finder (dispersion.c). */
#include <math.h>
#include <string.h>

#include "dispersion.h"
#include "module.h"
#include "napi_args.h"
#include "spot_napi.h"

static const napi_type_tag DISP_TAG = {0x6469737065727369ULL, 0x6f6e2d7370746631ULL};

/* dispersionCreate(width, height, mask: Uint8Array, params: Float64Array) -> handle */
static napi_value disp_create_js(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  if (sp_get_args(env, info, 4, 4, argv, &argc)) return NULL;
  uint32_t w, h;
  if (sp_arg_uint32(env, argv[0], "width", &w) || sp_arg_uint32(env, argv[1], "height", &h)) return NULL;
  if (w == 0 || h == 0 || (uint64_t)w * h > 0xFFFFFFFFull)
    return sp_throw(env, "ERR_INVALID_ARG", "dispersion: frame size %ux%u not supported", w, h);
  size_t n = (size_t)w * h;
  void *mask, *params;
  if (sp_arg_typed(env, argv[2], "mask", napi_uint8_array, n, &mask, NULL)) return NULL;
  if (sp_arg_typed(env, argv[3], "params", napi_float64_array, P_COUNT, &params, NULL)) return NULL;
  const char *bad = disp_check_params((const double *)params);
  if (bad) return sp_throw(env, "ERR_INVALID_ARG", "dispersion: invalid %s", bad);
  disp_ws *ws = disp_create(w, h, (const uint8_t *)mask, (const double *)params);
  if (!ws) return sp_throw(env, "ERR_NO_MEMORY", "dispersion: out of memory");
  return sp_wrap_external(env, ws, disp_destroy, &DISP_TAG);
}

/* dispersionFind(handle, pixels, outSpots: Float64Array, outInfo: Float64Array) -> spots written */
static napi_value disp_find_js(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  if (sp_get_args(env, info, 4, 4, argv, &argc)) return NULL;
  disp_ws *ws = (disp_ws *)sp_unwrap_external(env, argv[0], &DISP_TAG, "dispersion handle");
  if (!ws) return NULL;
  sp_pixels px;
  if (sp_arg_pixels(env, argv[1], (size_t)ws->w * ws->h, &px)) return NULL;
  void *out, *inf;
  size_t out_len;
  if (sp_arg_typed(env, argv[2], "spot table", napi_float64_array, 0, &out, &out_len)) return NULL;
  if (sp_arg_typed(env, argv[3], "info", napi_float64_array, I_COUNT, &inf, NULL)) return NULL;
  long written = disp_find(ws, &px, (double *)out, out_len / SP_SPOT_STRIDE, (double *)inf);
  if (written < 0) return sp_throw(env, "ERR_NO_MEMORY", "dispersion: out of memory");
  return sp_number(env, (double)written);
}

/* dispersionStrongMask(handle, pixels, outMask: Uint8Array) -> number of strong pixels (-1 over the limit) */
static napi_value disp_strong_mask_js(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  if (sp_get_args(env, info, 3, 3, argv, &argc)) return NULL;
  disp_ws *ws = (disp_ws *)sp_unwrap_external(env, argv[0], &DISP_TAG, "dispersion handle");
  if (!ws) return NULL;
  size_t n = (size_t)ws->w * ws->h;
  sp_pixels px;
  if (sp_arg_pixels(env, argv[1], n, &px)) return NULL;
  void *out;
  if (sp_arg_typed(env, argv[2], "strong mask", napi_uint8_array, n, &out, NULL)) return NULL;
  long n_strong = disp_threshold_frame(ws, &px);
  if (n_strong == -2) return sp_throw(env, "ERR_NO_MEMORY", "dispersion: out of memory for strong pixels");
  memset(out, 0, n);
  const uint32_t *idx = (const uint32_t *)ws->strong_idx.ptr;
  for (long i = 0; i < n_strong; i++) ((uint8_t *)out)[idx[i]] = 1;
  return sp_number(env, (double)n_strong);
}

SP_EXPORT("dispersionCreate", disp_create_js)
SP_EXPORT("dispersionFind", disp_find_js)
SP_EXPORT("dispersionStrongMask", disp_strong_mask_js)
