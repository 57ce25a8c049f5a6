/* Node-API argument helpers shared by the spot finders' bindings. */
#ifndef SP_SPOT_NAPI_H
#define SP_SPOT_NAPI_H

#include <node_api.h>

#include "spot_common.h"

/* Reads a Uint16Array / Uint32Array / Int32Array of exactly n elements; throws otherwise. */
int sp_arg_pixels(napi_env env, napi_value v, size_t n, sp_pixels *out);

/* Wraps a heap object as a JS external with a finaliser and a Node-API type tag, so a handle of
 * another kind (or from another module) is refused instead of misread; NULL (and throws) on failure. */
napi_value sp_wrap_external(napi_env env, void *obj, void (*destroy)(void *), const napi_type_tag *tag);
/* Unwraps an external made by sp_wrap_external with the same tag; throws on mismatch. */
void *sp_unwrap_external(napi_env env, napi_value v, const napi_type_tag *tag, const char *what);

#endif
