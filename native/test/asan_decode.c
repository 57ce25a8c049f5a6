/*
 * Sanitizer harness for the frame codec (built by native/fuzz/build.sh with ASan + UBSan):
 * fixed hostile inputs with their expected error, every truncation and many byte flips of valid
 * frames, round trips through the encoders at every CPU level, and the bit unshuffle checked
 * against a bit-by-bit definition of the format. Exits non-zero on the first failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitshuffle.h"
#include "cpu_level.h"
#include "frame_codec.h"
#include "harness.h"
#include "lz4_block.h"

static sp_scratch scratch;

typedef struct {
  uint8_t *data;
  size_t len, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 16;
    b->data = realloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static void put_be32(bytes *b, uint32_t v) {
  uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  put(b, p, 4);
}
static void put_header(bytes *b, uint64_t total, uint32_t block) {
  uint8_t p[8];
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(total >> (56 - 8 * i));
  put(b, p, 8);
  put_be32(b, block);
}

/* Decodes into an exactly-sized heap buffer (so ASan sees overruns); returns status and message. */
static sp_status decode(const uint8_t *src, size_t len, int codec, int elem, size_t dst_len, uint8_t **out,
                        sp_codec_error *err) {
  /* Copy the input to its own exact allocation so over-reads are caught too. */
  uint8_t *in = malloc(len ? len : 1);
  memcpy(in, src, len);
  uint8_t *dst = malloc(dst_len ? dst_len : 1);
  err->message[0] = '\0';
  sp_status s = sp_decode_frame(in, len, codec, elem, dst, dst_len, &scratch, err);
  free(in);
  if (out && s == SP_OK)
    *out = dst;
  else
    free(dst);
  return s;
}

static void expect_error(const char *name, const bytes *b, int codec, int elem, size_t dst_len, sp_status want,
                         const char *substring) {
  sp_codec_error err;
  sp_status s = decode(b->data, b->len, codec, elem, dst_len, NULL, &err);
  CHECK(s == want, "%s: got %s (%s), want %s", name, sp_status_code(s), s ? err.message : "", sp_status_code(want));
  if (s == want && substring)
    CHECK(strstr(err.message, substring) != NULL, "%s: message \"%s\" lacks \"%s\"", name, err.message, substring);
  if (s == want) printf("ok   %-44s %s: %s\n", name, sp_status_code(s), err.message);
}

/* A bslz4 frame whose single block holds the given LZ4 bytes; 64 bytes, elem 1, block 64. */
static bytes bslz4_with_block(const uint8_t *lz4, size_t lz4_len) {
  bytes b = {0};
  put_header(&b, 64, 64);
  put_be32(&b, (uint32_t)lz4_len);
  put(&b, lz4, lz4_len);
  return b;
}

