/*
 * The radial bin table of one geometry, mask and bin layout (see radial_kernel.h): built once,
 * then read by every frame's sp_radial_accumulate.
 */
#include <math.h>
#include <string.h>

#include "radial_geometry.h"
#include "radial_kernel.h"

static double sp_radial_coordinate(const sp_radial_geometry *g, const sp_pixel_position *p, uint32_t unit) {
  double tth = sp_two_theta(p);
  if (unit == SP_UNIT_2THETA) return tth; /* radians, the unit the edges are given in */
  double q_nm = sp_q_nm(tth, g->wavelength);
  if (unit == SP_UNIT_Q) return q_nm;
  return sp_d_angstrom(q_nm);
}

/* Solid angle relative to the PONI (cos^3 of the incidence angle) times pyFAI's polarisation factor. */
static double sp_correction(const sp_radial_geometry *g, const sp_pixel_position *p, int solid_angle,
                            double pol_factor) {
  double c = 1.0;
  if (solid_angle) {
    double cosa = g->dist / sqrt(g->dist * g->dist + p->p1 * p->p1 + p->p2 * p->p2);
    c *= cosa * cosa * cosa;
  }
  if (!isnan(pol_factor)) {
    double tth = sp_two_theta(p);
    double chi = atan2(p->t1, p->t2);
    double cos2tth = cos(tth);
    cos2tth *= cos2tth;
    c *= 0.5 * (1.0 + cos2tth - pol_factor * cos(2.0 * chi) * (1.0 - cos2tth));
  }
  return c;
}

/* Every check before the first write, so a refused call leaves the outputs as they were. */
static sp_radial_status sp_radial_table_check(const sp_radial_table_args *a, int corrected) {
  if (sp_geometry_problem(a->geometry)) return SP_RADIAL_BAD_GEOMETRY;
  if (a->unit > SP_UNIT_D) return SP_RADIAL_BAD_UNIT;
  double min0 = a->edges[0], delta = a->edges[1], nb = a->edges[2];
  if (!isfinite(min0) || !(delta > 0) || !isfinite(delta) || !(nb >= 1 && nb <= SP_RADIAL_MAX_BINS) || nb != floor(nb))
    return SP_RADIAL_BAD_EDGES;
  size_t n = (size_t)a->geometry[SP_GEOM_WIDTH] * (size_t)a->geometry[SP_GEOM_HEIGHT];
  size_t nbins = (size_t)nb;
  if (a->valid_len != 0 && a->valid_len != n) return SP_RADIAL_BAD_VALID;
  if (a->table_len != n) return SP_RADIAL_BAD_TABLE;
  if (a->static_count_len != nbins) return SP_RADIAL_BAD_STATIC_COUNT;
  if (corrected && a->factor_len != n) return SP_RADIAL_BAD_FACTOR;
  if (corrected && a->static_norm_len != nbins) return SP_RADIAL_BAD_STATIC_NORM;
  return SP_RADIAL_OK;
}

sp_radial_status sp_radial_build_table(const sp_radial_table_args *a) {
  int solid_angle = a->corrections[0] != 0;
  double pol = a->corrections[1];
  int corrected = solid_angle || !isnan(pol);
  sp_radial_status st = sp_radial_table_check(a, corrected);
  if (st != SP_RADIAL_OK) return st;

  sp_radial_geometry g;
  sp_radial_geometry_init(&g, a->geometry);
  const double min0 = a->edges[0], delta = a->edges[1];
  const uint32_t nbins = (uint32_t)a->edges[2];
  const uint8_t *valid = a->valid_len ? a->valid : NULL;
  uint16_t *table = a->table;
  uint32_t *count = a->static_count;
  float *factor = corrected ? a->factor : NULL;
  double *norm = corrected ? a->static_norm : NULL;
  memset(count, 0, (size_t)nbins * sizeof *count);
  if (norm) memset(norm, 0, (size_t)nbins * sizeof *norm);

  for (uint32_t row = 0; row < g.height; row++) {
    for (uint32_t col = 0; col < g.width; col++) {
      size_t i = (size_t)row * g.width + col;
      sp_pixel_position p;
      sp_pixel_position_at(&g, col, row, &p);
      double fbin = (sp_radial_coordinate(&g, &p, a->unit) - min0) / delta;
      uint32_t bin = nbins; /* the sentinel: masked, out of range, or NaN */
      if (fbin >= 0.0 && fbin < (double)nbins && (!valid || valid[i])) bin = (uint32_t)fbin;
      table[i] = (uint16_t)bin;
      if (factor) factor[i] = (float)sp_correction(&g, &p, solid_angle, pol);
      if (bin < nbins) {
        count[bin]++;
        if (norm) norm[bin] += factor[i];
      }
    }
  }
  return SP_RADIAL_OK;
}
