/*
 * AVX-512 + GFNI bit unshuffle: 32 columns (256 elements) of a block per step, straight into the
 * output in address order (no plane buffer, no second pass).
 *
 * Per byte plane b, each of the plane's 8 bit-rows gives 32 bytes (one per column). A vpermb
 * places them so that three rounds of byte/word/dword unpacks leave, in every 64-bit lane, one
 * column's 8 row bytes (row 7 first). One gf2p8affineqb per register then transposes every lane's
 * 8x8 bit matrix, giving 8 consecutive elements' byte b. Byte/word unpacks across the planes and a
 * 4x4 transposition of 128-bit lanes put the element bytes in memory order.
 *
 * The placement is chosen per element size so that each 4x4 lane transposition yields 256
 * consecutive output bytes and the steps' stores run through the output in order: stores that
 * jump about within a block were measured to cost far more once the output no longer fits in
 * cache than the transposition itself.
 *
 * Tried and dropped: when only the low plane has bits set, widening it with one masked vpermb per
 * store does less work but issues the step's stores in one burst and measured slower.
 *
 * Requires AVX-512 F, BW, VBMI and GFNI (the dispatcher checks all four).
 */
#include <string.h>

#include "bitshuffle.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define SP_GFNI   __attribute__((target("avx512f,avx512bw,avx512vbmi,gfni")))
#define SP_INLINE inline __attribute__((always_inline))

#define STEP_COLUMNS 32

/* Byte t of every lane = 1 << t: against a lane read as a bit matrix, gf2p8affineqb returns its
 * transpose with the byte order reversed, which loading the rows in reverse order undoes. */
#define TRANSPOSE_SELECTOR 0x8040201008040201LL

/*
 * vpermb indices per element size: byte q < 8 of 128-bit lane L takes column
 * place(q = 4y + 2z + u, L) of the step. After the unpacks, transposed register i = 2y + z holds
 * in lane L the two columns place(2i, L) and place(2i + 1, L):
 *   E=4: 16y + 8z + 2L + u  -> register i, lane L = columns 8i + 2L + {0,1}: 64 bytes at 256i + 64L
 *   E=2: 16y + 4L + 2z + u  -> registers 2y, 2y+1 lane L = columns 16y + 4L + 0..3: 64 bytes at 256y + 64L
 *   E=1: 8L + 4y + 2z + u   -> registers 0..3 lane L = columns 8L + 0..7: 64 bytes at 64L
 * Bytes 8..15 of each lane are never read by the low unpacks.
 * (Rows per element size below: lanes L = 0..3, 16 indices each.)
 */
/* clang-format off: one row per lane */
static const uint8_t place_index[3][64] __attribute__((aligned(64))) = {
    /* E=1 */ {
        0,  1,  2,  3,  4,  5,  6,  7,  0, 0, 0, 0, 0, 0, 0, 0, 8,  9,  10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
        16, 17, 18, 19, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0, 24, 25, 26, 27, 28, 29, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0,
    },
    /* E=2 */
    {
        0, 1, 2,  3,  16, 17, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0, 4,  5,  6,  7,  20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0,
        8, 9, 10, 11, 24, 25, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0, 12, 13, 14, 15, 28, 29, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0,
    },
    /* E=4 */
    {
        0, 1, 8,  9,  16, 17, 24, 25, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 10, 11, 18, 19, 26, 27, 0, 0, 0, 0, 0, 0, 0, 0,
        4, 5, 12, 13, 20, 21, 28, 29, 0, 0, 0, 0, 0, 0, 0, 0, 6, 7, 14, 15, 22, 23, 30, 31, 0, 0, 0, 0, 0, 0, 0, 0,
    },
};
/* clang-format on */

/* Loads 32 columns of a row (only the columns in `mask`, zero elsewhere when partial). The upper
 * 32 bytes of a full load are undefined: the zero test looks at qwords 0-3 only and every vpermb
 * index is below 32. */
static SP_INLINE SP_GFNI __m512i load_row(const uint8_t *p, __mmask64 mask, int partial) {
  if (partial) return _mm512_maskz_loadu_epi8(mask, p);
  return _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p));
}

/*
 * The 8 bit-rows of one plane -> g[0..3], register i holding columns as in place_index.
 * An all-zero plane step transposes to zero and skips the work.
 */
static SP_INLINE SP_GFNI void plane_step(const uint8_t *rows, size_t m, __mmask64 mask, int partial, __m512i idx,
                                         __m512i g[4]) {
  __m512i r[8];
  for (int k = 0; k < 8; k++) r[k] = load_row(rows + (size_t)(7 - k) * m, mask, partial);
  const __m512i any = _mm512_or_si512(_mm512_or_si512(_mm512_or_si512(r[0], r[1]), _mm512_or_si512(r[2], r[3])),
                                      _mm512_or_si512(_mm512_or_si512(r[4], r[5]), _mm512_or_si512(r[6], r[7])));
  if ((_mm512_test_epi64_mask(any, any) & 0x0F) == 0) {
    for (int i = 0; i < 4; i++) g[i] = _mm512_setzero_si512();
    return;
  }
  for (int k = 0; k < 8; k++) r[k] = _mm512_permutexvar_epi8(idx, r[k]);
  __m512i a[4];
  for (int p = 0; p < 4; p++) a[p] = _mm512_unpacklo_epi8(r[2 * p], r[2 * p + 1]);
  const __m512i lo03 = _mm512_unpacklo_epi16(a[0], a[1]), hi03 = _mm512_unpackhi_epi16(a[0], a[1]);
  const __m512i lo47 = _mm512_unpacklo_epi16(a[2], a[3]), hi47 = _mm512_unpackhi_epi16(a[2], a[3]);
  const __m512i sel = _mm512_set1_epi64(TRANSPOSE_SELECTOR);
  g[0] = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpacklo_epi32(lo03, lo47), 0);
  g[1] = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpackhi_epi32(lo03, lo47), 0);
  g[2] = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpacklo_epi32(hi03, hi47), 0);
  g[3] = _mm512_gf2p8affine_epi64_epi8(sel, _mm512_unpackhi_epi32(hi03, hi47), 0);
}

