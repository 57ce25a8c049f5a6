/*
 * Per-pixel scattering geometry for the radial profile and the masks.
 *
 * The geometry is given as a PONI (point of normal incidence) with optional rotations, in the
 * convention of pyFAI's .poni files, because that is what our reference profiles come from.
 * For a detector normal to the beam (no rotations) the PONI is the beam centre.
 *
 * Pixel coordinates are rounded to float32 exactly as pyFAI 0.21 rounds them (index + 0.5 times
 * the pixel size, minus the PONI, each step in float32). The physical effect is below 0.1 um on
 * the detector, but it decides on which side of a bin edge a pixel falls, and we want bin
 * membership identical to pyFAI's so that profiles agree to rounding error.
 */
#ifndef SP_RADIAL_GEOMETRY_H
#define SP_RADIAL_GEOMETRY_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* -std=c11 does not define M_PI. */
#define SP_PI 3.14159265358979323846

/* Layout of the Float64Array that carries a geometry from TypeScript. */
enum {
  SP_GEOM_WIDTH = 0,
  SP_GEOM_HEIGHT,
  SP_GEOM_PONI1,      /* m, along the slow axis */
  SP_GEOM_PONI2,      /* m, along the fast axis */
  SP_GEOM_PIXEL1,     /* m, slow */
  SP_GEOM_PIXEL2,     /* m, fast */
  SP_GEOM_DISTANCE,   /* m, sample to PONI */
  SP_GEOM_WAVELENGTH, /* m */
  SP_GEOM_ROT1,
  SP_GEOM_ROT2,
  SP_GEOM_ROT3,
  SP_GEOM_FIELDS
};

typedef struct {
  uint32_t width, height;
  double poni1, poni2, pixel1, pixel2, dist, wavelength;
  /* Rows of the detector-to-lab rotation, applied to (p1, p2, dist). */
  double r1[3], r2[3], r3[3];
} sp_radial_geometry;

/* Position of one pixel centre in the lab frame: t1 (slow-like), t2 (fast-like), t3 (along the beam). */
typedef struct {
  double t1, t2, t3;
  double p1, p2; /* in-plane offsets from the PONI (float32-rounded), for the solid angle */
} sp_pixel_position;

/* Why a geometry vector cannot be used (a message starting "geometry"), or NULL when it can.
 * Width and height become uint32 and their product a pixel count, hence the bound. */
static inline const char *sp_geometry_problem(const double *f) {
  for (int i = 0; i < SP_GEOM_FIELDS; i++)
    if (!isfinite(f[i])) return "geometry values must all be finite";
  double w = f[SP_GEOM_WIDTH], h = f[SP_GEOM_HEIGHT];
  if (w < 1 || h < 1 || w != floor(w) || h != floor(h) || w * h > 4294967295.0)
    return "geometry width/height must be positive integers";
  if (!(f[SP_GEOM_DISTANCE] > 0) || !(f[SP_GEOM_WAVELENGTH] > 0) || !(f[SP_GEOM_PIXEL1] > 0) ||
      !(f[SP_GEOM_PIXEL2] > 0))
    return "geometry distance, wavelength and pixel sizes must be positive";
  return NULL;
}

/* f must have passed sp_geometry_problem. */
static inline void sp_radial_geometry_init(sp_radial_geometry *g, const double *f) {
  g->width = (uint32_t)f[SP_GEOM_WIDTH];
  g->height = (uint32_t)f[SP_GEOM_HEIGHT];
  g->poni1 = f[SP_GEOM_PONI1];
  g->poni2 = f[SP_GEOM_PONI2];
  g->pixel1 = f[SP_GEOM_PIXEL1];
  g->pixel2 = f[SP_GEOM_PIXEL2];
  g->dist = f[SP_GEOM_DISTANCE];
  g->wavelength = f[SP_GEOM_WAVELENGTH];
  double s1 = sin(f[SP_GEOM_ROT1]), c1 = cos(f[SP_GEOM_ROT1]);
  double s2 = sin(f[SP_GEOM_ROT2]), c2 = cos(f[SP_GEOM_ROT2]);
  double s3 = sin(f[SP_GEOM_ROT3]), c3 = cos(f[SP_GEOM_ROT3]);
  /* Coefficients of p1, p2 and dist in each lab coordinate (pyFAI's rotation order rot1, rot2, rot3). */
  g->r1[0] = c2 * c3;
  g->r1[1] = c3 * s1 * s2 - c1 * s3;
  g->r1[2] = -(c1 * c3 * s2 + s1 * s3);
  g->r2[0] = c2 * s3;
  g->r2[1] = c1 * c3 + s1 * s2 * s3;
  g->r2[2] = -(-(c3 * s1) + c1 * s2 * s3);
  g->r3[0] = s2;
  g->r3[1] = -(c2 * s1);
  g->r3[2] = c1 * c2;
}

static inline void sp_pixel_position_at(const sp_radial_geometry *g, uint32_t col, uint32_t row,
                                        sp_pixel_position *out) {
  float p1 = (float)g->pixel1 * ((float)row + 0.5f);
  float p2 = (float)g->pixel2 * ((float)col + 0.5f);
  p1 = p1 - (float)g->poni1;
  p2 = p2 - (float)g->poni2;
  double d1 = p1, d2 = p2, L = g->dist;
  out->p1 = d1;
  out->p2 = d2;
  out->t1 = d1 * g->r1[0] + d2 * g->r1[1] + L * g->r1[2];
  out->t2 = d1 * g->r2[0] + d2 * g->r2[1] + L * g->r2[2];
  out->t3 = d1 * g->r3[0] + d2 * g->r3[1] + L * g->r3[2];
}

static inline double sp_two_theta(const sp_pixel_position *p) {
  return atan2(sqrt(p->t1 * p->t1 + p->t2 * p->t2), p->t3);
}

/* q in 1/nm (pyFAI's internal unit), from two-theta in radians and the wavelength in metres. */
static inline double sp_q_nm(double two_theta, double wavelength_m) {
  return 4.0e-9 * SP_PI / wavelength_m * sin(two_theta / 2.0);
}

/* d-spacing in angstrom from q in 1/nm; +inf at the PONI. */
static inline double sp_d_angstrom(double q_nm) { return 2.0 * SP_PI / (q_nm * 0.1); }

#endif
