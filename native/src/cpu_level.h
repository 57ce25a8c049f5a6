/*
 * The one CPU-feature switch for every kernel: which instruction-set level the decoders and the
 * spot finders run at. Detected once; can be forced down (tests run every kernel at every level
 * the CPU has and compare; benchmarks measure each; a user can rule out a suspect level).
 *
 * Levels are ordered: each needs what the ones below it need.
 *   SCALAR       portable C only
 *   SSE2         bit-unshuffle with SSE2
 *   AVX2         AVX2 + FMA: bit-unshuffle, LZ4 copies of 32 bytes, dispersion row kernels,
 *                peakfinder8 seed scan
 *   AVX512_GFNI  AVX-512 F/BW/VBMI + GFNI: bit-unshuffle (the rest as AVX2)
 * Kernels read sp_cpu_current() per call (a plain load), so a forced level takes effect at once.
 */
#ifndef SP_CPU_LEVEL_H
#define SP_CPU_LEVEL_H

typedef enum { SP_CPU_SCALAR = 0, SP_CPU_SSE2 = 1, SP_CPU_AVX2 = 2, SP_CPU_AVX512_GFNI = 3 } sp_cpu_level;

/* The best level this CPU (and this build) supports. */
sp_cpu_level sp_cpu_best(void);
/* The level in use: the best one unless forced with sp_cpu_force. */
sp_cpu_level sp_cpu_current(void);
/* Forces a level; returns -1 (and changes nothing) when the CPU lacks it. */
int sp_cpu_force(sp_cpu_level level);
/* "avx512gfni" | "avx2" | "sse2" | "scalar". */
const char *sp_cpu_name(sp_cpu_level level);
/* The inverse of sp_cpu_name; -1 if unknown. */
int sp_cpu_parse(const char *name);

#endif
