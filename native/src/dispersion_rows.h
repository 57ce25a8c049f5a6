/*
 * Per-row kernels of the dispersion spot finder (dispersion.c): preparing a row (validity,
 * values, frame statistics), updating the per-column window sums, summing windows along a row,
 * and the branch-free strong-pixel screen. Portable C in dispersion_rows.c, AVX2 intrinsics in
 * dispersion_rows_avx2.c; disp_row_kernels_get() picks one at run time. Both produce identical
 * results (integer work is exact; the float screen only decides who gets the exact test).
 */
#ifndef SP_DISPERSION_ROWS_H
#define SP_DISPERSION_ROWS_H

#include <stdint.h>

enum { DISP_FL_SUM = 1, DISP_FL_VALID = 2 };
#define DISP_BIG (1 << 24) /* values from here on are left out of the window sums, as in DIALS */

typedef struct {
  int64_t n_valid, sum_valid, n_saturated;
} disp_row_stats;

/* Bounds of a valid value (inclusive), the static mask, and the outputs of one prepared row:
 * vi = value when it counts in the window sums else 0, vf = value when valid else 0, fl = flags. */
typedef struct {
  const uint8_t *mask;
  uint32_t w;
  int64_t lo, hi;
  int32_t *vi;
  float *vf;
  uint8_t *fl;
} disp_prep_args;

typedef struct {
  float min_local, threshold, gain, sigma_b2x2, sigma_s2; /* sigma_b2x2 = 2 sigma_b^2 */
} disp_screen_consts;

typedef struct {
  const char *name;
  void (*prep_u16)(const uint16_t *src, const disp_prep_args *a, disp_row_stats *st);
  void (*prep_u32)(const uint32_t *src, const disp_prep_args *a, disp_row_stats *st);
  void (*prep_i32)(const int32_t *src, const disp_prep_args *a, disp_row_stats *st);
  /* column sums += row `add` - row `sub` (count, sum, sum of squares) */
  void (*col_update)(const int32_t *vi_add, const uint8_t *fl_add, const int32_t *vi_sub, const uint8_t *fl_sub,
                     int32_t *cm, int32_t *cx, double *cy, uint32_t w);
  /* window sums along the row, window clipped at the row ends */
  void (*window)(const int32_t *cm, const int32_t *cx, const double *cy, int32_t *wm, int32_t *wx, double *wy,
                 uint32_t w, int k);
  /* Candidate bits (bit i%8 of cand[i/8], (w+7)/8 bytes written): set where a pixel may be strong
   * (both conditions) / dispersed (condition (a) only). The screen works on window means so
   * nothing overflows a float, and loosens both conditions (1e-5 of the magnitudes involved,
   * 1e-4 on the squared limits) far beyond float rounding: every pixel DIALS's double test
   * accepts is a candidate; the exact test decides. */
  void (*screen_strong)(const int32_t *wm, const int32_t *wx, const double *wy, const float *vf, const uint8_t *fl,
                        uint8_t *cand, uint32_t w, const disp_screen_consts *c);
  void (*screen_dispersed)(const int32_t *wm, const int32_t *wx, const double *wy, const uint8_t *fl, uint8_t *cand,
                           uint32_t w, const disp_screen_consts *c);
} disp_row_kernels;

/* Shared by both builds: the clipped windows at the row ends, and the screen of one pixel. */
void disp_window_edges(const int32_t *cm, const int32_t *cx, const double *cy, int32_t *wm, int32_t *wx, double *wy,
                       uint32_t w, int k);
int disp_screen_dispersed_1(int32_t wm, int32_t wx, double wy, uint8_t fl, const disp_screen_consts *c);
int disp_screen_strong_1(int32_t wm, int32_t wx, double wy, float v, uint8_t fl, const disp_screen_consts *c);

/* The kernels for the CPU level in use (cpu_level.h). */
const disp_row_kernels *disp_row_kernels_get(void);
/* The portable kernels, for tests that compare the two builds. */
const disp_row_kernels *disp_row_kernels_portable(void);
/* The AVX2 kernels (dispersion_rows_avx2.c), or NULL when this build has none; only for a CPU at
 * level AVX2 or above. */
const disp_row_kernels *disp_row_kernels_avx2(void);

#endif
