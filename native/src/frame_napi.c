/*
 * JavaScript bindings of the frame codecs (see frame_codec.h and src/codec/nativeCodec.ts).
 * Arguments are validated here; the codec functions validate the data.
 */
#include <stdlib.h>
#include <string.h>

#include "bitshuffle.h"
#include "frame_codec.h"
#include "module.h"
#include "napi_args.h"

/*
 * Decoder and encoder scratch, one per thread (Node's main thread and each worker), reused across
 * calls so steady-state decoding allocates nothing. Freed when the thread's Node environment ends.
 */
static _Thread_local sp_scratch tl_scratch;
static _Thread_local int tl_cleanup_registered;

static void free_scratch(void *arg) {
  (void)arg;
  sp_scratch_free(&tl_scratch);
  tl_cleanup_registered = 0;
}

static sp_scratch *thread_scratch(napi_env env) {
  if (!tl_cleanup_registered && napi_add_env_cleanup_hook(env, free_scratch, NULL) == napi_ok)
    tl_cleanup_registered = 1;
  return &tl_scratch;
}

static napi_value throw_codec_error(napi_env env, const sp_codec_error *err) {
  return sp_throw(env, sp_status_code(err->status), "%s", err->message);
}

static int arg_is_missing(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) != napi_ok || t == napi_undefined || t == napi_null;
}

static int arg_codec_and_elem(napi_env env, napi_value codec_v, napi_value elem_v, int *codec, int *elem) {
  uint32_t c, e;
  if (sp_arg_uint32(env, codec_v, "codec", &c) != 0 || sp_arg_uint32(env, elem_v, "elemSize", &e) != 0) return -1;
  if (c > SP_CODEC_BSLZ4) {
    sp_throw(env, "ERR_INVALID_ARG", "unknown codec %u (expected 0 raw, 1 lz4-block, 2 lz4, 3 bslz4)", c);
    return -1;
  }
  if (e != 1 && e != 2 && e != 4) {
    sp_throw(env, "ERR_INVALID_ARG", "elemSize %u is not 1, 2 or 4", e);
    return -1;
  }
  *codec = (int)c;
  *elem = (int)e;
  return 0;
}

/* Optional block size argument: the default when missing, else a positive uint32. */
static int arg_block_bytes(napi_env env, napi_value *argv, size_t argc, size_t index, uint32_t dflt, uint32_t *out) {
  if (index >= argc || arg_is_missing(env, argv[index])) {
    *out = dflt;
    return 0;
  }
  if (sp_arg_uint32(env, argv[index], "blockBytes", out) != 0) return -1;
  if (*out == 0) {
    sp_throw(env, "ERR_INVALID_ARG", "blockBytes must be positive");
    return -1;
  }
  return 0;
}

static int ranges_overlap(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

/* decodeInto(src, codec, elemSize, dst) -> bytes written */
static napi_value js_decode_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  uint8_t *src, *dst;
  size_t src_len, dst_len;
  int codec, elem;
  if (sp_get_args(env, info, 4, 4, argv, &argc) != 0) return NULL;
  if (sp_arg_bytes(env, argv[0], "src", &src, &src_len) != 0) return NULL;
  if (arg_codec_and_elem(env, argv[1], argv[2], &codec, &elem) != 0) return NULL;
  if (sp_arg_bytes(env, argv[3], "dst", &dst, &dst_len) != 0) return NULL;
  if (ranges_overlap(src, src_len, dst, dst_len)) return sp_throw(env, "ERR_INVALID_ARG", "src and dst overlap");
  sp_codec_error err;
  if (sp_decode_frame(src, src_len, codec, elem, dst, dst_len, thread_scratch(env), &err) != SP_OK)
    return throw_codec_error(env, &err);
  return sp_number(env, (double)dst_len);
}
SP_EXPORT("decodeInto", js_decode_into)

/* decodedSize(src, codec, elemSize) -> bytes, or -1 when the format does not say */
static napi_value js_decoded_size(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  uint8_t *src;
  size_t src_len;
  int codec, elem;
  if (sp_get_args(env, info, 3, 3, argv, &argc) != 0) return NULL;
  if (sp_arg_bytes(env, argv[0], "src", &src, &src_len) != 0) return NULL;
  if (arg_codec_and_elem(env, argv[1], argv[2], &codec, &elem) != 0) return NULL;
  sp_codec_error err;
  int64_t size;
  if (sp_decoded_size(src, src_len, codec, elem, &size, &err) != SP_OK) return throw_codec_error(env, &err);
  return sp_number(env, (double)size);
}
SP_EXPORT("decodedSize", js_decoded_size)

