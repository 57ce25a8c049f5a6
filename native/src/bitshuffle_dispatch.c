/* Run-time choice of the bit-unshuffle implementation. */
#include <string.h>

#include "bitshuffle.h"

/* -1 until first use; then the level in use. Written only by sp_simd_set and first use, both
 * idempotent for the auto-detected value, so a racing first use from two threads is harmless. */
static volatile int current_level = -1;

sp_simd_level sp_simd_best(void) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("gfni"))
    return SP_SIMD_AVX512_GFNI;
  if (__builtin_cpu_supports("avx2")) return SP_SIMD_AVX2;
  if (__builtin_cpu_supports("sse2")) return SP_SIMD_SSE2;
#endif
  return SP_SIMD_SCALAR;
}

sp_simd_level sp_simd_current(void) {
  int level = current_level;
  if (level < 0) {
    level = (int)sp_simd_best();
    current_level = level;
  }
  return (sp_simd_level)level;
}

int sp_simd_set(sp_simd_level level) {
  if ((int)level < 0 || level > sp_simd_best()) return -1;
  current_level = (int)level;
  return 0;
}

const char *sp_simd_name(sp_simd_level level) {
  switch (level) {
    case SP_SIMD_AVX512_GFNI: return "avx512gfni";
    case SP_SIMD_AVX2: return "avx2";
    case SP_SIMD_SSE2: return "sse2";
    default: return "scalar";
  }
}

int sp_simd_parse(const char *name) {
  if (strcmp(name, "avx512gfni") == 0) return SP_SIMD_AVX512_GFNI;
  if (strcmp(name, "avx2") == 0) return SP_SIMD_AVX2;
  if (strcmp(name, "sse2") == 0) return SP_SIMD_SSE2;
  if (strcmp(name, "scalar") == 0) return SP_SIMD_SCALAR;
  return -1;
}

void sp_bitunshuffle_block(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  switch (sp_simd_current()) {
    case SP_SIMD_AVX512_GFNI: sp_bitunshuffle_avx512(in, out, n, elem, tmp); break;
    case SP_SIMD_AVX2: sp_bitunshuffle_avx2(in, out, n, elem, tmp); break;
    case SP_SIMD_SSE2: sp_bitunshuffle_sse2(in, out, n, elem, tmp); break;
    default: sp_bitunshuffle_scalar(in, out, n, elem); break;
  }
}

void sp_bitshuffle_block(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  sp_bitshuffle_scalar(in, out, n, elem, tmp);
}
