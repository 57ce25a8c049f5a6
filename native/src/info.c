/* Build information, so tests and the benchmark can say which addon they measured. */
#include "module.h"
#include "napi_args.h"

static napi_value sp_build_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  napi_create_object(env, &obj);
#if defined(__clang__)
  napi_create_string_utf8(env, "clang " __clang_version__, NAPI_AUTO_LENGTH, &v);
#elif defined(__GNUC__)
  napi_create_string_utf8(env, "gcc " __VERSION__, NAPI_AUTO_LENGTH, &v);
#else
  napi_create_string_utf8(env, "unknown", NAPI_AUTO_LENGTH, &v);
#endif
  napi_set_named_property(env, obj, "compiler", v);
  return obj;
}
SP_EXPORT("buildInfo", sp_build_info)
