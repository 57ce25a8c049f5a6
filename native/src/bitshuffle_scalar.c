/* Portable bit (un)shuffle, one 8x8 bit transposition per 8 elements and byte plane. */
#include <string.h>

#include "bitshuffle.h"

static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static inline void store_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Gathers byte j of the 8 rows (stride row_stride) into one word, row k in byte k. */
static inline uint64_t gather_column(const uint8_t *rows, size_t row_stride, size_t j) {
  uint64_t w = 0;
  for (int k = 7; k >= 0; k--) w = (w << 8) | rows[(size_t)k * row_stride + j];
  return w;
}

void sp_bitunshuffle_plane_scalar(const uint8_t *rows, size_t row_stride, size_t j0, size_t j1, uint8_t *plane) {
  for (size_t j = j0; j < j1; j++) store_le64(plane + 8 * j, sp_transpose8x8(gather_column(rows, row_stride, j)));
}

void sp_byte_interleave_scalar(const uint8_t *planes, size_t n, size_t elem, size_t i0, uint8_t *out) {
  for (size_t i = i0; i < n; i++)
    for (size_t b = 0; b < elem; b++) out[i * elem + b] = planes[b * n + i];
}

void sp_bitunshuffle_scalar(const uint8_t *in, uint8_t *out, size_t n, size_t elem) {
  const size_t m = n / 8;
  for (size_t b = 0; b < elem; b++) {
    const uint8_t *rows = in + 8 * b * m;
    for (size_t j = 0; j < m; j++) {
      uint64_t w = sp_transpose8x8(gather_column(rows, m, j));
      uint8_t *o = out + 8 * j * elem + b;
      for (size_t t = 0; t < 8; t++) o[t * elem] = (uint8_t)(w >> (8 * t));
    }
  }
}

void sp_bitshuffle_scalar(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  const size_t m = n / 8;
  /* Split the elements into byte planes first, so each 8x8 transposition reads 8 contiguous bytes. */
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < elem; b++) tmp[b * n + i] = in[i * elem + b];
  for (size_t b = 0; b < elem; b++) {
    uint8_t *rows = out + 8 * b * m;
    for (size_t j = 0; j < m; j++) {
      uint64_t w = sp_transpose8x8(load_le64(tmp + b * n + 8 * j));
      for (size_t k = 0; k < 8; k++) rows[k * m + j] = (uint8_t)(w >> (8 * k));
    }
  }
}
