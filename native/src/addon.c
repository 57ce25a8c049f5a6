/* Addon entry point: publishes every function registered with SP_EXPORT (see module.h). */
#include "module.h"

#define SP_MAX_EXPORTS 128

static sp_export_entry sp_exports[SP_MAX_EXPORTS];
static int sp_export_count = 0;

void sp_register_export(const char *name, napi_callback fn) {
  if (sp_export_count < SP_MAX_EXPORTS) {
    sp_exports[sp_export_count].name = name;
    sp_exports[sp_export_count].fn = fn;
    sp_export_count++;
  }
}

static napi_value init(napi_env env, napi_value exports) {
  for (int i = 0; i < sp_export_count; i++) {
    napi_value fn;
    if (napi_create_function(env, sp_exports[i].name, NAPI_AUTO_LENGTH, sp_exports[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, sp_exports[i].name, fn) != napi_ok) {
      napi_throw_error(env, "ERR_ADDON_INIT", sp_exports[i].name);
      return NULL;
    }
  }
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
