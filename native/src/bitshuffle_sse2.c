/*
 * SSE2 bit unshuffle. Per byte plane: 16 columns of the 8 bit-rows are regrouped (three rounds of
 * byte/word/dword unpacks) so each 64-bit lane holds one column's 8 row bytes, then one 8x8 bit
 * transposition per lane yields 8 consecutive elements' bytes. Planes are then interleaved into
 * elements, 32 columns (256 elements) at a time so the plane buffer stays at most 1 KB and the
 * output stores are spread over the block. Everything stays within one block, which is small
 * enough to live in L1.
 */
#include "bitshuffle.h"

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>

#define SP_SSE2 __attribute__((target("sse2")))

static inline SP_SSE2 __m128i delta_swap(__m128i x, int shift, long long mask) {
  __m128i t = _mm_and_si128(_mm_xor_si128(x, _mm_srli_epi64(x, shift)), _mm_set1_epi64x(mask));
  return _mm_xor_si128(x, _mm_xor_si128(t, _mm_slli_epi64(t, shift)));
}

static inline SP_SSE2 __m128i transpose_lanes(__m128i x) {
  x = delta_swap(x, 7, 0x00AA00AA00AA00AALL);
  x = delta_swap(x, 14, 0x0000CCCC0000CCCCLL);
  return delta_swap(x, 28, 0x00000000F0F0F0F0LL);
}

/* Untransposes columns [j0, j1) of one plane's 8 rows (row stride m); column j's 8 bytes go to
 * plane + 8 * (j - j0). j1 - j0 is a multiple of 16. */
static SP_SSE2 void unshuffle_plane_columns(const uint8_t *rows, size_t m, size_t j0, size_t j1, uint8_t *plane) {
  for (size_t j = j0; j < j1; j += 16) {
    const uint8_t *p = rows + j;
    __m128i r0 = _mm_loadu_si128((const __m128i *)(p + 0 * m));
    __m128i r1 = _mm_loadu_si128((const __m128i *)(p + 1 * m));
    __m128i r2 = _mm_loadu_si128((const __m128i *)(p + 2 * m));
    __m128i r3 = _mm_loadu_si128((const __m128i *)(p + 3 * m));
    __m128i r4 = _mm_loadu_si128((const __m128i *)(p + 4 * m));
    __m128i r5 = _mm_loadu_si128((const __m128i *)(p + 5 * m));
    __m128i r6 = _mm_loadu_si128((const __m128i *)(p + 6 * m));
    __m128i r7 = _mm_loadu_si128((const __m128i *)(p + 7 * m));
    __m128i *o = (__m128i *)(plane + 8 * (j - j0));
    /* Rows that are all 0 or all 1 bits (no counts / masked pixels, most of a detector frame)
     * transpose to themselves: skip the shuffle work. */
    __m128i any = _mm_or_si128(_mm_or_si128(_mm_or_si128(r0, r1), _mm_or_si128(r2, r3)),
                               _mm_or_si128(_mm_or_si128(r4, r5), _mm_or_si128(r6, r7)));
    __m128i all = _mm_and_si128(_mm_and_si128(_mm_and_si128(r0, r1), _mm_and_si128(r2, r3)),
                                _mm_and_si128(_mm_and_si128(r4, r5), _mm_and_si128(r6, r7)));
    int any_mask = _mm_movemask_epi8(_mm_cmpeq_epi8(any, _mm_setzero_si128()));
    int all_mask = _mm_movemask_epi8(_mm_cmpeq_epi8(all, _mm_set1_epi8(-1)));
    if (any_mask == 0xFFFF || all_mask == 0xFFFF) {
      for (int q = 0; q < 8; q++) _mm_storeu_si128(o + q, any);
      continue;
    }
    __m128i a0 = _mm_unpacklo_epi8(r0, r1), a1 = _mm_unpackhi_epi8(r0, r1);
    __m128i a2 = _mm_unpacklo_epi8(r2, r3), a3 = _mm_unpackhi_epi8(r2, r3);
    __m128i a4 = _mm_unpacklo_epi8(r4, r5), a5 = _mm_unpackhi_epi8(r4, r5);
    __m128i a6 = _mm_unpacklo_epi8(r6, r7), a7 = _mm_unpackhi_epi8(r6, r7);
    __m128i b0 = _mm_unpacklo_epi16(a0, a2), b1 = _mm_unpackhi_epi16(a0, a2);
    __m128i b2 = _mm_unpacklo_epi16(a1, a3), b3 = _mm_unpackhi_epi16(a1, a3);
    __m128i b4 = _mm_unpacklo_epi16(a4, a6), b5 = _mm_unpackhi_epi16(a4, a6);
    __m128i b6 = _mm_unpacklo_epi16(a5, a7), b7 = _mm_unpackhi_epi16(a5, a7);
    _mm_storeu_si128(o + 0, transpose_lanes(_mm_unpacklo_epi32(b0, b4)));
    _mm_storeu_si128(o + 1, transpose_lanes(_mm_unpackhi_epi32(b0, b4)));
    _mm_storeu_si128(o + 2, transpose_lanes(_mm_unpacklo_epi32(b1, b5)));
    _mm_storeu_si128(o + 3, transpose_lanes(_mm_unpackhi_epi32(b1, b5)));
    _mm_storeu_si128(o + 4, transpose_lanes(_mm_unpacklo_epi32(b2, b6)));
    _mm_storeu_si128(o + 5, transpose_lanes(_mm_unpackhi_epi32(b2, b6)));
    _mm_storeu_si128(o + 6, transpose_lanes(_mm_unpacklo_epi32(b3, b7)));
    _mm_storeu_si128(o + 7, transpose_lanes(_mm_unpackhi_epi32(b3, b7)));
  }
}

