/*
 * LZ4 block decoder.
 *
 * Every length read from the input is checked against both buffer ends before any byte moves.
 * Fast paths copy 16 (or 8) bytes at a time and may overshoot the logical end of a run; they are
 * taken only when the input has that many bytes left and the output has that much room up to
 * dst_cap, so an overshoot never leaves the caller's buffers.
 */
#include <string.h>

#include "cpu_level.h" /* the CPU level picks the copy width */
#include "lz4_block.h"

static inline void copy16(uint8_t *d, const uint8_t *s) { memcpy(d, s, 16); }
static inline void copy8(uint8_t *d, const uint8_t *s) { memcpy(d, s, 8); }

/* Reads an LZ4 length extension (bytes of 255 continue it). Returns 0, or -1 if the input ends. */
static inline int read_extension(const uint8_t **ipp, const uint8_t *iend, size_t *len) {
  const uint8_t *ip = *ipp;
  unsigned b;
  do {
    if (ip >= iend) return -1;
    b = *ip++;
    *len += b;
  } while (b == 255);
  *ipp = ip;
  return 0;
}

#define SP_ALWAYS_INLINE inline __attribute__((always_inline))

/* A 32-byte unaligned vector: one ymm move inside the AVX2 decoder (memcpy of 32 bytes is split
 * into two 16-byte moves under generic tuning). */
typedef uint8_t sp_bytes32 __attribute__((vector_size(32), aligned(1), may_alias));
static SP_ALWAYS_INLINE void copy32(uint8_t *d, const uint8_t *s) { *(sp_bytes32 *)d = *(const sp_bytes32 *)s; }

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* Byte i of entry p is i % p: a pshufb of the first p match bytes gives 32 bytes of the period. */
#define SP_PERIOD_ROW(p)                                                                                          \
  {                                                                                                               \
    0 % p, 1 % p, 2 % p, 3 % p, 4 % p, 5 % p, 6 % p, 7 % p, 8 % p, 9 % p, 10 % p, 11 % p, 12 % p, 13 % p, 14 % p, \
        15 % p, 16 % p, 17 % p, 18 % p, 19 % p, 20 % p, 21 % p, 22 % p, 23 % p, 24 % p, 25 % p, 26 % p, 27 % p,   \
        28 % p, 29 % p, 30 % p, 31 % p                                                                            \
  }
static const uint8_t period_shuffle[16][32] __attribute__((aligned(32))) = {{0},
                                                                            SP_PERIOD_ROW(1),
                                                                            SP_PERIOD_ROW(2),
                                                                            SP_PERIOD_ROW(3),
                                                                            SP_PERIOD_ROW(4),
                                                                            SP_PERIOD_ROW(5),
                                                                            SP_PERIOD_ROW(6),
                                                                            SP_PERIOD_ROW(7),
                                                                            SP_PERIOD_ROW(8),
                                                                            SP_PERIOD_ROW(9),
                                                                            SP_PERIOD_ROW(10),
                                                                            SP_PERIOD_ROW(11),
                                                                            SP_PERIOD_ROW(12),
                                                                            SP_PERIOD_ROW(13),
                                                                            SP_PERIOD_ROW(14),
                                                                            SP_PERIOD_ROW(15)};
/* The largest multiple of the period p that is <= 32: consecutive stores of the same 32-byte
 * pattern advance by this much and stay in phase. */
static const uint8_t period_step[16] = {0, 32, 32, 30, 32, 30, 30, 28, 32, 27, 30, 22, 24, 26, 28, 30};

/*
 * A match with period off < 16: one load of the period, one shuffle, then stores only (no load
 * reads bytes this match just wrote, so nothing waits on store forwarding). Reads m[0..15] and
 * writes up to 32 bytes past len: the caller guarantees that room.
 */
__attribute__((target("avx2"))) static inline void fill_period_avx2(uint8_t *op, const uint8_t *m, size_t off,
                                                                    size_t len) {
  __m256i seed = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)m));
  __m256i v = _mm256_shuffle_epi8(seed, _mm256_load_si256((const __m256i *)period_shuffle[off]));
  const size_t step = period_step[off];
  for (size_t i = 0; i < len; i += step) _mm256_storeu_si256((__m256i *)(op + i), v);
}
#endif

/*
 * Copies a match of `len` bytes starting `off` bytes back. The source may overlap the destination
 * (off < len): the output is then periodic with period off. `room` is the writable space at op.
 * `wide` (16 or 32, a constant after inlining) is the widest copy the caller's target allows.
 */
static SP_ALWAYS_INLINE void copy_match(uint8_t *op, size_t off, size_t len, size_t room, const int wide) {
  const uint8_t *m = op - off;
  if (room >= len + (size_t)wide) {
    if (wide == 32 && off >= 32) {
      for (size_t i = 0; i < len; i += 32) copy32(op + i, m + i);
#if defined(__x86_64__) || defined(__i386__)
    } else if (wide == 32 && off < 16) {
      fill_period_avx2(op, m, off, len);
#endif
    } else if (off >= 16) {
      for (size_t i = 0; i < len; i += 16) copy16(op + i, m + i);
    } else if (off >= 8) {
      for (size_t i = 0; i < len; i += 8) copy8(op + i, m + i);
    } else {
      /* Period below 8: write one 8-byte pattern, then copy from distances that are multiples of
       * the period and at least the copy width, so no copy overlaps its own source. */
      static const uint8_t dist8[8] = {0, 8, 8, 9, 8, 10, 12, 14};
      static const uint8_t dist16[8] = {0, 16, 16, 18, 16, 20, 18, 21};
      static const uint8_t dist32[8] = {0, 32, 32, 33, 32, 35, 36, 35};
      uint8_t pat[8];
      size_t i = 0;
      for (; i < off; i++) pat[i] = m[i];
      for (; i < 8; i++) pat[i] = pat[i - off];
      memcpy(op, pat, 8);
      copy8(op + 8, op + 8 - dist8[off]);
      if (wide == 32) {
        copy16(op + 16, op + 16 - dist16[off]);
        for (i = 32; i < len; i += 32) copy32(op + i, op + i - dist32[off]);
      } else {
        for (i = 16; i < len; i += 16) copy16(op + i, op + i - dist16[off]);
      }
    }
    return;
  }
  if (off == 1) {
    memset(op, *m, len);
    return;
  }
  /* Near the end of the buffer: copy whole periods; each copy doubles the periodic stretch
   * behind op, so the distance can double too while the copies stay non-overlapping. */
  size_t d = off;
  while (len > 0) {
    size_t n = len < d ? len : d;
    memcpy(op, op - d, n);
    op += n;
    len -= n;
    d += d;
  }
}

