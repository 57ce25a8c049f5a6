/*
 * LZ4 block format (no frame): one decoder that never leaves its buffers and a greedy compressor.
 * Pure C, no Node-API (see frame_codec.h).
 */
#ifndef SP_LZ4_BLOCK_H
#define SP_LZ4_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "frame_codec.h"

/*
 * Decodes one LZ4 block of exactly src_len bytes into dst.
 * The decoded data may be at most dst_len bytes. dst_cap (>= dst_len) is how far the decoder may
 * write: bytes in [dst_len, dst_cap) may be scribbled on by wide copies and hold nothing useful
 * afterwards. Callers decoding into the middle of a larger buffer pass the room up to its end.
 * On success *out_len holds the number of bytes produced (<= dst_len) and all input was consumed.
 */
sp_status sp_lz4_decode_block(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, size_t dst_cap,
                              size_t *out_len, sp_codec_error *err);

/*
 * Compresses n bytes into one LZ4 block; dst_cap must be at least sp_lz4_block_bound(n).
 * hash_table has SP_LZ4_HASH_TABLE_BYTES bytes; it is cleared on entry, so the output depends
 * only on the input. Returns the compressed size.
 */
size_t sp_lz4_compress_block(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_cap, uint32_t *hash_table);

#endif