static SP_SSE2 void interleave2(const uint8_t *planes, size_t n, uint8_t *out) {
  const uint8_t *p0 = planes, *p1 = planes + n;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i x0 = _mm_loadu_si128((const __m128i *)(p0 + i));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p1 + i));
    _mm_storeu_si128((__m128i *)(out + 2 * i), _mm_unpacklo_epi8(x0, x1));
    _mm_storeu_si128((__m128i *)(out + 2 * i + 16), _mm_unpackhi_epi8(x0, x1));
  }
  sp_byte_interleave_scalar(planes, n, 2, i, out);
}

static SP_SSE2 void interleave4(const uint8_t *planes, size_t n, uint8_t *out) {
  const uint8_t *p0 = planes, *p1 = planes + n, *p2 = planes + 2 * n, *p3 = planes + 3 * n;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i x0 = _mm_loadu_si128((const __m128i *)(p0 + i));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p1 + i));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p2 + i));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p3 + i));
    __m128i lo01 = _mm_unpacklo_epi8(x0, x1), hi01 = _mm_unpackhi_epi8(x0, x1);
    __m128i lo23 = _mm_unpacklo_epi8(x2, x3), hi23 = _mm_unpackhi_epi8(x2, x3);
    __m128i *o = (__m128i *)(out + 4 * i);
    _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(lo01, lo23));
    _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(lo01, lo23));
    _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(hi01, hi23));
    _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(hi01, hi23));
  }
  sp_byte_interleave_scalar(planes, n, 4, i, out);
}

/* Columns per step of the multi-byte path: the planes of 256 elements (at most 1 KB of tmp)
 * are untransposed, then interleaved into the output at once, so the output stores are spread
 * over the whole block instead of coming in one burst after all planes. */
#define STEP_COLUMNS 32

void sp_bitunshuffle_sse2(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
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
void sp_bitunshuffle_sse2(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  (void)tmp;
  sp_bitunshuffle_scalar(in, out, n, elem);
}
#endif
