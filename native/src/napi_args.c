#include "napi_args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

napi_value sp_throw(napi_env env, const char *code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, code, msg);
  return NULL;
}

/* Type, data and element count of a TypedArray; -1 (nothing thrown) for any other value. */
static int typedarray_info(napi_env env, napi_value v, napi_typedarray_type *type, void **data, size_t *count) {
  bool is = false;
  size_t offset;
  napi_value ab;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return -1;
  return napi_get_typedarray_info(env, v, type, count, data, &ab, &offset) == napi_ok ? 0 : -1;
}

static size_t typedarray_elem_size(napi_typedarray_type type) {
  switch (type) {
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array: return 8;
    default: return 1;
  }
}

const char *sp_typedarray_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "an Int8Array";
    case napi_uint8_array: return "a Uint8Array";
    case napi_uint8_clamped_array: return "a Uint8ClampedArray";
    case napi_int16_array: return "an Int16Array";
    case napi_uint16_array: return "a Uint16Array";
    case napi_int32_array: return "an Int32Array";
    case napi_uint32_array: return "a Uint32Array";
    case napi_float32_array: return "a Float32Array";
    case napi_float64_array: return "a Float64Array";
    case napi_bigint64_array: return "a BigInt64Array";
    case napi_biguint64_array: return "a BigUint64Array";
  }
  return "a TypedArray";
}

int sp_arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  void *ptr;
  size_t count;
  bool is = false;
  if (typedarray_info(env, v, &type, &ptr, &count) == 0) {
    *data = (uint8_t *)ptr;
    *len = count * typedarray_elem_size(type);
    return 0;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    size_t length, offset;
    napi_value ab;
    if (napi_get_dataview_info(env, v, &length, &ptr, &ab, &offset) != napi_ok) goto fail;
    *data = (uint8_t *)ptr;
    *len = length;
    return 0;
  }
fail:
  sp_throw(env, "ERR_INVALID_ARG", "%s must be a Buffer, TypedArray or DataView", what);
  return -1;
}

int sp_arg_typedarray(napi_env env, napi_value v, const char *what, const char *expected, napi_typedarray_type *type,
                      void **data, size_t *count) {
  void *ptr = NULL;
  if (typedarray_info(env, v, type, &ptr, count) != 0) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be %s", what, expected);
    return -1;
  }
  /* A detached buffer reports length 0 and no data; with elements and no data something is off. */
  if (*count > 0 && ptr == NULL) {
    sp_throw(env, "ERR_INVALID_ARG", "%s is detached", what);
    return -1;
  }
  *data = ptr;
  return 0;
}

int sp_arg_typed(napi_env env, napi_value v, const char *what, napi_typedarray_type type, size_t min_len, void **data,
                 size_t *len) {
  napi_typedarray_type t;
  size_t count;
  const char *name = sp_typedarray_name(type);
  if (sp_arg_typedarray(env, v, what, name, &t, data, &count) != 0) return -1;
  if (t != type) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be %s, got %s", what, name, sp_typedarray_name(t));
    return -1;
  }
  if (count < min_len) {
    sp_throw(env, "ERR_INVALID_ARG", "%s has %zu elements, needs at least %zu", what, count, min_len);
    return -1;
  }
  if (len) *len = count;
  return 0;
}

int sp_arg_double(napi_env env, napi_value v, const char *what, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok || !isfinite(*out)) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be a finite number", what);
    return -1;
  }
  return 0;
}

int sp_arg_int64(napi_env env, napi_value v, const char *what, int64_t *out) {
  double d;
  if (sp_arg_double(env, v, what, &d) != 0) return -1;
  if (d != floor(d) || d < -9007199254740991.0 || d > 9007199254740991.0) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be an integer", what);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

int sp_arg_uint32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  int64_t i;
  if (sp_arg_int64(env, v, what, &i) != 0) return -1;
  if (i < 0 || i > 0xFFFFFFFFLL) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be between 0 and 2^32-1", what);
    return -1;
  }
  *out = (uint32_t)i;
  return 0;
}

int sp_get_args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value *argv, size_t *argc) {
  *argc = max;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok) {
    sp_throw(env, "ERR_INVALID_ARG", "could not read arguments");
    return -1;
  }
  if (*argc < min) {
    sp_throw(env, "ERR_INVALID_ARG", "expected at least %zu arguments, got %zu", min, *argc);
    return -1;
  }
  if (*argc > max) *argc = max;
  return 0;
}

napi_value sp_number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}
