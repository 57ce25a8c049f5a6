/*
 * Frame encoders for the simulator and the tests: a bare LZ4 block (V1 "lz4<"), HDF5-framed LZ4
 * (V2 "lz4", filter 32004 layout) and bitshuffle-LZ4 with its 12-byte header (V1 "bsNN-lz4<",
 * V2 "bslz4", byte-identical to a filter 32008 chunk).
 */
#include <string.h>

#include "bitshuffle.h"
#include "frame_codec.h"
#include "lz4_block.h"

/* Inputs at or above 2^31 bytes are refused: the LZ4 hash table stores 32-bit positions, and
 * no detector frame comes close. */
#define MAX_ENCODE_BYTES ((size_t)1 << 31)

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static int bslz4_args_valid(size_t nbytes, int elem, uint32_t block_bytes) {
  if (elem != 1 && elem != 2 && elem != 4) return 0;
  if (nbytes >= MAX_ENCODE_BYTES || nbytes % (size_t)elem != 0) return 0;
  return block_bytes > 0 && block_bytes % (uint32_t)(8 * elem) == 0 && block_bytes <= SP_BSLZ4_MAX_BLOCK_BYTES;
}

static sp_status bslz4_check_args(size_t nbytes, int elem, uint32_t block_bytes, sp_codec_error *err) {
  if (elem != 1 && elem != 2 && elem != 4)
    return sp_fail(err, SP_ERR_INVALID_ARG, "element size %d is not 1, 2 or 4", elem);
  if (nbytes >= MAX_ENCODE_BYTES) return sp_fail(err, SP_ERR_INVALID_ARG, "input of %zu bytes is too large", nbytes);
  if (nbytes % (size_t)elem != 0)
    return sp_fail(err, SP_ERR_INVALID_ARG, "input of %zu bytes is not a whole number of %d-byte elements", nbytes,
                   elem);
  if (block_bytes == 0 || block_bytes % (uint32_t)(8 * elem) != 0 || block_bytes > SP_BSLZ4_MAX_BLOCK_BYTES)
    return sp_fail(err, SP_ERR_INVALID_ARG,
                   "bslz4 block size %u bytes must be a positive multiple of %d (8 elements) and at most %u",
                   block_bytes, 8 * elem, SP_BSLZ4_MAX_BLOCK_BYTES);
  return SP_OK;
}

size_t sp_bslz4_max_size(size_t nbytes, int elem, uint32_t block_bytes) {
  if (!bslz4_args_valid(nbytes, elem, block_bytes)) return 0;
  const size_t E = (size_t)elem, nelem = nbytes / E, block_elems = block_bytes / E;
  const size_t full = nelem / block_elems, short_elems = (nelem % block_elems) & ~(size_t)7;
  size_t size = SP_FRAME_HEADER_BYTES + full * (4 + sp_lz4_block_bound(block_bytes)) + (nelem % 8) * E;
  if (short_elems) size += 4 + sp_lz4_block_bound(short_elems * E);
  return size;
}

size_t sp_bslz4_encode_scratch_size(int elem, uint32_t block_bytes) {
  (void)elem;
  return SP_LZ4_HASH_TABLE_BYTES + 2 * (size_t)block_bytes;
}

sp_status sp_encode_bslz4(const uint8_t *src, size_t nbytes, int elem, uint32_t block_bytes, uint8_t *dst,
                          size_t dst_cap, sp_scratch *scratch, size_t *written, sp_codec_error *err) {
  sp_status s = bslz4_check_args(nbytes, elem, block_bytes, err);
  if (s != SP_OK) return s;
  const size_t need = sp_bslz4_max_size(nbytes, elem, block_bytes);
  if (dst_cap < need)
    return sp_fail(err, SP_ERR_INVALID_ARG, "output has %zu bytes, bslz4 needs up to %zu", dst_cap, need);
  if ((s = sp_scratch_reserve(scratch, sp_bslz4_encode_scratch_size(elem, block_bytes), err)) != SP_OK) return s;
  uint32_t *table = (uint32_t *)scratch->data;
  uint8_t *shuffled = scratch->data + SP_LZ4_HASH_TABLE_BYTES;
  uint8_t *tmp = shuffled + block_bytes;

  const size_t E = (size_t)elem, nelem = nbytes / E, block_elems = block_bytes / E;
  put_be64(dst, (uint64_t)nbytes);
  put_be32(dst + 8, block_bytes);
  size_t pos = SP_FRAME_HEADER_BYTES;
  size_t i = 0;
  while (nelem - i >= 8) {
    size_t n = nelem - i >= block_elems ? block_elems : (nelem - i) & ~(size_t)7;
    sp_bitshuffle_block(src + i * E, shuffled, n, E, tmp);
    size_t clen = sp_lz4_compress_block(shuffled, n * E, dst + pos + 4, dst_cap - pos - 4, table);
    put_be32(dst + pos, (uint32_t)clen);
    pos += 4 + clen;
    i += n;
  }
  memcpy(dst + pos, src + i * E, (nelem - i) * E); /* the n % 8 leftover elements, as they are */
  pos += (nelem - i) * E;
  *written = pos;
  return SP_OK;
}

