/*
 * Static valid-pixel mask helpers (1 = use the pixel), run once per geometry and mask.
 *
 * maskApplyDetector: clears pixels whose detector pixel-mask word has any of the low 16 bits set
 *   (gap, dead, cold, hot, noisy... in the DECTRIS convention; the high bits are informational).
 * maskApplyResolution: clears pixels whose d-spacing lies outside [dMin, dMax] (angstrom).
 */
#include <math.h>
#include <stdint.h>

#include "module.h"
#include "napi_args.h"
#include "radial_geometry.h"

#define SP_DETECTOR_MASK_BITS 0xFFFFu

/* args: detectorMask Uint32Array(n), valid Uint8Array(n). Returns the number of pixels cleared. */
static napi_value sp_mask_apply_detector(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc;
  uint8_t *det_b, *valid;
  size_t det_n, valid_n;
  if (sp_get_args(env, info, 2, 2, argv, &argc) != 0 ||
      sp_arg_bytes(env, argv[0], "detectorMask", &det_b, &det_n) ||
      sp_arg_bytes(env, argv[1], "valid", &valid, &valid_n))
    return NULL;
  if (det_n != valid_n * 4 || ((uintptr_t)det_b & 3))
    return sp_throw(env, "ERR_INVALID_ARG", "detectorMask must be a Uint32Array with one word per valid-mask byte (%zu)", valid_n);
  const uint32_t *det = (const uint32_t *)det_b;
  size_t cleared = 0;
  for (size_t i = 0; i < valid_n; i++) {
    if ((det[i] & SP_DETECTOR_MASK_BITS) && valid[i]) {
      valid[i] = 0;
      cleared++;
    }
  }
  return sp_number(env, (double)cleared);
}
SP_EXPORT("maskApplyDetector", sp_mask_apply_detector)

/* args: geometry Float64Array(11) (see radial_geometry.h), dMin (angstrom, <= 0: none),
 * dMax (angstrom, <= 0: none), valid Uint8Array(width*height). Returns the number of pixels cleared. */
static napi_value sp_mask_apply_resolution(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  uint8_t *geom_b, *valid;
  size_t geom_n, valid_n;
  double dmin, dmax;
  if (sp_get_args(env, info, 4, 4, argv, &argc) != 0 || sp_arg_bytes(env, argv[0], "geometry", &geom_b, &geom_n) ||
      sp_arg_double(env, argv[1], "dMin", &dmin) || sp_arg_double(env, argv[2], "dMax", &dmax) ||
      sp_arg_bytes(env, argv[3], "valid", &valid, &valid_n))
    return NULL;
  if (geom_n != SP_GEOM_FIELDS * sizeof(double) || ((uintptr_t)geom_b & 7))
    return sp_throw(env, "ERR_INVALID_ARG", "geometry must be a Float64Array of %d values", SP_GEOM_FIELDS);
  const double *gf = (const double *)geom_b;
  for (int i = 0; i < SP_GEOM_FIELDS; i++)
    if (!isfinite(gf[i])) return sp_throw(env, "ERR_INVALID_ARG", "geometry value %d is not finite", i);
  if (!(gf[SP_GEOM_DISTANCE] > 0) || !(gf[SP_GEOM_WAVELENGTH] > 0) || !(gf[SP_GEOM_PIXEL1] > 0) || !(gf[SP_GEOM_PIXEL2] > 0))
    return sp_throw(env, "ERR_INVALID_ARG", "geometry distance, wavelength and pixel sizes must be positive");
  double w = gf[SP_GEOM_WIDTH], h = gf[SP_GEOM_HEIGHT];
  if (w < 1 || h < 1 || w != floor(w) || h != floor(h) || w * h != (double)valid_n)
    return sp_throw(env, "ERR_INVALID_ARG", "valid mask has %zu bytes, geometry is %.0f x %.0f", valid_n, w, h);
  sp_radial_geometry g;
  sp_radial_geometry_init(&g, gf);
  size_t cleared = 0;
  for (uint32_t row = 0; row < g.height; row++) {
    for (uint32_t col = 0; col < g.width; col++) {
      size_t i = (size_t)row * g.width + col;
      if (!valid[i]) continue;
      sp_pixel_position p;
      sp_pixel_position_at(&g, col, row, &p);
      double q_nm = sp_q_nm(sp_two_theta(&p), g.wavelength);
      double d = 2.0 * SP_PI / (q_nm * 0.1);
      if ((dmin > 0 && d < dmin) || (dmax > 0 && d > dmax)) {
        valid[i] = 0;
        cleared++;
      }
    }
  }
  return sp_number(env, (double)cleared);
}
SP_EXPORT("maskApplyResolution", sp_mask_apply_resolution)
