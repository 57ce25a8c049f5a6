/*
 * JavaScript bindings of the static valid-pixel masks (mask_kernel.h; src/stages/analysis/PixelMask.ts
 * and UserMask.ts). Arrays must be TypedArrays of their one type; the kernels check the lengths.
 */
#include "mask_kernel.h"
#include "module.h"
#include "napi_args.h"
#include "radial_geometry.h"

/* maskApplyDetector(detectorMask Uint32Array(n), valid Uint8Array(n)) -> the number of pixels cleared. */
static napi_value js_mask_apply_detector(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc, det_len, valid_len, cleared;
  void *det, *valid;
  if (sp_get_args(env, info, 2, 2, argv, &argc) ||
      sp_arg_typed(env, argv[0], "detectorMask", napi_uint32_array, 0, &det, &det_len) ||
      sp_arg_typed(env, argv[1], "valid", napi_uint8_array, 0, &valid, &valid_len))
    return NULL;
  if (sp_mask_apply_detector(det, det_len, valid, valid_len, &cleared) != SP_MASK_OK)
    return sp_throw(env, "ERR_INVALID_ARG", "detectorMask has %zu words, valid %zu bytes: need one word per byte",
                    det_len, valid_len);
  return sp_number(env, (double)cleared);
}
SP_EXPORT("maskApplyDetector", js_mask_apply_detector)

/* maskApplyResolution(geometry Float64Array(11) (radial_geometry.h), dMin (angstrom, <= 0: none),
 *   dMax (angstrom, <= 0: none), valid Uint8Array(width*height)) -> the number of pixels cleared. */
static napi_value js_mask_apply_resolution(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc, geom_len, valid_len, cleared;
  void *geom, *valid;
  double dmin, dmax;
  if (sp_get_args(env, info, 4, 4, argv, &argc) ||
      sp_arg_typed(env, argv[0], "geometry", napi_float64_array, 0, &geom, &geom_len) ||
      sp_arg_double(env, argv[1], "dMin", &dmin) || sp_arg_double(env, argv[2], "dMax", &dmax) ||
      sp_arg_typed(env, argv[3], "valid", napi_uint8_array, 0, &valid, &valid_len))
    return NULL;
  if (geom_len != SP_GEOM_FIELDS)
    return sp_throw(env, "ERR_INVALID_ARG", "geometry must be a Float64Array of %d values, got %zu", SP_GEOM_FIELDS,
                    geom_len);
  const double *g = geom;
  switch (sp_mask_apply_resolution(g, dmin, dmax, valid, valid_len, &cleared)) {
    case SP_MASK_OK: return sp_number(env, (double)cleared);
    case SP_MASK_BAD_GEOMETRY: return sp_throw(env, "ERR_INVALID_ARG", "%s", sp_geometry_problem(g));
    default:
      return sp_throw(env, "ERR_INVALID_ARG", "valid mask has %zu bytes, geometry is %.0f x %.0f", valid_len,
                      g[SP_GEOM_WIDTH], g[SP_GEOM_HEIGHT]);
  }
}
SP_EXPORT("maskApplyResolution", js_mask_apply_resolution)