static uint32_t lz4_effective_block(size_t n, uint32_t block_bytes) {
  return n > 0 && n < block_bytes ? (uint32_t)n : block_bytes;
}

size_t sp_lz4_framed_max_size(size_t nbytes, uint32_t block_bytes) {
  if (block_bytes == 0 || block_bytes > SP_LZ4_MAX_BLOCK_BYTES || nbytes >= MAX_ENCODE_BYTES) return 0;
  size_t nblocks = (nbytes + block_bytes - 1) / block_bytes;
  return SP_FRAME_HEADER_BYTES + 4 * nblocks + nbytes; /* a block that does not shrink is stored raw */
}

size_t sp_lz4_framed_encode_scratch_size(size_t nbytes, uint32_t block_bytes) {
  return SP_LZ4_HASH_TABLE_BYTES + sp_lz4_block_bound(lz4_effective_block(nbytes, block_bytes));
}

sp_status sp_encode_lz4_framed(const uint8_t *src, size_t n, uint32_t block_bytes, uint8_t *dst, size_t dst_cap,
                               sp_scratch *scratch, size_t *written, sp_codec_error *err) {
  if (block_bytes == 0 || block_bytes > SP_LZ4_MAX_BLOCK_BYTES)
    return sp_fail(err, SP_ERR_INVALID_ARG, "lz4 block size %u bytes must be between 1 and %u", block_bytes,
                   SP_LZ4_MAX_BLOCK_BYTES);
  if (n >= MAX_ENCODE_BYTES) return sp_fail(err, SP_ERR_INVALID_ARG, "input of %zu bytes is too large", n);
  const size_t need = sp_lz4_framed_max_size(n, block_bytes);
  if (dst_cap < need)
    return sp_fail(err, SP_ERR_INVALID_ARG, "output has %zu bytes, lz4 needs up to %zu", dst_cap, need);
  /* Like the HDF5 filter, the header records the block size clipped to the data size. */
  const uint32_t block = lz4_effective_block(n, block_bytes);
  sp_status s = sp_scratch_reserve(scratch, sp_lz4_framed_encode_scratch_size(n, block_bytes), err);
  if (s != SP_OK) return s;
  uint32_t *table = (uint32_t *)scratch->data;
  uint8_t *packed = scratch->data + SP_LZ4_HASH_TABLE_BYTES;
  const size_t packed_cap = sp_lz4_block_bound(block);

  put_be64(dst, (uint64_t)n);
  put_be32(dst + 8, block);
  size_t pos = SP_FRAME_HEADER_BYTES;
  for (size_t done = 0; done < n;) {
    size_t len = n - done < block ? n - done : block;
    size_t clen = sp_lz4_compress_block(src + done, len, packed, packed_cap, table);
    if (clen >= len) { /* no gain: store raw, which the length prefix marks by equalling the block size */
      put_be32(dst + pos, (uint32_t)len);
      memcpy(dst + pos + 4, src + done, len);
      pos += 4 + len;
    } else {
      put_be32(dst + pos, (uint32_t)clen);
      memcpy(dst + pos + 4, packed, clen);
      pos += 4 + clen;
    }
    done += len;
  }
  *written = pos;
  return SP_OK;
}

sp_status sp_encode_lz4_block(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_cap, sp_scratch *scratch,
                              size_t *written, sp_codec_error *err) {
  if (n >= MAX_ENCODE_BYTES) return sp_fail(err, SP_ERR_INVALID_ARG, "input of %zu bytes is too large", n);
  if (dst_cap < sp_lz4_block_bound(n))
    return sp_fail(err, SP_ERR_INVALID_ARG, "output has %zu bytes, an LZ4 block needs up to %zu", dst_cap,
                   sp_lz4_block_bound(n));
  sp_status s = sp_scratch_reserve(scratch, SP_LZ4_HASH_TABLE_BYTES, err);
  if (s != SP_OK) return s;
  *written = sp_lz4_compress_block(src, n, dst, dst_cap, (uint32_t *)scratch->data);
  return SP_OK;
}
