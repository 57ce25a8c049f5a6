/*
 * Radial profile (azimuthal average): the per-geometry bin table and the per-frame kernel.
 *
 * This header is free of Node-API so the same sources link into the addon (radial_napi.c), the
 * libFuzzer target (native/fuzz/fuzz_radial.c) and the sanitizer harness (native/test/asan_radial.c).
 * Each entry point checks every length and value it relies on before touching memory and returns
 * a status naming the argument it refused; nothing is written then. A table entry can hold any
 * value (a corrupt table still stays inside the scratch), a pixel any value, a limit any number.
 *
 * sp_radial_build_table (once per geometry, mask and bin layout):
 *   for every pixel, its radial coordinate in the bin unit, then its bin index
 *   floor((x - min) / delta) into a uint16 table; masked or out-of-range pixels get the sentinel
 *   nbins. Also the static per-bin pixel count and, when corrections are on, the per-pixel
 *   correction factor c = solid angle x polarisation and its per-bin sum.
 *
 * sp_radial_accumulate (per frame): one streaming pass over pixels and table. Each bin's integer sum
 *   goes into a uint64 accumulator; pixels whose value is invalid this frame (the type's all-ones
 *   value, negative int32, NaN, above saturation) are counted per bin and, with corrections, their
 *   factor is subtracted from the static per-bin sum. So the inner loop does one integer add per
 *   pixel and never touches a double, with or without corrections, and the output is
 *     mean[b] = sum[b] / (staticNorm[b] - excludedNorm[b])
 *   which is pyFAI's Sum(signal) / Sum(normalisation) (integrate1d_ng, no pixel splitting); without
 *   corrections the normalisation of a pixel is 1 and this is the plain mean.
 */
#ifndef SP_RADIAL_KERNEL_H
#define SP_RADIAL_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* The table is uint16 and nbins itself is the "no bin" sentinel. */
#define SP_RADIAL_MAX_BINS 65535u

/* Bin units; RadialUnitCode in src/stages/analysis/radialNative.ts. */
enum { SP_UNIT_Q = 0, SP_UNIT_2THETA = 1, SP_UNIT_D = 2 };

/* Pixel types of a frame (the TypedArray it arrives in). */
typedef enum { SP_RADIAL_U8 = 0, SP_RADIAL_U16, SP_RADIAL_U32, SP_RADIAL_I32, SP_RADIAL_F32 } sp_radial_pixel_type;

/* What an entry point refused: each names one argument (radial_napi.c words the message). */
typedef enum {
  SP_RADIAL_OK = 0,
  SP_RADIAL_BAD_GEOMETRY,     /* see sp_geometry_problem (radial_geometry.h) */
  SP_RADIAL_BAD_UNIT,         /* not SP_UNIT_* */
  SP_RADIAL_BAD_EDGES,        /* min not finite, delta not finite and > 0, nbins not 1..SP_RADIAL_MAX_BINS */
  SP_RADIAL_BAD_NBINS,        /* not 1..SP_RADIAL_MAX_BINS */
  SP_RADIAL_BAD_VALID,        /* valid mask neither empty nor one byte per pixel */
  SP_RADIAL_BAD_TABLE,        /* not one entry per pixel */
  SP_RADIAL_BAD_PIXEL_TYPE,   /* not an sp_radial_pixel_type */
  SP_RADIAL_BAD_PIXELS,       /* not one pixel per table entry */
  SP_RADIAL_BAD_LIMIT,        /* NaN (infinities are fine) */
  SP_RADIAL_BAD_SCRATCH,      /* shorter than sp_radial_scratch_length(nbins) */
  SP_RADIAL_BAD_STATIC_COUNT, /* not nbins entries */
  SP_RADIAL_BAD_STATIC_NORM,  /* with corrections: not nbins entries (accumulate: nor empty) */
  SP_RADIAL_BAD_FACTOR,       /* with corrections: not one per pixel */
  SP_RADIAL_BAD_MEAN,         /* not nbins entries */
  SP_RADIAL_BAD_COUNT,        /* not nbins entries */
} sp_radial_status;

/* Inputs and outputs of the table build; every length is in elements. */
typedef struct {
  const double *geometry;    /* SP_GEOM_FIELDS values (radial_geometry.h); n = width * height */
  uint32_t unit;             /* SP_UNIT_* */
  const double *edges;       /* 3 values: min, delta, nbins (bin b is [min + b delta, min + (b+1) delta)) */
  const double *corrections; /* 2 values: solid angle 0|1, polarisation factor or NaN for none */
  const uint8_t *valid;      /* valid_len 0: every pixel valid, else n bytes, 0 = masked */
  size_t valid_len;
  uint16_t *table; /* out, n */
  size_t table_len;
  uint32_t *static_count; /* out, nbins */
  size_t static_count_len;
  float *factor; /* out, n, with corrections (else not touched) */
  size_t factor_len;
  double *static_norm; /* out, nbins, with corrections (else not touched) */
  size_t static_norm_len;
} sp_radial_table_args;

sp_radial_status sp_radial_build_table(const sp_radial_table_args *a);

/* Doubles of scratch sp_radial_accumulate needs for nbins bins; 0 when nbins is out of range. */
size_t sp_radial_scratch_length(uint32_t nbins);

/* Inputs and outputs of one frame's accumulation; every length is in elements. */
typedef struct {
  const void *pixels; /* pixel_count values of pixel_type */
  size_t pixel_count;
  sp_radial_pixel_type pixel_type;
  const uint16_t *table; /* from sp_radial_build_table; any value is safe */
  size_t table_len;
  uint32_t nbins;
  double limit;    /* largest valid value; above it (or negative: everything) is invalid this frame */
  double *scratch; /* sp_radial_scratch_length(nbins) or more; overwritten */
  size_t scratch_len;
  const uint32_t *static_count; /* nbins */
  size_t static_count_len;
  const double *static_norm; /* static_norm_len 0: no corrections, else nbins */
  size_t static_norm_len;
  const float *factor; /* one per pixel with static_norm, else not read */
  size_t factor_len;
  double *mean; /* out, nbins: NaN for a bin without valid pixels */
  size_t mean_len;
  uint32_t *count; /* out, nbins: valid pixels per bin this frame */
  size_t count_len;
} sp_radial_frame_args;

/* On SP_RADIAL_OK, *dropped is the number of pixels with an invalid value this frame, masked
 * ones among them. */
sp_radial_status sp_radial_accumulate(const sp_radial_frame_args *a, uint64_t *dropped);

#endif
