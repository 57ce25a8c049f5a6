/*
 * AVX2 bit unshuffle: the SSE2 scheme on 32 columns at a time. AVX2 unpacks work within each
 * 128-bit half, so the upper half carries columns 16..31 and is written 128 bytes further on.
 * Multi-byte elements go 32 columns (256 elements) at a time through all planes and straight on
 * to the output, so the plane buffer stays at most 1 KB.
 */
#include "bitshuffle.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define SP_AVX2 __attribute__((target("avx2")))

static inline SP_AVX2 __m256i delta_swap(__m256i x, int shift, long long mask) {
  __m256i t = _mm256_and_si256(_mm256_xor_si256(x, _mm256_srli_epi64(x, shift)), _mm256_set1_epi64x(mask));
  return _mm256_xor_si256(x, _mm256_xor_si256(t, _mm256_slli_epi64(t, shift)));
}

static inline SP_AVX2 __m256i transpose_lanes(__m256i x) {
  x = delta_swap(x, 7, 0x00AA00AA00AA00AALL);
  x = delta_swap(x, 14, 0x0000CCCC0000CCCCLL);
  return delta_swap(x, 28, 0x00000000F0F0F0F0LL);
}

/* Stores two results holding columns (c, c+1 | c+16, c+17) and (c+2, c+3 | c+18, c+19). */
static inline SP_AVX2 void store_pair(uint8_t *o, __m256i x, __m256i y) {
  _mm256_storeu_si256((__m256i *)o, _mm256_permute2x128_si256(x, y, 0x20));
  _mm256_storeu_si256((__m256i *)(o + 128), _mm256_permute2x128_si256(x, y, 0x31));
}

/* Untransposes columns [j0, j1) of one plane's 8 rows (row stride m); column j's 8 bytes go to
 * plane + 8 * (j - j0). j1 - j0 is a multiple of 32. */
static SP_AVX2 void unshuffle_plane_columns(const uint8_t *rows, size_t m, size_t j0, size_t j1, uint8_t *plane) {
  for (size_t j = j0; j < j1; j += 32) {
    const uint8_t *p = rows + j;
    __m256i r0 = _mm256_loadu_si256((const __m256i *)(p + 0 * m));
    __m256i r1 = _mm256_loadu_si256((const __m256i *)(p + 1 * m));
    __m256i r2 = _mm256_loadu_si256((const __m256i *)(p + 2 * m));
    __m256i r3 = _mm256_loadu_si256((const __m256i *)(p + 3 * m));
    __m256i r4 = _mm256_loadu_si256((const __m256i *)(p + 4 * m));
    __m256i r5 = _mm256_loadu_si256((const __m256i *)(p + 5 * m));
    __m256i r6 = _mm256_loadu_si256((const __m256i *)(p + 6 * m));
    __m256i r7 = _mm256_loadu_si256((const __m256i *)(p + 7 * m));
    uint8_t *o = plane + 8 * (j - j0);
    /* Rows that are all 0 or all 1 bits (no counts / masked pixels, most of a detector frame)
     * transpose to themselves: skip the shuffle work. */
    __m256i any = _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(r0, r1), _mm256_or_si256(r2, r3)),
                                  _mm256_or_si256(_mm256_or_si256(r4, r5), _mm256_or_si256(r6, r7)));
    __m256i all = _mm256_and_si256(_mm256_and_si256(_mm256_and_si256(r0, r1), _mm256_and_si256(r2, r3)),
                                   _mm256_and_si256(_mm256_and_si256(r4, r5), _mm256_and_si256(r6, r7)));
    if (_mm256_testz_si256(any, any) || _mm256_testc_si256(all, _mm256_set1_epi8(-1))) {
      for (int q = 0; q < 8; q++) _mm256_storeu_si256((__m256i *)(o + 32 * q), any);
      continue;
    }
    __m256i a0 = _mm256_unpacklo_epi8(r0, r1), a1 = _mm256_unpackhi_epi8(r0, r1);
    __m256i a2 = _mm256_unpacklo_epi8(r2, r3), a3 = _mm256_unpackhi_epi8(r2, r3);
    __m256i a4 = _mm256_unpacklo_epi8(r4, r5), a5 = _mm256_unpackhi_epi8(r4, r5);
    __m256i a6 = _mm256_unpacklo_epi8(r6, r7), a7 = _mm256_unpackhi_epi8(r6, r7);
    __m256i b0 = _mm256_unpacklo_epi16(a0, a2), b1 = _mm256_unpackhi_epi16(a0, a2);
    __m256i b2 = _mm256_unpacklo_epi16(a1, a3), b3 = _mm256_unpackhi_epi16(a1, a3);
    __m256i b4 = _mm256_unpacklo_epi16(a4, a6), b5 = _mm256_unpackhi_epi16(a4, a6);
    __m256i b6 = _mm256_unpacklo_epi16(a5, a7), b7 = _mm256_unpackhi_epi16(a5, a7);
    store_pair(o + 0, transpose_lanes(_mm256_unpacklo_epi32(b0, b4)), transpose_lanes(_mm256_unpackhi_epi32(b0, b4)));
    store_pair(o + 32, transpose_lanes(_mm256_unpacklo_epi32(b1, b5)), transpose_lanes(_mm256_unpackhi_epi32(b1, b5)));
    store_pair(o + 64, transpose_lanes(_mm256_unpacklo_epi32(b2, b6)), transpose_lanes(_mm256_unpackhi_epi32(b2, b6)));
    store_pair(o + 96, transpose_lanes(_mm256_unpacklo_epi32(b3, b7)), transpose_lanes(_mm256_unpackhi_epi32(b3, b7)));
  }
}

