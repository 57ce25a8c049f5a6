/*
 * Frame decoders: raw, bare LZ4 block, HDF5-framed LZ4 and bitshuffle-LZ4 (see frame_codec.h).
 *
 * The framed formats start with a 12-byte big-endian header (u64 decoded bytes, u32 block bytes),
 * then per block a big-endian u32 compressed length and the block. Every length is checked
 * against what is left of the input before it is used.
 */
#include <string.h>

#include "bitshuffle.h"
#include "frame_codec.h"
#include "lz4_block.h"

/* Room after an LZ4 block decoded into scratch, so the decoder's wide copies stay fast at its end. */
#define SCRATCH_SLACK 64

typedef struct {
  uint64_t total_bytes;
  uint32_t block_bytes;
} frame_header;

static uint64_t be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int valid_elem_size(int e) { return e == 1 || e == 2 || e == 4; }

static const char *codec_name(int codec) { return codec == SP_CODEC_BSLZ4 ? "bslz4" : "lz4"; }

/* Reads and validates the header of a codec 2/3 blob. */
static sp_status read_header(const uint8_t *src, size_t src_len, int codec, int elem, frame_header *h,
                             sp_codec_error *err) {
  const char *name = codec_name(codec);
  if (src_len < SP_FRAME_HEADER_BYTES)
    return sp_fail(err, SP_ERR_TRUNCATED, "%s header: need %d bytes, got %zu", name, SP_FRAME_HEADER_BYTES, src_len);
  h->total_bytes = be64(src);
  h->block_bytes = be32(src + 8);
  if (h->total_bytes > SP_MAX_FRAME_BYTES)
    return sp_fail(err, SP_ERR_BAD_HEADER, "%s header claims %llu decoded bytes, more than the %llu-byte limit", name,
                   (unsigned long long)h->total_bytes, (unsigned long long)SP_MAX_FRAME_BYTES);
  if (h->total_bytes % (uint64_t)elem != 0)
    return sp_fail(err, SP_ERR_BAD_HEADER, "%s header: %llu decoded bytes is not a whole number of %d-byte elements",
                   name, (unsigned long long)h->total_bytes, elem);
  if (h->block_bytes == 0) return sp_fail(err, SP_ERR_BAD_HEADER, "%s header: block size is 0", name);
  if (codec == SP_CODEC_BSLZ4) {
    if (h->block_bytes % (uint32_t)(8 * elem) != 0)
      return sp_fail(err, SP_ERR_BAD_HEADER,
                     "bslz4 header: block size %u bytes is not a multiple of 8 elements of %d bytes", h->block_bytes,
                     elem);
    if (h->block_bytes > SP_BSLZ4_MAX_BLOCK_BYTES)
      return sp_fail(err, SP_ERR_BAD_HEADER, "bslz4 header: block size %u bytes exceeds the %u-byte limit",
                     h->block_bytes, SP_BSLZ4_MAX_BLOCK_BYTES);
  } else if (h->block_bytes > SP_LZ4_MAX_BLOCK_BYTES) {
    return sp_fail(err, SP_ERR_BAD_HEADER, "lz4 header: block size %u bytes exceeds the %u-byte limit", h->block_bytes,
                   SP_LZ4_MAX_BLOCK_BYTES);
  }
  return SP_OK;
}

static sp_status check_total(const char *name, const frame_header *h, size_t dst_len, sp_codec_error *err) {
  if (h->total_bytes != (uint64_t)dst_len)
    return sp_fail(err, SP_ERR_SIZE_MISMATCH, "%s header says %llu decoded bytes, but the frame needs %zu", name,
                   (unsigned long long)h->total_bytes, dst_len);
  return SP_OK;
}

/* Reads the u32 compressed length of block `index` at *pos and checks it fits in the input. */
static sp_status read_block_length(const char *name, const uint8_t *src, size_t src_len, size_t *pos, size_t index,
                                   uint32_t *clen, sp_codec_error *err) {
  if (src_len - *pos < 4)
    return sp_fail(err, SP_ERR_TRUNCATED, "%s block %zu: length prefix at offset %zu is cut off (%zu bytes left)", name,
                   index, *pos, src_len - *pos);
  *clen = be32(src + *pos);
  *pos += 4;
  if (*clen > src_len - *pos)
    return sp_fail(err, SP_ERR_TRUNCATED, "%s block %zu: compressed length %u exceeds remaining %zu bytes", name, index,
                   *clen, src_len - *pos);
  return SP_OK;
}