/* Encodes into a temporary buffer of `cap` bytes and returns a Buffer of exactly the output. */
typedef sp_status (*encode_fn)(const void *ctx, uint8_t *dst, size_t cap, sp_scratch *scratch, size_t *written,
                               sp_codec_error *err);

static napi_value encode_to_new_buffer(napi_env env, size_t cap, encode_fn fn, const void *ctx) {
  uint8_t *tmp = malloc(cap ? cap : 1);
  if (!tmp) return sp_throw(env, "ERR_NO_MEMORY", "cannot allocate %zu bytes for the encoder output", cap);
  sp_codec_error err;
  size_t written = 0;
  if (fn(ctx, tmp, cap, thread_scratch(env), &written, &err) != SP_OK) {
    free(tmp);
    return throw_codec_error(env, &err);
  }
  napi_value result;
  void *data;
  napi_status st = napi_create_buffer_copy(env, written, tmp, &data, &result);
  free(tmp);
  if (st != napi_ok) return sp_throw(env, "ERR_NO_MEMORY", "cannot create a %zu-byte Buffer", written);
  return result;
}

typedef struct {
  const uint8_t *src;
  size_t len;
  int elem;
  uint32_t block;
} encode_args;

static sp_status run_bslz4(const void *ctx, uint8_t *dst, size_t cap, sp_scratch *s, size_t *w, sp_codec_error *e) {
  const encode_args *a = ctx;
  return sp_encode_bslz4(a->src, a->len, a->elem, a->block, dst, cap, s, w, e);
}

static sp_status run_lz4_block(const void *ctx, uint8_t *dst, size_t cap, sp_scratch *s, size_t *w, sp_codec_error *e) {
  const encode_args *a = ctx;
  return sp_encode_lz4_block(a->src, a->len, dst, cap, s, w, e);
}

static sp_status run_lz4_framed(const void *ctx, uint8_t *dst, size_t cap, sp_scratch *s, size_t *w,
                                sp_codec_error *e) {
  const encode_args *a = ctx;
  return sp_encode_lz4_framed(a->src, a->len, a->block, dst, cap, s, w, e);
}

/* Checks bslz4 encoder arguments and returns the worst-case size (0 after throwing). */
static size_t bslz4_bound_or_throw(napi_env env, size_t nbytes, uint32_t elem, uint32_t block) {
  if (elem != 1 && elem != 2 && elem != 4) {
    sp_throw(env, "ERR_INVALID_ARG", "elemSize %u is not 1, 2 or 4", elem);
    return 0;
  }
  size_t bound = sp_bslz4_max_size(nbytes, (int)elem, block);
  if (bound == 0)
    sp_throw(env, "ERR_INVALID_ARG",
             "cannot bslz4-encode %zu bytes with elemSize %u and blockBytes %u (the input must be whole elements and "
             "blockBytes a positive multiple of %u, at most %u)",
             nbytes, elem, block, 8 * elem, SP_BSLZ4_MAX_BLOCK_BYTES);
  return bound;
}

/* encodeBslz4(src, elemSize, blockBytes = 8192) -> Buffer with the 12-byte header */
static napi_value js_encode_bslz4(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  encode_args a;
  uint8_t *src;
  uint32_t elem;
  if (sp_get_args(env, info, 2, 3, argv, &argc) != 0) return NULL;
  if (sp_arg_bytes(env, argv[0], "src", &src, &a.len) != 0) return NULL;
  if (sp_arg_uint32(env, argv[1], "elemSize", &elem) != 0) return NULL;
  if (arg_block_bytes(env, argv, argc, 2, SP_BSLZ4_DEFAULT_BLOCK_BYTES, &a.block) != 0) return NULL;
  size_t bound = bslz4_bound_or_throw(env, a.len, elem, a.block);
  if (bound == 0) return NULL;
  a.src = src;
  a.elem = (int)elem;
  return encode_to_new_buffer(env, bound, run_bslz4, &a);
}
SP_EXPORT("encodeBslz4", js_encode_bslz4)

