#include "spot_label.h"

#include <math.h>
#include <string.h>

void sp_label_init(sp_label_ws *ws) {
  memset(ws, 0, sizeof *ws);
  ws->parent.elem = sizeof(uint32_t);
  ws->label.elem = sizeof(uint32_t);
  ws->components.elem = sizeof(sp_component);
}

void sp_label_free(sp_label_ws *ws) {
  sp_vec_free(&ws->parent);
  sp_vec_free(&ws->label);
  sp_vec_free(&ws->components);
}

static uint32_t uf_find(uint32_t *parent, uint32_t a) {
  while (parent[a] != a) {
    parent[a] = parent[parent[a]]; /* path halving keeps later finds short */
    a = parent[a];
  }
  return a;
}

/* The smaller root wins, so every root is the first (raster-order) pixel of its component. */
static void uf_union(uint32_t *parent, uint32_t a, uint32_t b) {
  uint32_t ra = uf_find(parent, a), rb = uf_find(parent, b);
  if (ra < rb)
    parent[rb] = ra;
  else if (rb < ra)
    parent[ra] = rb;
}

/* Links each strong pixel to its strong neighbours earlier in raster order: left, and the row
 * above (up for 4-connectivity; up-left, up, up-right for 8). `up` walks the list one row behind. */
static void link_neighbours(uint32_t *parent, const uint32_t *idx, size_t n, uint32_t width, int conn8) {
  size_t up = 0;
  for (size_t j = 0; j < n; j++) {
    parent[j] = (uint32_t)j;
    uint32_t p = idx[j];
    uint32_t x = p % width;
    if (j > 0 && x > 0 && idx[j - 1] == p - 1) uf_union(parent, (uint32_t)j, (uint32_t)(j - 1));
    if (p < width) continue;
    uint32_t above = p - width;
    uint32_t first = (conn8 && x > 0) ? above - 1 : above;
    uint32_t last = (conn8 && x + 1 < width) ? above + 1 : above;
    while (up < j && idx[up] < first) up++;
    for (size_t u = up; u < j && idx[u] <= last; u++) uf_union(parent, (uint32_t)j, (uint32_t)u);
  }
}

long sp_label_measure(sp_label_ws *ws, const uint32_t *idx, const double *val, size_t n, uint32_t width, int conn8) {
  if (n == 0) return 0;
  if (sp_vec_reserve(&ws->parent, n) || sp_vec_reserve(&ws->label, n)) return -1;
  uint32_t *parent = (uint32_t *)ws->parent.ptr;
  uint32_t *label = (uint32_t *)ws->label.ptr;
  link_neighbours(parent, idx, n, width, conn8);
  size_t ncomp = 0;
  for (size_t j = 0; j < n; j++) {
    uint32_t r = uf_find(parent, (uint32_t)j);
    label[j] = (r == j) ? (uint32_t)ncomp++ : label[r];
  }
  if (sp_vec_reserve(&ws->components, ncomp)) return -1;
  sp_component *c = (sp_component *)ws->components.ptr;
  memset(c, 0, ncomp * sizeof *c);
  for (size_t j = 0; j < n; j++) {
    sp_component *k = &c[label[j]];
    double v = val[j];
    double x = (double)(idx[j] % width) + 0.5, y = (double)(idx[j] / width) + 0.5;
    if (k->n == 0 || v > k->vmax) {
      k->vmax = v;
      k->peak = idx[j];
    }
    k->n += 1;
    k->sum += v;
    k->sum_x += v * x;
    k->sum_y += v * y;
  }
  return (long)ncomp;
}

size_t sp_write_spots(const sp_label_ws *ws, size_t ncomp, uint32_t width, const sp_spot_filter *f, double *out,
                      size_t capacity) {
  const sp_component *c = (const sp_component *)ws->components.ptr;
  size_t count = 0;
  for (size_t i = 0; i < ncomp; i++) {
    const sp_component *k = &c[i];
    if (k->n < f->min_pixels || k->n > f->max_pixels) continue;
    double cx = k->sum_x / k->sum, cy = k->sum_y / k->sum;
    if (!(k->sum > 0)) continue; /* no centroid can be defined */
    if (f->max_separation >= 0) {
      double px = (double)(k->peak % width) + 0.5, py = (double)(k->peak / width) + 0.5;
      double dx = px - cx, dy = py - cy;
      if (sqrt(dx * dx + dy * dy) > f->max_separation) continue;
    }
    if (count < capacity) {
      double *o = out + count * SP_SPOT_STRIDE;
      o[SP_SPOT_X] = cx;
      o[SP_SPOT_Y] = cy;
      o[SP_SPOT_INTENSITY] = k->sum;
      o[SP_SPOT_NPIX] = k->n;
      o[SP_SPOT_MAX] = k->vmax;
      o[SP_SPOT_SNR] = NAN;
      o[SP_SPOT_BACKGROUND] = NAN;
      o[SP_SPOT_BG_SIGMA] = NAN;
    }
    count++;
  }
  return count;
}