/* Decodes one LZ4 block that must produce exactly `expect` bytes; errors name the block. */
static sp_status decode_exact(const char *name, size_t index, const uint8_t *src, size_t clen, uint8_t *dst,
                              size_t expect, size_t cap, sp_codec_error *err) {
  size_t produced = 0;
  sp_status s = sp_lz4_decode_block(src, clen, dst, expect, cap, &produced, err);
  if (s != SP_OK) {
    if (!err) return s;
    char inner[SP_ERROR_MESSAGE_MAX];
    memcpy(inner, err->message, sizeof inner);
    return sp_fail(err, s, "%s block %zu: %s", name, index, inner);
  }
  if (produced != expect)
    return sp_fail(err, SP_ERR_LZ4_CORRUPT, "%s block %zu: decoded %zu bytes, expected %zu", name, index, produced,
                   expect);
  return SP_OK;
}

static sp_status check_no_trailing(const char *name, size_t pos, size_t src_len, sp_codec_error *err) {
  if (pos != src_len)
    return sp_fail(err, SP_ERR_TRAILING_DATA,
                   "%s: %zu bytes of trailing data after the frame (frame ends at offset %zu)", name, src_len - pos,
                   pos);
  return SP_OK;
}

static sp_status decode_lz4_framed(const uint8_t *src, size_t src_len, int elem, uint8_t *dst, size_t dst_len,
                                   sp_codec_error *err) {
  frame_header h;
  sp_status s = read_header(src, src_len, SP_CODEC_LZ4_FRAMED, elem, &h, err);
  if (s == SP_OK) s = check_total("lz4", &h, dst_len, err);
  if (s != SP_OK) return s;
  size_t pos = SP_FRAME_HEADER_BYTES;
  size_t done = 0;
  for (size_t index = 0; done < dst_len; index++) {
    size_t block = dst_len - done < h.block_bytes ? dst_len - done : h.block_bytes;
    uint32_t clen = 0;
    if ((s = read_block_length("lz4", src, src_len, &pos, index, &clen, err)) != SP_OK) return s;
    if (clen == block) {
      memcpy(dst + done, src + pos, block); /* stored uncompressed */
    } else {
      /* The rest of dst is free room for the decoder's wide copies: later blocks overwrite it. */
      s = decode_exact("lz4", index, src + pos, clen, dst + done, block, dst_len - done, err);
      if (s != SP_OK) return s;
    }
    pos += clen;
    done += block;
  }
  return check_no_trailing("lz4", pos, src_len, err);
}

