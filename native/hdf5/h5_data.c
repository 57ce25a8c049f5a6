/* Attributes and small datasets: strings, numbers, typed arrays with a shape, optional gzip. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "h5_common.h"

/* A string or an array of strings (variable-length UTF-8). */
typedef struct {
  char **items;
  uint32_t count;
  int array; /* 1-D (an array was given) or scalar */
} strings;

static void strings_free(strings *s) {
  for (uint32_t i = 0; i < s->count; i++) free(s->items[i]);
  free(s->items);
  s->items = NULL;
  s->count = 0;
}

/* 1: read a string or string array into s; 0: value is neither (nothing thrown); -1: thrown. */
static int arg_strings(napi_env env, napi_value v, const char *what, strings *s) {
  memset(s, 0, sizeof *s);
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    s->items = calloc(1, sizeof(char *));
    if (!s->items) return sp_throw(env, "ERR_NO_MEMORY", "out of memory"), -1;
    s->items[0] = sp_h5_arg_string(env, v, what);
    if (!s->items[0]) return strings_free(s), -1;
    s->count = 1;
    return 1;
  }
  bool is = false;
  if (napi_is_array(env, v, &is) != napi_ok || !is) return 0;
  uint32_t n;
  napi_get_array_length(env, v, &n);
  s->array = 1;
  s->items = calloc(n ? n : 1, sizeof(char *));
  if (!s->items) return sp_throw(env, "ERR_NO_MEMORY", "out of memory"), -1;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    char label[96];
    snprintf(label, sizeof label, "%s[%u]", what, i);
    napi_get_element(env, v, i, &e);
    s->items[i] = sp_h5_arg_string(env, e, label);
    if (!s->items[i]) return strings_free(s), -1;
    s->count = i + 1;
  }
  s->count = n;
  return 1;
}

static hid_t strings_space(const strings *s) {
  hsize_t n = s->count;
  return s->array ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
}

static hid_t numeric_space(const sp_h5_numeric *v) {
  return v->rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(v->rank, v->dims, NULL);
}

