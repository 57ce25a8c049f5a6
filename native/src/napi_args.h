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

/* Reads argument as a finite number / int64 / uint32; throws ERR_INVALID_ARG and returns -1 on failure. */
int sp_arg_double(napi_env env, napi_value v, const char *what, double *out);
int sp_arg_int64(napi_env env, napi_value v, const char *what, int64_t *out);
int sp_arg_uint32(napi_env env, napi_value v, const char *what, uint32_t *out);

/* Fetches exactly up to `max` arguments; throws if fewer than `min` were given. */
int sp_get_args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value *argv, size_t *argc);

napi_value sp_number(napi_env env, double v);

#endif