static void hostile_cases(void) {
  bytes b = {0};
  put(&b, "\0\0\0\0\0", 5);
  expect_error("bslz4 header cut off", &b, SP_CODEC_BSLZ4, 2, 64, SP_ERR_TRUNCATED, "need 12 bytes");
  b.len = 0;
  put_header(&b, 100000000000ULL, 8192);
  expect_error("bslz4 header claims 100 GB", &b, SP_CODEC_BSLZ4, 2, 64, SP_ERR_BAD_HEADER, "100000000000");
  b.len = 0;
  put_header(&b, 128, 8192);
  expect_error("bslz4 total != expected size", &b, SP_CODEC_BSLZ4, 2, 64, SP_ERR_SIZE_MISMATCH, "128");
  b.len = 0;
  put_header(&b, 64, 0);
  expect_error("bslz4 block size 0", &b, SP_CODEC_BSLZ4, 2, 64, SP_ERR_BAD_HEADER, "block size is 0");
  b.len = 0;
  put_header(&b, 64, 100);
  expect_error("bslz4 block not multiple of 8 elems", &b, SP_CODEC_BSLZ4, 2, 64, SP_ERR_BAD_HEADER, "multiple");
  b.len = 0;
  put_header(&b, 64, 0x80000000u);
  expect_error("bslz4 block absurdly large", &b, SP_CODEC_BSLZ4, 2, 64, SP_ERR_BAD_HEADER, "exceeds");
  b.len = 0;
  put_header(&b, 63, 64);
  expect_error("bslz4 total not whole elements", &b, SP_CODEC_BSLZ4, 2, 62, SP_ERR_BAD_HEADER, "whole number");
  b.len = 0;
  put_header(&b, 64, 64);
  put_be32(&b, 9000);
  put(&b, "0123456789", 10);
  expect_error("bslz4 compressed length > remaining", &b, SP_CODEC_BSLZ4, 1, 64, SP_ERR_TRUNCATED,
               "block 0: compressed length 9000 exceeds remaining 10 bytes");
  b.len = 0;
  put_header(&b, 64, 64);
  put(&b, "\0\0", 2);
  expect_error("bslz4 length prefix cut off", &b, SP_CODEC_BSLZ4, 1, 64, SP_ERR_TRUNCATED, "length prefix");
  free(b.data);

  /* LZ4 streams inside a 64-byte block. */
  const uint8_t off0[] = {0x10, 'a', 0x00, 0x00, 0x00};
  bytes f = bslz4_with_block(off0, sizeof off0);
  expect_error("lz4 match offset 0", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_LZ4_CORRUPT, "offset 0");
  free(f.data);
  const uint8_t before[] = {0x10, 'a', 0x05, 0x00, 0x00};
  f = bslz4_with_block(before, sizeof before);
  expect_error("lz4 offset before output start", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_LZ4_CORRUPT, "before the start");
  free(f.data);
  const uint8_t lit_past_input[] = {0x50, 'a', 'b'};
  f = bslz4_with_block(lit_past_input, sizeof lit_past_input);
  expect_error("lz4 literal run past input end", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_TRUNCATED, "past the end of the");
  free(f.data);
  uint8_t lit_past_output[82] = {0xF0, 80 - 15}; /* 80 literals present, 64 allowed */
  f = bslz4_with_block(lit_past_output, sizeof lit_past_output);
  expect_error("lz4 literal run past output end", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_LZ4_CORRUPT, "64-byte output");
  free(f.data);
  const uint8_t match_past_output[] = {0x1F, 'a', 0x01, 0x00, 200, 0x00};
  f = bslz4_with_block(match_past_output, sizeof match_past_output);
  expect_error("lz4 match past output end", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_LZ4_CORRUPT, "match of");
  free(f.data);
  const uint8_t ext_cut[] = {0xF0, 255, 255};
  f = bslz4_with_block(ext_cut, sizeof ext_cut);
  expect_error("lz4 length extension cut off", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_TRUNCATED, "cut off");
  free(f.data);
  const uint8_t short_out[] = {0x30, 'a', 'b', 'c'};
  f = bslz4_with_block(short_out, sizeof short_out);
  expect_error("lz4 block decodes short", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_LZ4_CORRUPT,
               "decoded 3 bytes, expected 64");
  free(f.data);
  const uint8_t offset_cut[] = {0x10, 'a', 0x01};
  f = bslz4_with_block(offset_cut, sizeof offset_cut);
  expect_error("lz4 offset cut off", &f, SP_CODEC_BSLZ4, 1, 64, SP_ERR_TRUNCATED, "offset");
  free(f.data);

  /* Bare LZ4 block (codec 1). */
  bytes l = {0};
  put(&l, short_out, sizeof short_out);
  expect_error("lz4-block decodes to fewer bytes", &l, SP_CODEC_LZ4_BLOCK, 1, 64, SP_ERR_SIZE_MISMATCH, "3 bytes");
  l.len = 0;
  expect_error("lz4-block empty input", &l, SP_CODEC_LZ4_BLOCK, 1, 64, SP_ERR_TRUNCATED, "empty");
  free(l.data);

  /* Framed LZ4 (codec 2): a stored (raw) block, then a truncated one. */
  bytes r = {0};
  put_header(&r, 8, 4);
  put_be32(&r, 4);
  put(&r, "abcd", 4);
  put_be32(&r, 4);
  put(&r, "ef", 2);
  expect_error("lz4 framed block cut off", &r, SP_CODEC_LZ4_FRAMED, 1, 8, SP_ERR_TRUNCATED, "lz4 block 1");
  r.len = 0;
  put_header(&r, 8, 1u << 31);
  expect_error("lz4 framed block absurd", &r, SP_CODEC_LZ4_FRAMED, 1, 8, SP_ERR_BAD_HEADER, "exceeds");
  free(r.data);

  /* Raw (codec 0) and argument errors. */
  bytes raw = {0};
  put(&raw, "abcdefgh", 8);
  expect_error("raw size mismatch", &raw, SP_CODEC_RAW, 1, 16, SP_ERR_SIZE_MISMATCH, "8 bytes");
  expect_error("unknown codec", &raw, 7, 1, 8, SP_ERR_INVALID_ARG, "unknown codec");
  expect_error("bad element size", &raw, SP_CODEC_RAW, 3, 8, SP_ERR_INVALID_ARG, "element size");
  free(raw.data);
}

