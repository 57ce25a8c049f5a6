/* The static valid-pixel masks (see mask_kernel.h). */
#include "mask_kernel.h"

#include "radial_geometry.h"

#define SP_DETECTOR_MASK_BITS 0xFFFFu

sp_mask_status sp_mask_apply_detector(const uint32_t *detector, size_t det_len, uint8_t *valid, size_t valid_len,
                                      size_t *cleared_out) {
  if (det_len != valid_len) return SP_MASK_BAD_LENGTH;
  size_t cleared = 0;
  for (size_t i = 0; i < valid_len; i++) {
    if ((detector[i] & SP_DETECTOR_MASK_BITS) && valid[i]) {
      valid[i] = 0;
      cleared++;
    }
  }
  *cleared_out = cleared;
  return SP_MASK_OK;
}

sp_mask_status sp_mask_apply_resolution(const double *geometry, double dmin, double dmax, uint8_t *valid,
                                        size_t valid_len, size_t *cleared_out) {
  if (sp_geometry_problem(geometry)) return SP_MASK_BAD_GEOMETRY;
  if (geometry[SP_GEOM_WIDTH] * geometry[SP_GEOM_HEIGHT] != (double)valid_len) return SP_MASK_BAD_LENGTH;
  sp_radial_geometry g;
  sp_radial_geometry_init(&g, geometry);
  size_t cleared = 0;
  for (uint32_t row = 0; row < g.height; row++) {
    for (uint32_t col = 0; col < g.width; col++) {
      size_t i = (size_t)row * g.width + col;
      if (!valid[i]) continue;
      sp_pixel_position p;
      sp_pixel_position_at(&g, col, row, &p);
      double d = sp_d_angstrom(sp_q_nm(sp_two_theta(&p), g.wavelength));
      if ((dmin > 0 && d < dmin) || (dmax > 0 && d > dmax)) {
        valid[i] = 0;
        cleared++;
      }
    }
  }
  *cleared_out = cleared;
  return SP_MASK_OK;
}