static SP_ALWAYS_INLINE sp_status decode_block(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                                               size_t dst_cap, size_t *out_len, sp_codec_error *err, const int wide) {
  const uint8_t *ip = src;
  const uint8_t *const iend = src + src_len;
  uint8_t *op = dst;
  uint8_t *const oend = dst + dst_len;
  uint8_t *const ocap = dst + (dst_cap > dst_len ? dst_cap : dst_len);

  *out_len = 0;
  if (src_len == 0) return sp_fail(err, SP_ERR_TRUNCATED, "empty LZ4 block (a block holds at least one token)");

  for (;;) {
    const size_t token_pos = (size_t)(ip - src);
    const unsigned token = *ip++;

    size_t lit = token >> 4;
    if (lit == 15 && read_extension(&ip, iend, &lit) != 0)
      return sp_fail(err, SP_ERR_TRUNCATED,
                     "LZ4 literal length at input offset %zu is cut off by the end of the %zu-byte input", token_pos,
                     src_len);
    if (lit > (size_t)(iend - ip))
      return sp_fail(err, SP_ERR_TRUNCATED,
                     "LZ4 literal run of %zu bytes at input offset %zu runs past the end of the %zu-byte input", lit,
                     (size_t)(ip - src), src_len);
    if (lit > (size_t)(oend - op))
      return sp_fail(err, SP_ERR_LZ4_CORRUPT,
                     "LZ4 literal run of %zu bytes at output offset %zu runs past the end of the %zu-byte output", lit,
                     (size_t)(op - dst), dst_len);
    if (lit <= 32 && (size_t)(iend - ip) >= 32 && (size_t)(ocap - op) >= 32) {
      if (wide == 32) {
        copy32(op, ip);
      } else {
        copy16(op, ip);
        copy16(op + 16, ip + 16);
      }
    } else {
      memcpy(op, ip, lit);
    }
    op += lit;
    ip += lit;

    if (ip == iend) break; /* the last sequence has literals only */

    if ((size_t)(iend - ip) < 2)
      return sp_fail(err, SP_ERR_TRUNCATED,
                     "LZ4 match offset at input offset %zu is cut off by the end of the %zu-byte input",
                     (size_t)(ip - src), src_len);
    const size_t off = (size_t)ip[0] | ((size_t)ip[1] << 8);
    ip += 2;
    if (off == 0)
      return sp_fail(err, SP_ERR_LZ4_CORRUPT, "LZ4 match offset 0 at input offset %zu", (size_t)(ip - src) - 2);
    if (off > (size_t)(op - dst))
      return sp_fail(err, SP_ERR_LZ4_CORRUPT,
                     "LZ4 match offset %zu at output offset %zu reaches before the start of the output", off,
                     (size_t)(op - dst));

    size_t len = token & 15;
    if (len == 15 && read_extension(&ip, iend, &len) != 0)
      return sp_fail(err, SP_ERR_TRUNCATED,
                     "LZ4 match length at input offset %zu is cut off by the end of the %zu-byte input", token_pos,
                     src_len);
    len += 4;
    if (len > (size_t)(oend - op))
      return sp_fail(err, SP_ERR_LZ4_CORRUPT,
                     "LZ4 match of %zu bytes at output offset %zu runs past the end of the %zu-byte output", len,
                     (size_t)(op - dst), dst_len);
    copy_match(op, off, len, (size_t)(ocap - op), wide);
    op += len;

    /* The format wants a final literal-only sequence; a block ending on a match is accepted
     * because every byte of it was still checked. */
    if (ip == iend) break;
  }
  *out_len = (size_t)(op - dst);
  return SP_OK;
}

static sp_status decode_block_generic(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, size_t dst_cap,
                                      size_t *out_len, sp_codec_error *err) {
  return decode_block(src, src_len, dst, dst_len, dst_cap, out_len, err, 16);
}

#if defined(__x86_64__) || defined(__i386__)
/* The same decoder compiled for AVX2, so its copies move 32 bytes at a time. */
__attribute__((target("avx2"))) static sp_status decode_block_avx2(const uint8_t *src, size_t src_len, uint8_t *dst,
                                                                   size_t dst_len, size_t dst_cap, size_t *out_len,
                                                                   sp_codec_error *err) {
  return decode_block(src, src_len, dst, dst_len, dst_cap, out_len, err, 32);
}
#endif

sp_status sp_lz4_decode_block(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, size_t dst_cap,
                              size_t *out_len, sp_codec_error *err) {
#if defined(__x86_64__) || defined(__i386__)
  if (sp_cpu_current() >= SP_CPU_AVX2) return decode_block_avx2(src, src_len, dst, dst_len, dst_cap, out_len, err);
#endif
  return decode_block_generic(src, src_len, dst, dst_len, dst_cap, out_len, err);
}