static void fill_detector_like(uint8_t *p, size_t n, int elem, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    uint32_t v = (x % 50 == 0) ? 0xFFFFFFFFu : (x % 3 == 0 ? (x >> 12) % 40 : (x % 7 == 0 ? x : 0));
    for (int b = 0; b < elem; b++) p[i * (size_t)elem + (size_t)b] = (uint8_t)(v >> (8 * b));
  }
}

/* The format's definition, bit by bit: row 8*b+k, byte j, bit i <-> element 8j+i, byte b, bit k. */
static void naive_unshuffle(const uint8_t *in, uint8_t *out, size_t n, size_t elem) {
  memset(out, 0, n * elem);
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < elem; b++)
      for (size_t k = 0; k < 8; k++) {
        size_t row = 8 * b + k;
        unsigned bit = (in[row * (n / 8) + i / 8] >> (i % 8)) & 1u;
        out[i * elem + b] |= (uint8_t)(bit << k);
      }
}

static void unshuffle_matches_definition(void) {
  static const size_t counts[] = {8, 16, 24, 128, 200, 256, 264, 504, 512, 520, 1000, 1024, 4096};
  /* Pattern 0 feeds detector-like pixels as if they were shuffled rows (busy bits everywhere);
   * pattern 1 feeds the real shuffle of such pixels, whose upper planes are all-zero or all-one
   * row groups (the fast paths that skip the transposition). */
  for (int pattern = 0; pattern < 2; pattern++)
    for (size_t e = 1; e <= 4; e *= 2)
      for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        size_t n = counts[c], bytes_ = n * e;
        uint8_t *in = malloc(bytes_), *want = malloc(bytes_), *got = malloc(bytes_), *tmp = malloc(bytes_);
        fill_detector_like(pattern ? got : in, n, (int)e, (uint32_t)(n + e));
        if (pattern) sp_bitshuffle_scalar(got, in, n, e, tmp);
        naive_unshuffle(in, want, n, e);
        sp_bitunshuffle_scalar(in, got, n, e);
        CHECK(memcmp(got, want, bytes_) == 0, "scalar unshuffle n=%zu e=%zu differs from the definition", n, e);
        sp_bitunshuffle_sse2(in, got, n, e, tmp);
        CHECK(memcmp(got, want, bytes_) == 0, "sse2 unshuffle n=%zu e=%zu differs from the definition", n, e);
        if (sp_cpu_best() >= SP_CPU_AVX2) {
          sp_bitunshuffle_avx2(in, got, n, e, tmp);
          CHECK(memcmp(got, want, bytes_) == 0, "avx2 unshuffle n=%zu e=%zu differs from the definition", n, e);
        }
        if (sp_cpu_best() >= SP_CPU_AVX512_GFNI) {
          memset(got, 0xA5, bytes_);
          sp_bitunshuffle_avx512(in, got, n, e, tmp);
          CHECK(memcmp(got, want, bytes_) == 0, "avx512gfni unshuffle n=%zu e=%zu differs from the definition", n, e);
        }
        /* Shuffling the definition's output must give the input back. */
        sp_bitshuffle_scalar(want, got, n, e, tmp);
        CHECK(memcmp(got, in, bytes_) == 0, "shuffle n=%zu e=%zu does not invert the unshuffle", n, e);
        free(in), free(want), free(got), free(tmp);
      }
}

