/*
 * The checking core of the fixed-case sanitizer harnesses (asan_decode.c, asan_radial.c): CHECK
 * counts every check and reports each failure with its line, and the summary line is what
 * test/native-asan.test.ts looks for. One translation unit per harness, hence the statics.
 */
#ifndef SP_TEST_HARNESS_H
#define SP_TEST_HARNESS_H

#include <stdio.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      failures++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fputc('\n', stderr);                                 \
    }                                                      \
  } while (0)

/* Prints "N checks, M failures" and returns the exit status. */
static inline int harness_summary(void) {
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}

#endif
