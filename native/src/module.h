/*
 * Registration of the addon's functions.
 *
 * Each C file that exposes functions to JavaScript declares them with SP_EXPORT(name, fn).
 * A constructor attribute appends the pair to a static table before Node loads the addon,
 * so adding a feature means adding a file: no shared list to edit.
 */
#ifndef SP_MODULE_H
#define SP_MODULE_H

#include <node_api.h>

typedef struct {
  const char *name;
  napi_callback fn;
} sp_export_entry;

void sp_register_export(const char *name, napi_callback fn);

#define SP_EXPORT_CONCAT2(a, b) a##b
#define SP_EXPORT_CONCAT(a, b)  SP_EXPORT_CONCAT2(a, b)
#define SP_EXPORT(js_name, c_fn) \
  __attribute__((constructor)) static void SP_EXPORT_CONCAT(sp_reg_, c_fn)(void) { sp_register_export(js_name, c_fn); }

#endif