static SP_AVX2 void interleave2(const uint8_t *planes, size_t n, uint8_t *out) {
  const uint8_t *p0 = planes, *p1 = planes + n;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(p0 + i));
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(p1 + i));
    __m256i lo = _mm256_unpacklo_epi8(x0, x1), hi = _mm256_unpackhi_epi8(x0, x1);
    _mm256_storeu_si256((__m256i *)(out + 2 * i), _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 2 * i + 32), _mm256_permute2x128_si256(lo, hi, 0x31));
  }
  sp_byte_interleave_scalar(planes, n, 2, i, out);
}

static SP_AVX2 void interleave4(const uint8_t *planes, size_t n, uint8_t *out) {
  const uint8_t *p0 = planes, *p1 = planes + n, *p2 = planes + 2 * n, *p3 = planes + 3 * n;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(p0 + i));
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(p1 + i));
    __m256i x2 = _mm256_loadu_si256((const __m256i *)(p2 + i));
    __m256i x3 = _mm256_loadu_si256((const __m256i *)(p3 + i));
    __m256i lo01 = _mm256_unpacklo_epi8(x0, x1), hi01 = _mm256_unpackhi_epi8(x0, x1);
    __m256i lo23 = _mm256_unpacklo_epi8(x2, x3), hi23 = _mm256_unpackhi_epi8(x2, x3);
    __m256i e0 = _mm256_unpacklo_epi16(lo01, lo23), e1 = _mm256_unpackhi_epi16(lo01, lo23);
    __m256i e2 = _mm256_unpacklo_epi16(hi01, hi23), e3 = _mm256_unpackhi_epi16(hi01, hi23);
    __m256i *o = (__m256i *)(out + 4 * i);
    _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(e0, e1, 0x20));
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(e2, e3, 0x20));
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(e0, e1, 0x31));
    _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(e2, e3, 0x31));
  }
  sp_byte_interleave_scalar(planes, n, 4, i, out);
}

/* Columns per step of the multi-byte path: the planes of 256 elements (at most 1 KB of tmp)
 * are untransposed, then interleaved into the output at once, so the output stores are spread
 * over the whole block instead of coming in one burst after all planes (which stalled on the
 * output's cache misses). */
#define STEP_COLUMNS 32

SP_AVX2 void sp_bitunshuffle_avx2(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  const size_t m = n / 8;
  const size_t full = m / STEP_COLUMNS * STEP_COLUMNS;
  if (elem == 1) {
    unshuffle_plane_columns(in, m, 0, full, out);
    sp_bitunshuffle_plane_scalar(in, m, full, m, out);
    return;
  }
  const size_t step_elems = 8 * STEP_COLUMNS;
  for (size_t j = 0; j < full; j += STEP_COLUMNS) {
    for (size_t b = 0; b < elem; b++)
      unshuffle_plane_columns(in + 8 * b * m, m, j, j + STEP_COLUMNS, tmp + b * step_elems);
    if (elem == 2)
      interleave2(tmp, step_elems, out + 8 * j * elem);
    else
      interleave4(tmp, step_elems, out + 8 * j * elem);
  }
  if (full < m) {
    /* Fewer than 32 columns left: scalar transposition and interleave. */
    const size_t rest = 8 * (m - full);
    for (size_t b = 0; b < elem; b++)
      sp_bitunshuffle_plane_scalar(in + 8 * b * m + full, m, 0, m - full, tmp + b * rest);
    sp_byte_interleave_scalar(tmp, rest, elem, 0, out + 8 * full * elem);
  }
}

#else
void sp_bitunshuffle_avx2(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  (void)tmp;
  sp_bitunshuffle_scalar(in, out, n, elem);
}
#endif