static napi_value set_attribute(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  sp_h5_obj *o;
  if (sp_get_args(env, info, 3, 4, argv, &argc) != 0 || sp_h5_unwrap(env, argv[0], "object", SP_H5_ANY, &o) != 0)
    return NULL;
  if (argc < 4) napi_get_undefined(env, &argv[3]);
  char *name = sp_h5_arg_string(env, argv[1], "attribute name");
  if (!name) return NULL;
  strings s;
  sp_h5_numeric num;
  hid_t type = -1, space = -1, attr = -1;
  int is_str = arg_strings(env, argv[2], name, &s);
  if (is_str < 0) goto done;
  if (!is_str && sp_h5_arg_numeric(env, argv[2], argv[3], name, &num) != 0) goto done;

  if (H5Aexists(o->id, name) > 0 && H5Adelete(o->id, name) < 0) {
    sp_h5_throw(env, "cannot replace attribute %s of %s in %s", name, o->path, o->file);
    goto done;
  }
  if (is_str) {
    type = sp_h5_vlen_string_type();
    space = strings_space(&s);
  } else {
    space = numeric_space(&num);
  }
  hid_t t = is_str ? type : num.type;
  if (t < 0 || space < 0 || (attr = H5Acreate2(o->id, name, t, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
      H5Awrite(attr, t, is_str ? (const void *)s.items : num.data) < 0) {
    sp_h5_throw(env, "cannot write attribute %s of %s in %s", name, o->path, o->file);
    goto done;
  }
done:
  if (attr >= 0) H5Aclose(attr);
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  if (is_str > 0) strings_free(&s);
  free(name);
  return NULL;
}
SP_EXPORT("setAttribute", set_attribute)

/* Chunks for a compressed dataset: whole trailing dimensions, the first cut to about 1 MiB. */
static void choose_chunks(const sp_h5_numeric *v, size_t elem, hsize_t *chunk) {
  size_t row = elem;
  for (int i = 1; i < v->rank; i++) row *= v->dims[i] ? v->dims[i] : 1;
  hsize_t rows = (hsize_t)((1u << 20) / (row ? row : 1));
  if (rows < 1) rows = 1;
  chunk[0] = v->dims[0] < rows ? v->dims[0] : rows;
  for (int i = 1; i < v->rank; i++) chunk[i] = v->dims[i];
}

static napi_value write_dataset(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  sp_h5_obj *parent;
  if (sp_get_args(env, info, 3, 4, argv, &argc) != 0 ||
      sp_h5_unwrap(env, argv[0], "parent", SP_H5_LOCATION, &parent) != 0)
    return NULL;
  napi_value shape, gzip_v;
  napi_get_undefined(env, &shape);
  napi_get_undefined(env, &gzip_v);
  if (argc == 4) {
    napi_valuetype ot;
    napi_typeof(env, argv[3], &ot);
    if (ot == napi_object) {
      napi_get_named_property(env, argv[3], "shape", &shape);
      napi_get_named_property(env, argv[3], "gzip", &gzip_v);
    } else if (ot != napi_undefined) {
      return sp_throw(env, "ERR_INVALID_ARG", "options must be an object");
    }
  }
  char *name = sp_h5_arg_string(env, argv[1], "dataset name");
  if (!name) return NULL;
  char *path = sp_h5_child_path(parent, name);
  napi_value result = NULL;
  strings s;
  sp_h5_numeric num;
  hid_t type = -1, space = -1, dcpl = -1, did = -1;
  int is_str = -1;
  if (!path) {
    sp_throw(env, "ERR_NO_MEMORY", "out of memory");
    goto done;
  }
  is_str = arg_strings(env, argv[2], path, &s);
  if (is_str < 0) goto done;
  if (!is_str && sp_h5_arg_numeric(env, argv[2], shape, path, &num) != 0) goto done;
  uint32_t gzip = 0;
  napi_valuetype gt;
  napi_typeof(env, gzip_v, &gt);
  if (gt != napi_undefined && gt != napi_null) {
    if (sp_arg_uint32(env, gzip_v, "gzip level", &gzip) != 0) goto done;
    if (gzip > 9) {
      sp_throw(env, "ERR_INVALID_ARG", "gzip level must be 0..9");
      goto done;
    }
  }
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (is_str) {
    type = sp_h5_vlen_string_type();
    space = strings_space(&s);
  } else {
    space = numeric_space(&num);
    size_t total = 1;
    for (int i = 0; i < num.rank; i++) total *= (size_t)num.dims[i];
    if (gzip > 0 && num.rank > 0 && total > 0) {
      hsize_t chunk[32];
      choose_chunks(&num, H5Tget_size(num.type), chunk);
      if (H5Pset_chunk(dcpl, num.rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, gzip) < 0) {
        sp_h5_throw(env, "cannot create %s in %s: compression properties", path, parent->file);
        goto done;
      }
    }
  }
  hid_t t = is_str ? type : num.type;
  if (dcpl < 0 || t < 0 || space < 0 ||
      (did = H5Dcreate2(parent->id, name, t, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0) {
    sp_h5_throw(env, "cannot create %s in %s", path, parent->file);
    goto done;
  }
  size_t count = is_str ? s.count : num.count;
  if (count > 0 && H5Dwrite(did, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, is_str ? (const void *)s.items : num.data) < 0) {
    sp_h5_throw(env, "cannot write %s in %s", path, parent->file);
    goto done;
  }
  result = sp_h5_wrap(env, SP_H5_DATASET, did, parent->file, path);
  did = -1; /* owned by the handle now */
done:
  if (did >= 0) {
    H5Dclose(did);
    H5Eclear2(H5E_DEFAULT);
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  if (is_str > 0) strings_free(&s);
  free(path);
  free(name);
  return result;
}
SP_EXPORT("writeDataset", write_dataset)
