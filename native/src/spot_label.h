/*
 * Connected components of a sparse set of strong pixels and the spot measurements DIALS makes
 * on them (intensity-weighted centroid with pixel centres at i + 0.5, summed raw intensity,
 * pixel count, peak pixel). Works on the list of strong pixel indices in raster order, so the
 * cost scales with the number of strong pixels, not the frame size.
 */
#ifndef SP_SPOT_LABEL_H
#define SP_SPOT_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "spot_common.h"

typedef struct {
  double n, sum, sum_x, sum_y, vmax;
  uint32_t peak; /* linear index of the first pixel holding the maximum, in raster order */
} sp_component;

typedef struct {
  sp_vec parent;     /* uint32 per strong pixel: union-find forest over list positions */
  sp_vec label;      /* uint32 per strong pixel: component number */
  sp_vec components; /* sp_component */
} sp_label_ws;

void sp_label_init(sp_label_ws *ws);
void sp_label_free(sp_label_ws *ws);

/* Labels idx[0..n) (strictly ascending linear indices in a width-wide image) into 4- or
 * 8-connected components and measures them with the pixel values val[0..n). Components are
 * numbered in raster order of their first pixel. Returns the number of components, -1 when out of memory. */
long sp_label_measure(sp_label_ws *ws, const uint32_t *idx, const double *val, size_t n, uint32_t width, int conn8);

typedef struct {
  double min_pixels, max_pixels;
  double max_separation; /* peak-to-centroid distance limit in px; < 0 disables */
} sp_spot_filter;

/* Writes the components that pass the filter into out (at most capacity spots, SP_SPOT_STRIDE
 * doubles each); returns how many passed (may exceed capacity: only the first ones are written). */
size_t sp_write_spots(const sp_label_ws *ws, size_t ncomp, uint32_t width, const sp_spot_filter *f, double *out,
                      size_t capacity);

#endif
