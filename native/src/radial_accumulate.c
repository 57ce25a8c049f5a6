/*
 * One frame's radial profile from the bin table (see radial_kernel.h).
 *
 * Overflow: a uint64 sum cannot overflow: a frame has < 2^32 pixels of < 2^32 counts each.
 *
 * Speed: consecutive pixels usually share a bin, so a single accumulator array would serialise
 * every add behind the previous store to the same address. Four interleaved accumulator copies
 * (pixel i goes to copy i & 3) keep four independent chains in flight; they are summed at the end.
 * For 1000 bins the copies take 32 KiB, which stays in L1.
 */
#include <math.h>
#include <string.h>

#include "radial_kernel.h"

#define SP_RADIAL_COPIES 4

/* Scratch slots per array: a power of two above the sentinel, so that masking a table entry with
 * slots - 1 (one AND) keeps even a corrupt entry inside the scratch. */
static size_t sp_radial_slots(uint32_t nbins) {
  size_t slots = 1;
  while (slots < (size_t)nbins + 1) slots <<= 1;
  return slots;
}

/* Per bin: the COPIES sums, then the pixels excluded this frame (a uint32 in an 8-byte slot), then
 * their correction factors. */
size_t sp_radial_scratch_length(uint32_t nbins) {
  if (nbins < 1 || nbins > SP_RADIAL_MAX_BINS) return 0;
  return sp_radial_slots(nbins) * (SP_RADIAL_COPIES + 2);
}

typedef struct {
  uint64_t *sum;      /* [ slots * COPIES ], copy k of bin b at b*COPIES + k */
  uint32_t *excluded; /* [slots] pixels excluded this frame */
  double *excl_norm;  /* [slots] their correction factors */
} sp_radial_scratch;

/* One pixel: an integer add into copy K of its bin, or, rarely, the per-frame exclusion path. */
#define SP_RADIAL_PIXEL(I, K)                                                \
  do {                                                                       \
    uint32_t v_ = (uint32_t)px[(I)]; /* int32: negatives wrap above limit */ \
    uint32_t b_ = tab[(I)];                                                  \
    b_ &= slot_mask; /* a corrupt table never indexes out of scratch */      \
    if (__builtin_expect(v_ > limit, 0)) {                                   \
      excluded[b_]++;                                                        \
      if (factor) excl_norm[b_] += factor[(I)];                              \
      dropped++;                                                             \
    } else {                                                                 \
      sum[(size_t)b_ * SP_RADIAL_COPIES + (K)] += v_;                        \
    }                                                                        \
  } while (0)

/* Invalid this frame: a per-type test folded into one unsigned compare against `limit`.
 * noinline keeps each kernel's loop in registers (inlined into the dispatcher it spilled). */
#define SP_RADIAL_INTEGER_KERNEL(NAME, TYPE)                                                                      \
  __attribute__((noinline)) static uint64_t NAME(const TYPE *restrict px, const uint16_t *restrict tab, size_t n, \
                                                 uint32_t slot_mask, uint32_t limit, const float *factor,         \
                                                 const sp_radial_scratch *s) {                                    \
    uint64_t *restrict sum = s->sum;                                                                              \
    uint32_t *restrict excluded = s->excluded;                                                                    \
    double *restrict excl_norm = s->excl_norm;                                                                    \
    uint64_t dropped = 0;                                                                                         \
    size_t i = 0;                                                                                                 \
    for (; i + SP_RADIAL_COPIES <= n; i += SP_RADIAL_COPIES) {                                                    \
      SP_RADIAL_PIXEL(i, 0);                                                                                      \
      SP_RADIAL_PIXEL(i + 1, 1);                                                                                  \
      SP_RADIAL_PIXEL(i + 2, 2);                                                                                  \
      SP_RADIAL_PIXEL(i + 3, 3);                                                                                  \
    }                                                                                                             \
    for (; i < n; i++) SP_RADIAL_PIXEL(i, 0);                                                                     \
    return dropped;                                                                                               \
  }

SP_RADIAL_INTEGER_KERNEL(sp_radial_u8, uint8_t)
SP_RADIAL_INTEGER_KERNEL(sp_radial_u16, uint16_t)
SP_RADIAL_INTEGER_KERNEL(sp_radial_u32, uint32_t)
/* int32: negative values (PILATUS gaps -1, dead -2) become > 2^31 and fail the compare */
SP_RADIAL_INTEGER_KERNEL(sp_radial_i32, int32_t)

/* float32 (test data from other detectors): doubles, NaN and values above the limit are invalid.
 * The sums are kept in the uint64 scratch slots reinterpreted as doubles. */
__attribute__((noinline)) static uint64_t sp_radial_f32(const float *px, const uint16_t *tab, size_t n,
                                                        uint32_t slot_mask, double limit, const float *factor,
                                                        const sp_radial_scratch *s) {
  double *sum = (double *)s->sum;
  uint64_t dropped = 0;
  for (size_t i = 0; i < n; i++) {
    float v = px[i];
    uint32_t b = tab[i];
    b &= slot_mask;
    if (!(v <= limit)) {
      s->excluded[b]++;
      if (factor) s->excl_norm[b] += factor[i];
      dropped++;
    } else {
      sum[(size_t)b * SP_RADIAL_COPIES + (i & (SP_RADIAL_COPIES - 1))] += v;
    }
  }
  return dropped;
}