static sp_status decode_bslz4(const uint8_t *src, size_t src_len, int elem, uint8_t *dst, size_t dst_len,
                              sp_scratch *scratch, sp_codec_error *err) {
  frame_header h;
  sp_status s = read_header(src, src_len, SP_CODEC_BSLZ4, elem, &h, err);
  if (s == SP_OK) s = check_total("bslz4", &h, dst_len, err);
  if (s != SP_OK) return s;

  const size_t E = (size_t)elem;
  const size_t nelem = dst_len / E;
  const size_t block_elems = h.block_bytes / E;
  const size_t full_blocks = nelem / block_elems;
  const size_t short_elems = (nelem % block_elems) & ~(size_t)7;
  const size_t tail_elems = nelem % 8;
  const size_t nblocks = full_blocks + (short_elems ? 1 : 0);

  /* Scratch: one decompressed block (+ slack) and one transposition buffer. A block larger than
   * the frame only ever holds the frame's short block. */
  size_t largest = nblocks == 0 ? 0 : (full_blocks ? h.block_bytes : short_elems * E);
  size_t lz4_area = (largest + SCRATCH_SLACK + 63) & ~(size_t)63;
  if ((s = sp_scratch_reserve(scratch, lz4_area + largest + 64, err)) != SP_OK) return s;
  uint8_t *shuffled = scratch->data;
  uint8_t *tmp = scratch->data + lz4_area;

  size_t pos = SP_FRAME_HEADER_BYTES;
  uint8_t *out = dst;
  for (size_t index = 0; index < nblocks; index++) {
    const size_t n = index < full_blocks ? block_elems : short_elems;
    const size_t bytes = n * E;
    uint32_t clen = 0;
    if ((s = read_block_length("bslz4", src, src_len, &pos, index, &clen, err)) != SP_OK) return s;
    s = decode_exact("bslz4", index, src + pos, clen, shuffled, bytes, bytes + SCRATCH_SLACK, err);
    if (s != SP_OK) return s;
    sp_bitunshuffle_block(shuffled, out, n, E, tmp);
    pos += clen;
    out += bytes;
  }
  const size_t tail_bytes = tail_elems * E;
  if (src_len - pos < tail_bytes)
    return sp_fail(err, SP_ERR_TRUNCATED, "bslz4 tail: need %zu raw bytes after the last block, %zu left", tail_bytes,
                   src_len - pos);
  memcpy(out, src + pos, tail_bytes);
  pos += tail_bytes;
  return check_no_trailing("bslz4", pos, src_len, err);
}

static sp_status check_codec_args(int codec, int elem, sp_codec_error *err) {
  if (codec < SP_CODEC_RAW || codec > SP_CODEC_BSLZ4)
    return sp_fail(err, SP_ERR_INVALID_ARG, "unknown codec %d (expected 0 raw, 1 lz4-block, 2 lz4, 3 bslz4)", codec);
  if (!valid_elem_size(elem)) return sp_fail(err, SP_ERR_INVALID_ARG, "element size %d is not 1, 2 or 4", elem);
  return SP_OK;
}

sp_status sp_decoded_size(const uint8_t *src, size_t src_len, int codec, int elem_size, int64_t *size,
                          sp_codec_error *err) {
  sp_status s = check_codec_args(codec, elem_size, err);
  if (s != SP_OK) return s;
  if (codec == SP_CODEC_RAW) {
    *size = (int64_t)src_len;
    return SP_OK;
  }
  if (codec == SP_CODEC_LZ4_BLOCK) {
    *size = -1;
    return SP_OK;
  }
  frame_header h;
  if ((s = read_header(src, src_len, codec, elem_size, &h, err)) != SP_OK) return s;
  *size = (int64_t)h.total_bytes;
  return SP_OK;
}

sp_status sp_decode_frame(const uint8_t *src, size_t src_len, int codec, int elem_size, uint8_t *dst, size_t dst_len,
                          sp_scratch *scratch, sp_codec_error *err) {
  sp_status s = check_codec_args(codec, elem_size, err);
  if (s != SP_OK) return s;
  if (dst_len % (size_t)elem_size != 0)
    return sp_fail(err, SP_ERR_INVALID_ARG, "output of %zu bytes is not a whole number of %d-byte elements", dst_len,
                   elem_size);
  switch (codec) {
    case SP_CODEC_RAW:
      if (src_len != dst_len)
        return sp_fail(err, SP_ERR_SIZE_MISMATCH, "raw frame has %zu bytes, but the frame needs %zu", src_len, dst_len);
      memcpy(dst, src, src_len);
      return SP_OK;
    case SP_CODEC_LZ4_BLOCK: {
      size_t produced = 0;
      if ((s = sp_lz4_decode_block(src, src_len, dst, dst_len, dst_len, &produced, err)) != SP_OK) return s;
      if (produced != dst_len)
        return sp_fail(err, SP_ERR_SIZE_MISMATCH, "lz4 block decoded to %zu bytes, but the frame needs %zu", produced,
                       dst_len);
      return SP_OK;
    }
    case SP_CODEC_LZ4_FRAMED: return decode_lz4_framed(src, src_len, elem_size, dst, dst_len, err);
    default: return decode_bslz4(src, src_len, elem_size, dst, dst_len, scratch, err);
  }
}
