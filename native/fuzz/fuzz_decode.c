/*
 * libFuzzer target for the frame decoders (native/src/frame_decode.c and what it uses).
 *
 * Every input is decoded with every codec and element size, into heap buffers of exactly the
 * expected size, so AddressSanitizer catches any read or write outside them:
 *   - framed codecs: the size the header claims (when small enough) and a few other sizes;
 *   - bare LZ4 block: a few guessed sizes;
 *   - raw: the input size.
 * Successful bslz4 decodes are repeated at every CPU level and must agree byte for byte.
 * The input is also encoded with each encoder and must decode back to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitshuffle.h"
#include "cpu_level.h"
#include "frame_codec.h"

/* Keep single allocations small so a header claiming gigabytes does not exhaust memory. */
#define MAX_DST_BYTES ((size_t)1 << 22)

static sp_scratch scratch;

static void die(const char *what) {
  fprintf(stderr, "fuzz_decode: %s\n", what);
  abort();
}

/* Decodes into an exactly-sized buffer; returns the buffer on success (caller frees), else NULL. */
static uint8_t *decode_exact(const uint8_t *data, size_t size, int codec, int elem, size_t dst_len) {
  uint8_t *dst = malloc(dst_len ? dst_len : 1);
  if (!dst) return NULL;
  sp_codec_error err;
  err.status = SP_OK;
  sp_status s = sp_decode_frame(data, size, codec, elem, dst, dst_len, &scratch, &err);
  if (s != SP_OK) {
    if (err.status != s || err.message[0] == '\0') die("error without a message");
    free(dst);
    return NULL;
  }
  return dst;
}

static void check_cpu_levels(const uint8_t *data, size_t size, int elem, const uint8_t *expect, size_t len) {
  sp_cpu_level best = sp_cpu_best();
  for (int level = SP_CPU_SCALAR; level <= (int)best; level++) {
    sp_cpu_force((sp_cpu_level)level);
    uint8_t *again = decode_exact(data, size, SP_CODEC_BSLZ4, elem, len);
    if (!again) die("decode failed at another CPU level");
    if (memcmp(again, expect, len) != 0) die("CPU levels disagree");
    free(again);
  }
  sp_cpu_force(best);
}

static void fuzz_decoders(const uint8_t *data, size_t size) {
  static const int elems[] = {1, 2, 4};
  for (int codec = SP_CODEC_RAW; codec <= SP_CODEC_BSLZ4; codec++) {
    for (size_t e = 0; e < 3; e++) {
      const int elem = elems[e];
      size_t sizes[5];
      size_t count = 0;
      int64_t claimed = -1;
      sp_codec_error err;
      if (sp_decoded_size(data, size, codec, elem, &claimed, &err) == SP_OK && claimed >= 0 &&
          (uint64_t)claimed <= MAX_DST_BYTES)
        sizes[count++] = (size_t)claimed;
      if (codec == SP_CODEC_RAW) sizes[count++] = size;
      sizes[count++] = 0;
      sizes[count++] = (size_t)elem * 40;
      sizes[count++] = size * 4 < MAX_DST_BYTES ? (size * 4) / (size_t)elem * (size_t)elem : MAX_DST_BYTES;
      for (size_t k = 0; k < count; k++) {
        uint8_t *out = decode_exact(data, size, codec, elem, sizes[k]);
        if (!out) continue;
        if (codec == SP_CODEC_BSLZ4) check_cpu_levels(data, size, elem, out, sizes[k]);
        free(out);
      }
    }
  }
}

/* Encodes the input as pixels with each encoder and checks it decodes back to itself. */
static void fuzz_round_trip(const uint8_t *data, size_t size) {
  if (size < 1) return;
  const int elem = 1 << (data[0] % 3);
  const uint32_t block = (uint32_t)(8 * elem) * (1u + data[size - 1] % 64u);
  const size_t n = size / (size_t)elem * (size_t)elem;
  size_t written = 0;
  sp_codec_error err;

  size_t cap = sp_bslz4_max_size(n, elem, block);
  uint8_t *enc = malloc(cap);
  if (!enc) return;
  if (sp_encode_bslz4(data, n, elem, block, enc, cap, &scratch, &written, &err) != SP_OK) die(err.message);
  uint8_t *back = decode_exact(enc, written, SP_CODEC_BSLZ4, elem, n);
  if (!back || memcmp(back, data, n) != 0) die("bslz4 round trip differs");
  free(back);
  free(enc);

  cap = sp_lz4_framed_max_size(n, block);
  enc = malloc(cap);
  if (!enc) return;
  if (sp_encode_lz4_framed(data, n, block, enc, cap, &scratch, &written, &err) != SP_OK) die(err.message);
  back = decode_exact(enc, written, SP_CODEC_LZ4_FRAMED, elem, n);
  if (!back || memcmp(back, data, n) != 0) die("lz4 framed round trip differs");
  free(back);
  free(enc);

  cap = sp_lz4_block_bound(size);
  enc = malloc(cap);
  if (!enc) return;
  if (sp_encode_lz4_block(data, size, enc, cap, &scratch, &written, &err) != SP_OK) die(err.message);
  back = decode_exact(enc, written, SP_CODEC_LZ4_BLOCK, 1, size);
  if (!back || memcmp(back, data, size) != 0) die("lz4 block round trip differs");
  free(back);
  free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_decoders(data, size);
  fuzz_round_trip(data, size);
  return 0;
}