/* Every check before the first write, so a refused call leaves the outputs as they were. */
static sp_radial_status sp_radial_frame_check(const sp_radial_frame_args *a) {
  size_t nbins = a->nbins;
  if (nbins < 1 || nbins > SP_RADIAL_MAX_BINS) return SP_RADIAL_BAD_NBINS;
  if ((unsigned)a->pixel_type > SP_RADIAL_F32) return SP_RADIAL_BAD_PIXEL_TYPE;
  if (a->pixel_count != a->table_len) return SP_RADIAL_BAD_PIXELS;
  if (isnan(a->limit)) return SP_RADIAL_BAD_LIMIT;
  if (a->scratch_len < sp_radial_scratch_length(a->nbins)) return SP_RADIAL_BAD_SCRATCH;
  if (a->static_count_len != nbins) return SP_RADIAL_BAD_STATIC_COUNT;
  if (a->mean_len != nbins) return SP_RADIAL_BAD_MEAN;
  if (a->count_len != nbins) return SP_RADIAL_BAD_COUNT;
  if (a->static_norm_len != 0 && a->static_norm_len != nbins) return SP_RADIAL_BAD_STATIC_NORM;
  if (a->static_norm_len != 0 && a->factor_len != a->table_len) return SP_RADIAL_BAD_FACTOR;
  return SP_RADIAL_OK;
}

sp_radial_status sp_radial_accumulate(const sp_radial_frame_args *a, uint64_t *dropped_out) {
  sp_radial_status st = sp_radial_frame_check(a);
  if (st != SP_RADIAL_OK) return st;
  const uint32_t nbins = a->nbins;
  const size_t n = a->table_len, slots = sp_radial_slots(nbins);
  const uint32_t slot_mask = (uint32_t)(slots - 1);
  const sp_radial_pixel_type type = a->pixel_type;
  const int corrected = a->static_norm_len != 0;

  uint8_t *scr = (uint8_t *)a->scratch;
  sp_radial_scratch s;
  s.sum = (uint64_t *)scr;
  s.excluded = (uint32_t *)(scr + slots * SP_RADIAL_COPIES * 8);
  s.excl_norm = (double *)(scr + slots * SP_RADIAL_COPIES * 8 + slots * 8);
  memset(scr, 0, slots * (SP_RADIAL_COPIES + 2) * 8);
  const uint16_t *tab = a->table;
  const float *factor = corrected ? a->factor : NULL;

  /* The largest valid value per type: saturation, capped below the all-ones marker. */
  double cap = type == SP_RADIAL_U8    ? 254.0
               : type == SP_RADIAL_U16 ? 65534.0
               : type == SP_RADIAL_U32 ? 4294967294.0
                                       : 2147483647.0;
  double limit = a->limit;
  double lim = limit < cap ? limit : cap;
  uint32_t ulim = lim < 0 ? 0 : (uint32_t)floor(lim);
  int none_valid = lim < 0;
  uint64_t dropped;
  switch (type) {
    case SP_RADIAL_U8: dropped = sp_radial_u8(a->pixels, tab, n, slot_mask, ulim, factor, &s); break;
    case SP_RADIAL_U16: dropped = sp_radial_u16(a->pixels, tab, n, slot_mask, ulim, factor, &s); break;
    case SP_RADIAL_U32: dropped = sp_radial_u32(a->pixels, tab, n, slot_mask, ulim, factor, &s); break;
    case SP_RADIAL_I32: dropped = sp_radial_i32(a->pixels, tab, n, slot_mask, ulim, factor, &s); break;
    default: dropped = sp_radial_f32(a->pixels, tab, n, slot_mask, limit, factor, &s); break;
  }
  if (none_valid && type != SP_RADIAL_F32) {
    /* A negative limit means nothing is valid; the integer kernels cannot express it. */
    memset(s.sum, 0, slots * SP_RADIAL_COPIES * 8);
  }

  const uint32_t *static_count = a->static_count;
  const double *static_norm = corrected ? a->static_norm : NULL;
  for (uint32_t b = 0; b < nbins; b++) {
    const uint64_t *c = s.sum + (size_t)b * SP_RADIAL_COPIES;
    double total;
    if (type == SP_RADIAL_F32) {
      const double *d = (const double *)c;
      total = (d[0] + d[1]) + (d[2] + d[3]);
    } else {
      total = (double)(c[0] + c[1] + c[2] + c[3]);
    }
    uint32_t excl = s.excluded[b];
    uint32_t cnt = static_count[b] > excl ? static_count[b] - excl : 0;
    if (none_valid) cnt = 0;
    double norm = static_norm ? static_norm[b] - s.excl_norm[b] : (double)cnt;
    a->count[b] = cnt;
    a->mean[b] = cnt > 0 && norm != 0.0 ? total / norm : NAN;
  }
  *dropped_out = dropped;
  return SP_RADIAL_OK;
}
