#include "spot_napi.h"

#include "napi_args.h"

int sp_arg_pixels(napi_env env, napi_value v, size_t n, sp_pixels *out) {
  static const char expected[] = "a Uint16Array, Uint32Array or Int32Array";
  napi_typedarray_type t;
  size_t length;
  void *ptr;
  if (sp_arg_typedarray(env, v, "pixels", expected, &t, &ptr, &length)) return -1;
  switch (t) {
    case napi_uint16_array: out->type = SP_PIX_U16; break;
    case napi_uint32_array: out->type = SP_PIX_U32; break;
    case napi_int32_array: out->type = SP_PIX_I32; break;
    default: sp_throw(env, "ERR_INVALID_ARG", "pixels must be %s", expected); return -1;
  }
  if (length != n) {
    sp_throw(env, "ERR_INVALID_ARG", "pixels has %zu elements, the frame has %zu", length, n);
    return -1;
  }
  out->data = ptr;
  return 0;
}

static void sp_external_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  void (*destroy)(void *) = (void (*)(void *))hint;
  if (destroy) destroy(data);
}

napi_value sp_wrap_external(napi_env env, void *obj, void (*destroy)(void *), const napi_type_tag *tag) {
  napi_value ext;
  if (napi_create_external(env, obj, sp_external_finalize, (void *)destroy, &ext) != napi_ok) {
    destroy(obj);
    return sp_throw(env, "ERR_NO_MEMORY", "cannot create a workspace handle");
  }
  if (napi_type_tag_object(env, ext, tag) != napi_ok)
    return sp_throw(env, "ERR_INTERNAL", "cannot tag a workspace handle");
  return ext;
}

void *sp_unwrap_external(napi_env env, napi_value v, const napi_type_tag *tag, const char *what) {
  napi_valuetype t;
  bool ok = false;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be a workspace handle", what);
    return NULL;
  }
  if (napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok ||
      napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    sp_throw(env, "ERR_INVALID_ARG", "%s is a handle of another kind", what);
    return NULL;
  }
  return data;
}