/* Stores [w0.L w1.L w2.L w3.L] at out + 64 L for each 128-bit lane L: 256 consecutive bytes. */
static SP_INLINE SP_GFNI void store_lanes_transposed(uint8_t *out, __m512i w0, __m512i w1, __m512i w2, __m512i w3) {
  const __m512i t0 = _mm512_shuffle_i64x2(w0, w1, 0x44), t1 = _mm512_shuffle_i64x2(w0, w1, 0xEE);
  const __m512i t2 = _mm512_shuffle_i64x2(w2, w3, 0x44), t3 = _mm512_shuffle_i64x2(w2, w3, 0xEE);
  _mm512_storeu_si512(out, _mm512_shuffle_i64x2(t0, t2, 0x88));
  _mm512_storeu_si512(out + 64, _mm512_shuffle_i64x2(t0, t2, 0xDD));
  _mm512_storeu_si512(out + 128, _mm512_shuffle_i64x2(t1, t3, 0x88));
  _mm512_storeu_si512(out + 192, _mm512_shuffle_i64x2(t1, t3, 0xDD));
}

/* One step: 32 columns of `in` (row stride m) -> 32 * 8 * elem bytes at out. */
static SP_INLINE SP_GFNI void unshuffle_step(const uint8_t *in, size_t m, __mmask64 mask, int partial, __m512i idx,
                                             const size_t elem, uint8_t *out) {
  __m512i g[4][4]; /* [plane][register] */
  for (size_t b = 0; b < elem; b++) plane_step(in + 8 * b * m, m, mask, partial, idx, g[b]);
  if (elem == 1) {
    store_lanes_transposed(out, g[0][0], g[0][1], g[0][2], g[0][3]);
  } else if (elem == 2) {
    for (int i = 0; i < 4; i += 2)
      store_lanes_transposed(out + 128 * i, _mm512_unpacklo_epi8(g[0][i], g[1][i]),
                             _mm512_unpackhi_epi8(g[0][i], g[1][i]), _mm512_unpacklo_epi8(g[0][i + 1], g[1][i + 1]),
                             _mm512_unpackhi_epi8(g[0][i + 1], g[1][i + 1]));
  } else {
    for (int i = 0; i < 4; i++) {
      const __m512i lo01 = _mm512_unpacklo_epi8(g[0][i], g[1][i]), hi01 = _mm512_unpackhi_epi8(g[0][i], g[1][i]);
      const __m512i lo23 = _mm512_unpacklo_epi8(g[2][i], g[3][i]), hi23 = _mm512_unpackhi_epi8(g[2][i], g[3][i]);
      store_lanes_transposed(out + 256 * i, _mm512_unpacklo_epi16(lo01, lo23), _mm512_unpackhi_epi16(lo01, lo23),
                             _mm512_unpacklo_epi16(hi01, hi23), _mm512_unpackhi_epi16(hi01, hi23));
    }
  }
}

/* The whole block for one element size (a constant, so each size gets its own unrolled code). */
static SP_INLINE SP_GFNI void unshuffle_block(const uint8_t *in, uint8_t *out, size_t n, const size_t elem,
                                              const uint8_t *index) {
  const __m512i idx = _mm512_load_si512(index);
  const size_t m = n / 8;
  const size_t col_bytes = 8 * elem;
  size_t j = 0;
  for (; j + STEP_COLUMNS <= m; j += STEP_COLUMNS) unshuffle_step(in + j, m, 0, 0, idx, elem, out + j * col_bytes);
  if (j < m) {
    /* The last columns: masked loads read only the block, a local buffer takes the full step. */
    uint8_t last[STEP_COLUMNS * 8 * 4] __attribute__((aligned(64)));
    const __mmask64 mask = ((__mmask64)1 << (m - j)) - 1;
    unshuffle_step(in + j, m, mask, 1, idx, elem, last);
    memcpy(out + j * col_bytes, last, (m - j) * col_bytes);
  }
}

static SP_GFNI void unshuffle_e1(const uint8_t *in, uint8_t *out, size_t n) {
  unshuffle_block(in, out, n, 1, place_index[0]);
}
static SP_GFNI void unshuffle_e2(const uint8_t *in, uint8_t *out, size_t n) {
  unshuffle_block(in, out, n, 2, place_index[1]);
}
static SP_GFNI void unshuffle_e4(const uint8_t *in, uint8_t *out, size_t n) {
  unshuffle_block(in, out, n, 4, place_index[2]);
}

void sp_bitunshuffle_avx512(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  (void)tmp;
  if (elem == 1)
    unshuffle_e1(in, out, n);
  else if (elem == 2)
    unshuffle_e2(in, out, n);
  else
    unshuffle_e4(in, out, n);
}

#else
void sp_bitunshuffle_avx512(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  (void)tmp;
  sp_bitunshuffle_scalar(in, out, n, elem);
}
#endif
