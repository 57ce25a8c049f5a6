/* Errors and scratch memory shared by the frame decoders and encoders. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "frame_codec.h"

const char *sp_status_code(sp_status status) {
  switch (status) {
    case SP_OK: return "OK";
    case SP_ERR_INVALID_ARG: return "ERR_INVALID_ARG";
    case SP_ERR_TRUNCATED: return "ERR_TRUNCATED";
    case SP_ERR_SIZE_MISMATCH: return "ERR_SIZE_MISMATCH";
    case SP_ERR_LZ4_CORRUPT: return "ERR_LZ4_CORRUPT";
    case SP_ERR_BAD_HEADER: return "ERR_BAD_HEADER";
    case SP_ERR_TRAILING_DATA: return "ERR_TRAILING_DATA";
    case SP_ERR_NO_MEMORY: return "ERR_NO_MEMORY";
  }
  return "ERR_UNKNOWN";
}

sp_status sp_fail(sp_codec_error *err, sp_status status, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
  }
  return status;
}

sp_status sp_scratch_reserve(sp_scratch *scratch, size_t bytes, sp_codec_error *err) {
  if (scratch->capacity >= bytes) return SP_OK;
  /* Aligned to 64 bytes so SIMD loads of a block never straddle more cache lines than needed. */
  size_t rounded = (bytes + 63) & ~(size_t)63;
  uint8_t *p = aligned_alloc(64, rounded);
  if (!p) return sp_fail(err, SP_ERR_NO_MEMORY, "cannot allocate %zu bytes of decoder scratch", rounded);
  free(scratch->data);
  scratch->data = p;
  scratch->capacity = rounded;
  return SP_OK;
}

void sp_scratch_free(sp_scratch *scratch) {
  free(scratch->data);
  scratch->data = NULL;
  scratch->capacity = 0;
}
