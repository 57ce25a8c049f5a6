/* cpuLevel() / setCpuLevel(name): the level every kernel runs at (cpu_level.h). */
#include "cpu_level.h"
#include "module.h"
#include "napi_args.h"

#define SP_CPU_LEVEL_NAMES "\"avx512gfni\", \"avx2\", \"sse2\" or \"scalar\""

static napi_value js_cpu_level(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  napi_create_string_utf8(env, sp_cpu_name(sp_cpu_current()), NAPI_AUTO_LENGTH, &s);
  return s;
}
SP_EXPORT("cpuLevel", js_cpu_level)

/* Throws ERR_INVALID_ARG for an unknown name, ERR_UNSUPPORTED for a level this CPU lacks. */
static napi_value js_set_cpu_level(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc, len;
  char name[16];
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
    return sp_throw(env, "ERR_INVALID_ARG", "level must be a string: " SP_CPU_LEVEL_NAMES);
  int level = sp_cpu_parse(name);
  if (level < 0)
    return sp_throw(env, "ERR_INVALID_ARG", "unknown CPU level \"%s\" (expected " SP_CPU_LEVEL_NAMES ")", name);
  if (sp_cpu_force((sp_cpu_level)level) != 0)
    return sp_throw(env, "ERR_UNSUPPORTED", "this CPU does not support level \"%s\" (best: %s)", name,
                    sp_cpu_name(sp_cpu_best()));
  return js_cpu_level(env, info);
}
SP_EXPORT("setCpuLevel", js_set_cpu_level)
