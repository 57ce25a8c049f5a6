/* Run-time choice of the bit-unshuffle implementation, by the CPU level (cpu_level.h). */
#include "bitshuffle.h"
#include "cpu_level.h"

void sp_bitunshuffle_block(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  switch (sp_cpu_current()) {
    case SP_CPU_AVX512_GFNI: sp_bitunshuffle_avx512(in, out, n, elem, tmp); break;
    case SP_CPU_AVX2: sp_bitunshuffle_avx2(in, out, n, elem, tmp); break;
    case SP_CPU_SSE2: sp_bitunshuffle_sse2(in, out, n, elem, tmp); break;
    default: sp_bitunshuffle_scalar(in, out, n, elem); break;
  }
}

void sp_bitshuffle_block(const uint8_t *in, uint8_t *out, size_t n, size_t elem, uint8_t *tmp) {
  sp_bitshuffle_scalar(in, out, n, elem, tmp);
}
