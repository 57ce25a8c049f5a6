/*
 * DIALS-compatible dispersion threshold + spot extraction (see dispersion.c), usable without
 * Node (dispersion_napi.c exposes it to JavaScript).
 */
#ifndef SP_DISPERSION_H
#define SP_DISPERSION_H

#include <stddef.h>
#include <stdint.h>

#include "spot_common.h"
#include "spot_label.h"
#include "dispersion_rows.h"

#define DISP_MAX_HALF 5 /* keeps window sums of counts and values exact in int32 (121 * 2^24 < 2^31) */

/* Parameter vector layout shared with src/stages/analysis/spotNative.ts. */
enum {
  P_KX,
  P_KY,
  P_SIGMA_B,
  P_SIGMA_S,
  P_MIN_LOCAL,
  P_GLOBAL_THRESHOLD,
  P_GAIN,
  P_TRUSTED_LO,
  P_TRUSTED_HI,
  P_MIN_SPOT,
  P_MAX_SPOT,
  P_MAX_SEPARATION,
  P_CONN8,
  P_MAX_STRONG_FRACTION,
  P_EXTENDED,
  P_COUNT
};

/* Per-frame figures written to the caller's info array (same layout in spotNative.ts). */
enum {
  I_SPOTS,
  I_COMPONENTS,
  I_STRONG,
  I_VALID,
  I_VALID_SUM,
  I_SATURATED,
  I_TOO_MANY_STRONG,
  I_BACKGROUND_MEAN,
  I_COUNT
};

typedef struct {
  uint32_t w, h;
  int kx, ky, min_local, conn8, extended;
  int erosion; /* extended mode: erosion distance min(kx, ky) */
  double sigma_b, sigma_s, threshold, gain;
  int64_t lo, hi; /* inclusive integer bounds of a trusted value */
  double max_strong_fraction;
  sp_spot_filter filter;
  uint8_t *mask;
  const disp_row_kernels *kern;
  disp_screen_consts screen;
  /* ring of 2ky+2 prepared rows (see dispersion_rows.h) */
  int rows;
  int32_t *ring_vi;
  float *ring_vf;
  uint8_t *ring_fl;
  int32_t *zero_vi; /* a row of zeros, standing in for rows outside the frame */
  uint8_t *zero_fl;
  int32_t *col_m, *col_x; /* sums over the window rows, per column */
  double *col_y;
  int32_t *win_m, *win_x; /* window sums along the current row */
  double *win_y;
  uint8_t *cand;
  uint8_t *flag_ring; /* extended: rows of dispersion flags, 2*erosion-1 of them */
  uint8_t *hero_ring; /* extended: the same rows eroded along x */
  uint8_t *core_map;  /* extended: full-frame map of core pixels, cleared after each frame */
  int32_t *band_m;    /* extended: per-column sums over the grown window's rows */
  int64_t *band_x;
  uint32_t *band_row; /* extended: the core row each column's band sums belong to */
  sp_vec strong_idx;  /* uint32 */
  sp_vec strong_val;  /* double */
  sp_label_ws label;
  disp_row_stats stats; /* per-frame counters */
} disp_ws;

/* NULL when the parameter vector (P_COUNT doubles) is valid, else what is wrong. */
const char *disp_check_params(const double *p);
/* Workspace for w x h frames with a static valid mask (copied); NULL when out of memory. */
disp_ws *disp_create(uint32_t w, uint32_t h, const uint8_t *mask, const double *p);
void disp_destroy(void *ws);
/* Strong pixels of one frame into ws->strong_idx/strong_val; count, -1 over the strong limit, -2 out of memory. */
long disp_threshold_frame(disp_ws *ws, const sp_pixels *px);
/* Whole frame: threshold, label, filter, write spots (SP_SPOT_STRIDE doubles each, at most capacity)
 * and I_COUNT info figures; returns spots written, or -2 when out of memory. */
long disp_find(disp_ws *ws, const sp_pixels *px, double *out, size_t capacity, double *info);

#endif
