/*
 * Small helpers for reading Node-API arguments and throwing errors with a code.
 * Every exported function validates its arguments with these before touching memory.
 */
#ifndef SP_NAPI_ARGS_H
#define SP_NAPI_ARGS_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* Throws a JS Error whose .code is `code`; always returns NULL so callers can `return sp_throw(...)`. */
napi_value sp_throw(napi_env env, const char *code, const char *fmt, ...);

/* Reads argument i as a byte view (Buffer, any TypedArray or DataView). Returns 0 on success,
 * otherwise throws ERR_INVALID_ARG naming `what` and returns -1. */
int sp_arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);

/* Reads a TypedArray of any element type (a Buffer is a Uint8Array): its type, data and element count.
 * `expected` completes the error "<what> must be <expected>" thrown (ERR_INVALID_ARG) for anything else. */
int sp_arg_typedarray(napi_env env, napi_value v, const char *what, const char *expected, napi_typedarray_type *type,
                      void **data, size_t *count);

/* Requires a TypedArray of exactly `type` with at least min_len elements; the error names the
 * argument and the type ("table must be a Uint16Array"). len may be NULL. */
int sp_arg_typed(napi_env env, napi_value v, const char *what, napi_typedarray_type type, size_t min_len, void **data,
                 size_t *len);

/* "a Uint16Array", "an Int32Array": the type with its article, for messages. */
const char *sp_typedarray_name(napi_typedarray_type type);

/* Reads argument as a finite number / int64 / uint32; throws ERR_INVALID_ARG and returns -1 on failure. */
int sp_arg_double(napi_env env, napi_value v, const char *what, double *out);
int sp_arg_int64(napi_env env, napi_value v, const char *what, int64_t *out);
int sp_arg_uint32(napi_env env, napi_value v, const char *what, uint32_t *out);

/* Fetches exactly up to `max` arguments; throws if fewer than `min` were given. */
int sp_get_args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value *argv, size_t *argc);

napi_value sp_number(napi_env env, double v);

#endif
