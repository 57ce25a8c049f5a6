/*
 * Frame codecs for DECTRIS stream blobs: raw, bare LZ4 block, HDF5-framed LZ4 (filter 32004 layout)
 * and bitshuffle-LZ4 (filter 32008 layout), decode and encode.
 *
 * This header is free of Node-API so the same sources link into the addon, the libFuzzer target
 * (native/fuzz) and the sanitizer harness (native/test). Every function validates its input and
 * never reads or writes outside the buffers it is given; failures come back as a status plus a
 * message naming what was wrong.
 */
#ifndef SP_FRAME_CODEC_H
#define SP_FRAME_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Codec numbers, shared with CODEC_IDS in src/codec/encodings.ts (CodecNumber in src/native/addon.ts). */
enum {
  SP_CODEC_RAW = 0,
  SP_CODEC_LZ4_BLOCK = 1,
  SP_CODEC_LZ4_FRAMED = 2,
  SP_CODEC_BSLZ4 = 3,
};

typedef enum {
  SP_OK = 0,
  SP_ERR_INVALID_ARG,   /* a caller-side mistake: unknown codec, bad element size, wrong dst size */
  SP_ERR_TRUNCATED,     /* the input ends before the data it announces */
  SP_ERR_SIZE_MISMATCH, /* the input decodes to a different size than the caller expects */
  SP_ERR_LZ4_CORRUPT,   /* an LZ4 block that is not valid (bad offset, run past the output end) */
  SP_ERR_BAD_HEADER,    /* the 12-byte header holds impossible values */
  SP_ERR_TRAILING_DATA, /* bytes left over after a complete frame */
  SP_ERR_NO_MEMORY,
} sp_status;

#define SP_ERROR_MESSAGE_MAX 240

typedef struct {
  sp_status status;
  char message[SP_ERROR_MESSAGE_MAX];
} sp_codec_error;

/* "ERR_TRUNCATED" etc., the `.code` of the JavaScript error. */
const char *sp_status_code(sp_status status);

/* Sets err and returns status; a printf-style message. */
sp_status sp_fail(sp_codec_error *err, sp_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Limits on what a header may claim; beyond them the header is rejected as bad. */
#define SP_MAX_FRAME_BYTES           ((uint64_t)1 << 32) /* 4 GiB: 16M uint32 frames are 72 MB */
#define SP_BSLZ4_MAX_BLOCK_BYTES     ((uint32_t)1 << 26) /* 64 MiB; writers use 8 KiB by default */
#define SP_LZ4_MAX_BLOCK_BYTES       ((uint32_t)1 << 30) /* 1 GiB, the filter 32004 default */
#define SP_BSLZ4_DEFAULT_BLOCK_BYTES 8192u
#define SP_FRAME_HEADER_BYTES        12

/*
 * Scratch memory owned by the caller and reused across frames: the bslz4 decoder needs room for
 * one decompressed block plus one transposition buffer. It grows (realloc) only when a frame with
 * larger blocks arrives, so steady-state decoding allocates nothing.
 */
typedef struct {
  uint8_t *data;
  size_t capacity;
} sp_scratch;

void sp_scratch_free(sp_scratch *scratch);

/*
 * Decoded byte size of a blob: the src length for raw, -1 for a bare LZ4 block (the size is not
 * stored), the validated header's total for the framed codecs. Returns SP_OK or an error.
 */
sp_status sp_decoded_size(const uint8_t *src, size_t src_len, int codec, int elem_size, int64_t *size,
                          sp_codec_error *err);

/* Decodes a whole frame into dst, which must be exactly the decoded size. */
sp_status sp_decode_frame(const uint8_t *src, size_t src_len, int codec, int elem_size, uint8_t *dst, size_t dst_len,
                          sp_scratch *scratch, sp_codec_error *err);

/* ---- encoders (simulator and tests) ---- */

/* Worst-case size of one LZ4 block holding n bytes. */
size_t sp_lz4_block_bound(size_t n);

/* Bytes needed for the encoders' hash table (caller-provided so encoding allocates nothing). */
#define SP_LZ4_HASH_LOG         12
#define SP_LZ4_HASH_TABLE_BYTES (sizeof(uint32_t) << SP_LZ4_HASH_LOG)

/* Worst-case sizes of the framed encodings, or 0 when the arguments are invalid. */
size_t sp_bslz4_max_size(size_t nbytes, int elem_size, uint32_t block_bytes);
size_t sp_lz4_framed_max_size(size_t nbytes, uint32_t block_bytes);

/* Scratch bytes sp_encode_bslz4 / sp_encode_lz4_framed need (hash table + block buffers). */
size_t sp_bslz4_encode_scratch_size(int elem_size, uint32_t block_bytes);
size_t sp_lz4_framed_encode_scratch_size(size_t nbytes, uint32_t block_bytes);

/* Each encoder writes into dst (capacity dst_cap, at least the matching max size) and stores the
 * number of bytes written in *written. */
sp_status sp_encode_lz4_block(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_cap, sp_scratch *scratch,
                              size_t *written, sp_codec_error *err);
sp_status sp_encode_lz4_framed(const uint8_t *src, size_t n, uint32_t block_bytes, uint8_t *dst, size_t dst_cap,
                               sp_scratch *scratch, size_t *written, sp_codec_error *err);
sp_status sp_encode_bslz4(const uint8_t *src, size_t nbytes, int elem_size, uint32_t block_bytes, uint8_t *dst,
                          size_t dst_cap, sp_scratch *scratch, size_t *written, sp_codec_error *err);

/* Grows scratch to at least `bytes`; SP_ERR_NO_MEMORY on failure. */
sp_status sp_scratch_reserve(sp_scratch *scratch, size_t bytes, sp_codec_error *err);

#endif
