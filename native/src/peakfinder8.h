/*
 * peakfinder8 (the OM / CrystFEL peak finder) for one frame: radial statistics with symmetric
 * clipping (5 iterations; "fast" mode on a fixed sample of pixels per radial bin), a threshold
 * per radial bin of max(adc_threshold, mean + min_snr * sigma), flood fill over the 8-neighbourhood
 * inside each ASIC, pixel-count cut, local background in a disc of radius 2 * local_bg_radius,
 * SNR and background-maximum cuts. See peakfinder8.c.
 */
#ifndef SP_PEAKFINDER8_H
#define SP_PEAKFINDER8_H

#include <stddef.h>
#include <stdint.h>

#include "spot_common.h"

/* Create-time parameters (layout shared with src/stages/analysis/spotNative.ts). */
enum { PC_MIN_RES, PC_MAX_RES, PC_SAMPLES_PER_BIN, PC_COUNT };
/* Per-frame parameters. */
enum {
  PF_ADC,
  PF_MIN_SNR,
  PF_MIN_PIX,
  PF_MAX_PIX,
  PF_LOCAL_BG_RADIUS,
  PF_FAST,
  PF_TRUSTED_LO,
  PF_TRUSTED_HI,
  PF_MAX_PEAKS,
  PF_ITERATIONS,
  PF_COUNT
};
/* Per-frame info. */
enum { PI_PEAKS, PI_SIZED, PI_VALID, PI_VALID_SUM, PI_SATURATED, PI_TRUNCATED, PI_COUNT };

typedef struct {
  int32_t x0, y0, w, h;
} pf8_asic;

typedef struct {
  uint32_t w, h;
  uint32_t nbins;
  uint16_t *rbin; /* radial bin (rounded radius in px) per pixel */
  uint8_t *mask;  /* static mask with the resolution limits applied */
  uint32_t nasic;
  pf8_asic *asic;
  uint32_t *sample;     /* fast mode: pixel indices, grouped by bin */
  uint32_t *sample_off; /* nbins + 1 offsets into sample */
  float *roffset, *rsigma, *rthreshold, *lthreshold;
  double *acc_sum, *acc_sq, *acc_n;
  uint8_t *peakmap; /* 1 = in a peak; cleared after each frame from `marked` */
  int32_t *row_vi;  /* scratch rows for the frame counters */
  float *row_vf;
  uint8_t *row_fl;
  sp_vec marked; /* uint32 */
  sp_vec pix;    /* uint32: pixels of the peak being grown */
} pf8_ws;

typedef struct {
  double adc, min_snr, min_pix, max_pix;
  int local_bg_radius, fast, iterations;
  int64_t lo, hi;
  size_t max_peaks;
} pf8_params;

const char *pf8_check_create(uint32_t w, uint32_t h, const uint16_t *rbin, const int32_t *asics, size_t nasic_values,
                             const double *p);
pf8_ws *pf8_create(uint32_t w, uint32_t h, const uint16_t *rbin, const uint8_t *mask, const int32_t *asics,
                   size_t nasic, const double *p);
void pf8_destroy(void *ws);
const char *pf8_read_params(const double *p, pf8_params *out);
/* Radial statistics of a frame into ws->roffset/rsigma/rthreshold; fills the frame counters. */
void pf8_radial_stats(pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, double *info);
/* The whole finder: writes up to capacity spots; returns the number written, -2 when out of memory. */
long pf8_find(pf8_ws *ws, const sp_pixels *px, const pf8_params *pp, double *out, size_t capacity, double *info);

#endif