/* Encodes, decodes at every CPU level, checks equality; then truncates and flips bytes. */
static void round_trip(size_t n, int elem, uint32_t block_elems, int hostile) {
  const size_t nbytes = n * (size_t)elem;
  const uint32_t block = block_elems * (uint32_t)elem;
  uint8_t *px = malloc(nbytes + 1);
  fill_detector_like(px, n, elem, (uint32_t)(n * 31 + (size_t)elem));
  sp_codec_error err;
  for (int codec = SP_CODEC_RAW; codec <= SP_CODEC_BSLZ4; codec++) {
    size_t cap = codec == SP_CODEC_BSLZ4        ? sp_bslz4_max_size(nbytes, elem, block)
                 : codec == SP_CODEC_LZ4_FRAMED ? sp_lz4_framed_max_size(nbytes, block)
                                                : sp_lz4_block_bound(nbytes);
    uint8_t *enc = malloc(cap);
    size_t len = 0;
    sp_status s = SP_OK;
    if (codec == SP_CODEC_RAW) {
      memcpy(enc, px, nbytes);
      len = nbytes;
    } else if (codec == SP_CODEC_LZ4_BLOCK) {
      s = sp_encode_lz4_block(px, nbytes, enc, cap, &scratch, &len, &err);
    } else if (codec == SP_CODEC_LZ4_FRAMED) {
      s = sp_encode_lz4_framed(px, nbytes, block, enc, cap, &scratch, &len, &err);
    } else {
      s = sp_encode_bslz4(px, nbytes, elem, block, enc, cap, &scratch, &len, &err);
    }
    CHECK(s == SP_OK, "encode codec %d n=%zu failed: %s", codec, n, err.message);
    for (int level = 0; level <= (int)sp_cpu_best(); level++) {
      sp_cpu_force((sp_cpu_level)level);
      uint8_t *out = NULL;
      s = decode(enc, len, codec, elem, nbytes, &out, &err);
      CHECK(s == SP_OK && memcmp(out, px, nbytes) == 0, "round trip codec %d n=%zu elem=%d block=%u level=%d: %s",
            codec, n, elem, block, level, s ? err.message : "data differs");
      free(out);
    }
    sp_cpu_force(sp_cpu_best());
    if (hostile && codec != SP_CODEC_RAW) {
      /* Every truncation fails cleanly (the bare block can end early at a sequence boundary,
       * which shows as a size mismatch: still an error). */
      for (size_t cut = 0; cut < len; cut++) {
        s = decode(enc, cut, codec, elem, nbytes, NULL, &err);
        CHECK(s != SP_OK || nbytes == 0, "codec %d truncated to %zu of %zu bytes decoded without error", codec, cut,
              len);
      }
      /* Trailing garbage is refused for the framed codecs. */
      if (codec != SP_CODEC_LZ4_BLOCK) {
        uint8_t *longer = malloc(len + 3);
        memcpy(longer, enc, len);
        memcpy(longer + len, "xyz", 3);
        s = decode(longer, len + 3, codec, elem, nbytes, NULL, &err);
        CHECK(s == SP_ERR_TRAILING_DATA, "codec %d with trailing bytes: %s", codec, sp_status_code(s));
        free(longer);
      }
      /* Flipped bytes: any outcome but a memory error (ASan would abort). */
      for (size_t i = 0; i < len; i += 1 + len / 300) {
        for (int bit = 0; bit < 8; bit += 3) {
          enc[i] ^= (uint8_t)(1u << bit);
          uint8_t *out = NULL;
          if (decode(enc, len, codec, elem, nbytes, &out, &err) == SP_OK) free(out);
          enc[i] ^= (uint8_t)(1u << bit);
        }
      }
    }
    free(enc);
  }
  free(px);
}

static void round_trips(void) {
  static const size_t counts[] = {0, 1, 7, 8, 9, 63, 64, 100, 1023, 4096, 4101, 10007};
  static const uint32_t blocks[] = {8, 64, 2048, 4096};
  for (int elem = 1; elem <= 4; elem *= 2)
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
      for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
        round_trip(counts[c], elem, blocks[b] / (uint32_t)elem < 8 ? 8 : blocks[b] / (uint32_t)elem,
                   counts[c] <= 1023 && b == 1);
}

int main(void) {
  printf("SIMD best: %s\n", sp_cpu_name(sp_cpu_best()));
  hostile_cases();
  unshuffle_matches_definition();
  round_trips();
  sp_scratch_free(&scratch);
  return harness_summary();
}
