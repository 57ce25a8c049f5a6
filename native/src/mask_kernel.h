/*
 * Static valid-pixel mask helpers (1 = use the pixel), run once per geometry and mask.
 *
 * sp_mask_apply_detector: clears pixels whose detector pixel-mask word has any of the low 16 bits
 *   set (gap, dead, cold, hot, noisy... in the DECTRIS convention; the high bits are informational).
 * sp_mask_apply_resolution: clears pixels whose d-spacing lies outside [dMin, dMax] (angstrom).
 *
 * Free of Node-API (mask_napi.c binds them; native/fuzz and native/test drive them directly). Both
 * check their lengths before touching memory and leave `valid` as it was when they refuse.
 */
#ifndef SP_MASK_KERNEL_H
#define SP_MASK_KERNEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  SP_MASK_OK = 0,
  SP_MASK_BAD_GEOMETRY, /* see sp_geometry_problem (radial_geometry.h) */
  SP_MASK_BAD_LENGTH,   /* valid has not one byte per detector-mask word / per pixel of the geometry */
} sp_mask_status;

/* detector: det_len words; valid: valid_len bytes, det_len of them. *cleared: pixels it cleared. */
sp_mask_status sp_mask_apply_detector(const uint32_t *detector, size_t det_len, uint8_t *valid, size_t valid_len,
                                      size_t *cleared);

/* geometry: SP_GEOM_FIELDS values (radial_geometry.h); dmin, dmax in angstrom, <= 0 (or NaN) for no
 * bound; valid: width * height bytes. *cleared: pixels it cleared. */
sp_mask_status sp_mask_apply_resolution(const double *geometry, double dmin, double dmax, uint8_t *valid,
                                        size_t valid_len, size_t *cleared);

#endif
