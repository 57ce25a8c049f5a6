/*
 * Shared pieces of the spot finders (dispersion, peakfinder8): the spot table layout written
 * into the caller's Float64Array, pixel buffers of the supported integer types, and growable
 * scratch arrays that reach their steady size after a few frames and are then reused.
 */
#ifndef SP_SPOT_COMMON_H
#define SP_SPOT_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* One spot = SP_SPOT_STRIDE doubles in the output table (see src/stages/analysis/Spot.ts). */
enum {
  SP_SPOT_X = 0,         /* centroid, fast axis, pixel-centre convention (i + 0.5) */
  SP_SPOT_Y = 1,         /* centroid, slow axis */
  SP_SPOT_INTENSITY = 2, /* summed intensity (dispersion: raw counts; pf8: above local background) */
  SP_SPOT_NPIX = 3,
  SP_SPOT_MAX = 4,        /* largest raw pixel value in the spot */
  SP_SPOT_SNR = 5,        /* NaN when the finder does not define one */
  SP_SPOT_BACKGROUND = 6, /* local background per pixel, NaN when not estimated */
  SP_SPOT_BG_SIGMA = 7,
  SP_SPOT_STRIDE = 8
};

typedef enum { SP_PIX_U16 = 0, SP_PIX_U32 = 1, SP_PIX_I32 = 2 } sp_pix_type;

typedef struct {
  const void *data;
  sp_pix_type type;
} sp_pixels;

static inline double sp_pixel_at(const sp_pixels *p, size_t k) {
  switch (p->type) {
    case SP_PIX_U16: return (double)((const uint16_t *)p->data)[k];
    case SP_PIX_U32: return (double)((const uint32_t *)p->data)[k];
    default: return (double)((const int32_t *)p->data)[k];
  }
}

/* Growable array: grows by doubling, never shrinks; returns 0 on success, -1 when out of memory. */
typedef struct {
  void *ptr;
  size_t cap;  /* elements */
  size_t elem; /* bytes per element */
} sp_vec;

int sp_vec_reserve(sp_vec *v, size_t n);
void sp_vec_free(sp_vec *v);

#endif
