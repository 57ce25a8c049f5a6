/*
 * Greedy LZ4 block compressor: one hash table of recent 4-byte positions, no chains.
 * It serves the simulator and the tests, so it aims for valid output that any LZ4 decoder accepts
 * and for a decent speed on detector frames, not for the best ratio.
 *
 * End-of-block rules of the format, honoured so that strict decoders accept the output:
 * the last 5 bytes are always literals and no match starts in the last 12 bytes.
 */
#include <string.h>

#include "lz4_block.h"

#define MIN_MATCH     4
#define LAST_LITERALS 5
#define MF_LIMIT      12
#define MAX_OFFSET    65535

size_t sp_lz4_block_bound(size_t n) { return n + n / 255 + 16; }

static inline uint32_t read32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static inline uint64_t read64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static inline uint32_t hash4(uint32_t v) { return (v * 2654435761u) >> (32 - SP_LZ4_HASH_LOG); }

/* Length of the common prefix of a and b, not going past limit (b < limit). */
static inline size_t common_length(const uint8_t *a, const uint8_t *b, const uint8_t *limit) {
  const uint8_t *start = b;
  while (b + 8 <= limit) {
    uint64_t x = read64(a) ^ read64(b);
    if (x) return (size_t)(b - start) + (size_t)(__builtin_ctzll(x) >> 3);
    a += 8;
    b += 8;
  }
  while (b < limit && *a == *b) {
    a++;
    b++;
  }
  return (size_t)(b - start);
}

static inline uint8_t *write_length(uint8_t *op, size_t len) {
  while (len >= 255) {
    *op++ = 255;
    len -= 255;
  }
  *op++ = (uint8_t)len;
  return op;
}

static uint8_t *emit_literals_token(uint8_t *op, const uint8_t *lit, size_t lit_len, unsigned match_code) {
  uint8_t *token = op++;
  if (lit_len >= 15) {
    *token = (uint8_t)((15u << 4) | match_code);
    op = write_length(op, lit_len - 15);
  } else {
    *token = (uint8_t)((lit_len << 4) | match_code);
  }
  memcpy(op, lit, lit_len);
  return op + lit_len;
}

static uint8_t *emit_sequence(uint8_t *op, const uint8_t *lit, size_t lit_len, size_t offset, size_t match_len) {
  size_t code = match_len - MIN_MATCH;
  op = emit_literals_token(op, lit, lit_len, code >= 15 ? 15u : (unsigned)code);
  *op++ = (uint8_t)(offset & 0xff);
  *op++ = (uint8_t)(offset >> 8);
  if (code >= 15) op = write_length(op, code - 15);
  return op;
}

size_t sp_lz4_compress_block(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_cap, uint32_t *hash_table) {
  if (dst_cap < sp_lz4_block_bound(n)) return 0;
  uint8_t *op = dst;
  const uint8_t *anchor = src;
  const uint8_t *const iend = src + n;

  if (n > MF_LIMIT) {
    memset(hash_table, 0, SP_LZ4_HASH_TABLE_BYTES);
    const uint8_t *const match_start_limit = iend - MF_LIMIT; /* a match may start at or before it */
    const uint8_t *const match_end_limit = iend - LAST_LITERALS;
    const uint8_t *ip = src + 1;
    hash_table[hash4(read32(src))] = 1; /* positions are stored +1 so 0 means empty */

    while (ip <= match_start_limit) {
      const uint32_t h = hash4(read32(ip));
      const uint32_t cand_pos = hash_table[h];
      hash_table[h] = (uint32_t)(ip - src) + 1;
      if (cand_pos != 0) {
        const uint8_t *cand = src + (cand_pos - 1);
        if ((size_t)(ip - cand) <= MAX_OFFSET && read32(cand) == read32(ip)) {
          /* Extend backwards over literals that also match. */
          while (ip > anchor && cand > src && ip[-1] == cand[-1]) {
            ip--;
            cand--;
          }
          size_t len = MIN_MATCH + common_length(cand + MIN_MATCH, ip + MIN_MATCH, match_end_limit);
          op = emit_sequence(op, anchor, (size_t)(ip - anchor), (size_t)(ip - cand), len);
          ip += len;
          anchor = ip;
          /* Remember a position inside the match so the next repetition is found. */
          if (ip - 2 >= src && ip <= match_start_limit)
            hash_table[hash4(read32(ip - 2))] = (uint32_t)(ip - 2 - src) + 1;
          continue;
        }
      }
      /* Skip faster through data that does not compress. */
      ip += 1 + ((size_t)(ip - anchor) >> 6);
    }
  }
  op = emit_literals_token(op, anchor, (size_t)(iend - anchor), 0);
  return (size_t)(op - dst);
}
