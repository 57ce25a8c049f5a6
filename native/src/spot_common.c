#include "spot_common.h"

#include <stdlib.h>

int sp_vec_reserve(sp_vec *v, size_t n) {
  if (n <= v->cap) return 0;
  size_t cap = v->cap ? v->cap : 4096;
  while (cap < n) cap *= 2;
  void *p = realloc(v->ptr, cap * v->elem);
  if (!p) return -1;
  v->ptr = p;
  v->cap = cap;
  return 0;
}

void sp_vec_free(sp_vec *v) {
  free(v->ptr);
  v->ptr = NULL;
  v->cap = 0;
}
