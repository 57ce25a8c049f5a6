/*
 * Bit (un)shuffle of one bitshuffle block, with scalar, SSE2, AVX2 and AVX-512+GFNI implementations
 * chosen at run time by the CPU level (cpu_level.h). All levels give identical bytes.
 *
 * Layout of a shuffled block of n elements (n % 8 == 0) of E bytes: 8*E bit-rows of n/8 bytes.
 * Row 8*b + k holds bit k of byte b of every element; bit i of byte j of a row belongs to element
 * 8*j + i.
 */
#ifndef SP_BITSHUFFLE_H
#define SP_BITSHUFFLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * in: the shuffled block, n*E bytes; out: n elements; tmp: n*E bytes of scratch (not aliasing
 * in/out). n must be a multiple of 8 and E one of 1, 2, 4.
 */
void sp_bitunshuffle_block(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp);
void sp_bitshuffle_block(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp);

/* Per-level entry points (the dispatcher calls these; tests compare them). */
void sp_bitunshuffle_scalar(const uint8_t *in, uint8_t *out, size_t n, size_t elem);
void sp_bitunshuffle_sse2(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp);
void sp_bitunshuffle_avx2(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp);
void sp_bitunshuffle_avx512(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp);
void sp_bitshuffle_scalar(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp);

/* Scalar building blocks the SIMD versions use for the columns left over after their last vector. */
void sp_bitunshuffle_plane_scalar(const uint8_t *rows, size_t row_stride, size_t j0, size_t j1, uint8_t *plane);
void sp_byte_interleave_scalar(const uint8_t *planes, size_t n, size_t elem, size_t i0, uint8_t *out);

/* Transposes the 8x8 bit matrix held in a 64-bit word (byte r, bit c) -> (byte c, bit r). */
static inline uint64_t sp_transpose8x8(uint64_t x) {
  uint64_t t;
  t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAULL;
  x ^= t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCULL;
  x ^= t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ULL;
  x ^= t ^ (t << 28);
  return x;
}

#endif