/* encodeBslz4Into(src, elemSize, dst, blockBytes = 8192) -> bytes written */
static napi_value js_encode_bslz4_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc, src_len, dst_len;
  uint8_t *src, *dst;
  uint32_t elem, block;
  if (sp_get_args(env, info, 3, 4, argv, &argc) != 0) return NULL;
  if (sp_arg_bytes(env, argv[0], "src", &src, &src_len) != 0) return NULL;
  if (sp_arg_uint32(env, argv[1], "elemSize", &elem) != 0) return NULL;
  if (sp_arg_bytes(env, argv[2], "dst", &dst, &dst_len) != 0) return NULL;
  if (arg_block_bytes(env, argv, argc, 3, SP_BSLZ4_DEFAULT_BLOCK_BYTES, &block) != 0) return NULL;
  size_t bound = bslz4_bound_or_throw(env, src_len, elem, block);
  if (bound == 0) return NULL;
  if (dst_len < bound)
    return sp_throw(env, "ERR_INVALID_ARG", "dst has %zu bytes, bslz4MaxSize(%zu, %u, %u) = %zu", dst_len, src_len,
                    elem, block, bound);
  if (ranges_overlap(src, src_len, dst, dst_len)) return sp_throw(env, "ERR_INVALID_ARG", "src and dst overlap");
  sp_codec_error err;
  size_t written = 0;
  if (sp_encode_bslz4(src, src_len, (int)elem, block, dst, dst_len, thread_scratch(env), &written, &err) != SP_OK)
    return throw_codec_error(env, &err);
  return sp_number(env, (double)written);
}
SP_EXPORT("encodeBslz4Into", js_encode_bslz4_into)

/* bslz4MaxSize(nbytes, elemSize, blockBytes = 8192) -> worst-case encoded size */
static napi_value js_bslz4_max_size(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  int64_t nbytes;
  uint32_t elem, block;
  if (sp_get_args(env, info, 2, 3, argv, &argc) != 0) return NULL;
  if (sp_arg_int64(env, argv[0], "nbytes", &nbytes) != 0) return NULL;
  if (nbytes < 0) return sp_throw(env, "ERR_INVALID_ARG", "nbytes must not be negative");
  if (sp_arg_uint32(env, argv[1], "elemSize", &elem) != 0) return NULL;
  if (arg_block_bytes(env, argv, argc, 2, SP_BSLZ4_DEFAULT_BLOCK_BYTES, &block) != 0) return NULL;
  size_t bound = bslz4_bound_or_throw(env, (size_t)nbytes, elem, block);
  if (bound == 0) return NULL;
  return sp_number(env, (double)bound);
}
SP_EXPORT("bslz4MaxSize", js_bslz4_max_size)

/* encodeLz4Block(src) -> Buffer holding one bare LZ4 block */
static napi_value js_encode_lz4_block(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  encode_args a = {0};
  uint8_t *src;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0) return NULL;
  if (sp_arg_bytes(env, argv[0], "src", &src, &a.len) != 0) return NULL;
  a.src = src;
  return encode_to_new_buffer(env, sp_lz4_block_bound(a.len), run_lz4_block, &a);
}
SP_EXPORT("encodeLz4Block", js_encode_lz4_block)

/* encodeLz4Framed(src, blockBytes = 1 GiB clipped to the size) -> Buffer with the 12-byte header */
static napi_value js_encode_lz4_framed(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc;
  encode_args a = {0};
  uint8_t *src;
  if (sp_get_args(env, info, 1, 2, argv, &argc) != 0) return NULL;
  if (sp_arg_bytes(env, argv[0], "src", &src, &a.len) != 0) return NULL;
  if (arg_block_bytes(env, argv, argc, 1, SP_LZ4_MAX_BLOCK_BYTES, &a.block) != 0) return NULL;
  size_t bound = sp_lz4_framed_max_size(a.len, a.block);
  if (bound == 0)
    return sp_throw(env, "ERR_INVALID_ARG", "cannot lz4-encode %zu bytes with blockBytes %u (at most %u)", a.len,
                    a.block, SP_LZ4_MAX_BLOCK_BYTES);
  a.src = src;
  return encode_to_new_buffer(env, bound, run_lz4_framed, &a);
}
SP_EXPORT("encodeLz4Framed", js_encode_lz4_framed)
