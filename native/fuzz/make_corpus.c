/*
 * Writes a seed corpus of valid frames for fuzz_decode: small detector-like images (mostly zero,
 * a few counts, masked 0xFF.. pixels) in every codec, element size and a few block sizes, so the
 * fuzzer starts from inputs that reach deep into each decoder. Deterministic (fixed seed).
 * Usage: make_corpus <dir>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_codec.h"

static uint32_t rng = 12345;
static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void fill_pixels(uint8_t *p, size_t n, int elem) {
  for (size_t i = 0; i < n; i++) {
    uint32_t r = next_random();
    uint32_t v = (r % 16 == 0) ? 0xFFFFFFFFu : (r % 4 == 0 ? (r >> 8) % 20 : 0);
    memcpy(p + i * (size_t)elem, &v, (size_t)elem); /* little-endian host: the low bytes */
  }
}

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len) {
    perror(path);
    exit(1);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <dir>\n", argv[0]);
    return 2;
  }
  static const size_t counts[] = {0, 5, 8, 37, 100, 257, 1000};
  static const uint32_t blocks[] = {64, 256, 8192};
  sp_scratch scratch = {0};
  sp_codec_error err;
  int files = 0;
  for (int e = 0; e < 3; e++) {
    const int elem = 1 << e;
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
      const size_t nbytes = counts[c] * (size_t)elem;
      uint8_t *px = malloc(nbytes + 1);
      fill_pixels(px, counts[c], elem);
      char name[64];
      for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        const uint32_t block = blocks[b] * (uint32_t)elem;
        size_t cap = sp_bslz4_max_size(nbytes, elem, block), written = 0;
        uint8_t *out = malloc(cap);
        if (sp_encode_bslz4(px, nbytes, elem, block, out, cap, &scratch, &written, &err) != SP_OK) return 1;
        snprintf(name, sizeof name, "bslz4_e%d_n%zu_b%u", elem, counts[c], block);
        write_file(argv[1], name, out, written);
        free(out);
        cap = sp_lz4_framed_max_size(nbytes, block);
        out = malloc(cap);
        if (sp_encode_lz4_framed(px, nbytes, block, out, cap, &scratch, &written, &err) != SP_OK) return 1;
        snprintf(name, sizeof name, "lz4_e%d_n%zu_b%u", elem, counts[c], block);
        write_file(argv[1], name, out, written);
        free(out);
        files += 2;
      }
      size_t cap = sp_lz4_block_bound(nbytes), written = 0;
      uint8_t *out = malloc(cap);
      if (sp_encode_lz4_block(px, nbytes, out, cap, &scratch, &written, &err) != SP_OK) return 1;
      snprintf(name, sizeof name, "lz4block_e%d_n%zu", elem, counts[c]);
      write_file(argv[1], name, out, written);
      free(out);
      snprintf(name, sizeof name, "raw_e%d_n%zu", elem, counts[c]);
      write_file(argv[1], name, px, nbytes);
      files += 2;
      free(px);
    }
  }
  sp_scratch_free(&scratch);
  printf("%d seed files in %s\n", files, argv[1]);
  return 0;
}
