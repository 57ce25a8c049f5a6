/* CPU feature detection and the forced level (see cpu_level.h). */
#include "cpu_level.h"

#include <string.h>

/* -1 until first use, then the level in use. Written only by sp_cpu_force and by first use, which
 * stores the detected value, so a racing first use from two threads is harmless. */
static volatile int current_level = -1;

sp_cpu_level sp_cpu_best(void) {
  static volatile int best = -1;
  if (best >= 0) return (sp_cpu_level)best;
  int level = SP_CPU_SCALAR;
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse2")) level = SP_CPU_SSE2;
  /* The dispersion row kernels use FMA next to AVX2; no CPU has one without the other in practice. */
  if (level == SP_CPU_SSE2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = SP_CPU_AVX2;
  if (level == SP_CPU_AVX2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("gfni"))
    level = SP_CPU_AVX512_GFNI;
#endif
  best = level;
  return (sp_cpu_level)level;
}

sp_cpu_level sp_cpu_current(void) {
  int level = current_level;
  if (level < 0) {
    level = (int)sp_cpu_best();
    current_level = level;
  }
  return (sp_cpu_level)level;
}

int sp_cpu_force(sp_cpu_level level) {
  if ((int)level < 0 || level > sp_cpu_best()) return -1;
  current_level = (int)level;
  return 0;
}

static const char *const NAMES[] = {"scalar", "sse2", "avx2", "avx512gfni"};

const char *sp_cpu_name(sp_cpu_level level) {
  return (int)level >= 0 && (int)level <= SP_CPU_AVX512_GFNI ? NAMES[level] : "scalar";
}

int sp_cpu_parse(const char *name) {
  for (int i = 0; i <= SP_CPU_AVX512_GFNI; i++)
    if (strcmp(name, NAMES[i]) == 0) return i;
  return -1;
}
