/* Attributes and small datasets: strings, numbers, typed arrays with a shape, optional gzip. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "h5_common.h"

/* A value to store: a string or string array (variable-length UTF-8), a number (float64 scalar)
 * or a typed array (its element type; 1-D unless a shape is given, [] = scalar). */
typedef struct {
  hid_t type;  /* predefined, or the string type (owned) */
  hid_t space; /* owned */
  const void *data;
  size_t count;
  int rank; /* -1 for strings */
  hsize_t dims[32];
  char **strings;
  double scalar;
} value_t;

static void value_free(value_t *v) {
  if (v->rank < 0) {
    for (size_t i = 0; i < v->count; i++) free(v->strings[i]);
    free(v->strings);
  }
  sp_h5_close_ids(2, v->rank < 0 ? v->type : -1, v->space);
  memset(v, 0, sizeof *v);
  v->type = v->space = -1;
}

/* Strings: 1 when `value` is a string or an array (of strings), 0 when neither, -1 thrown. */
static int read_strings(napi_env env, napi_value value, const char *what, value_t *v) {
  napi_valuetype t;
  bool is_array = false;
  napi_typeof(env, value, &t);
  if (t != napi_string && (napi_is_array(env, value, &is_array) != napi_ok || !is_array)) return 0;
  uint32_t n = 1;
  if (is_array) napi_get_array_length(env, value, &n);
  v->rank = -1;
  v->strings = calloc(n ? n : 1, sizeof(char *));
  if (!v->strings) return sp_throw(env, "ERR_NO_MEMORY", "out of memory"), -1;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e = value;
    char label[128];
    snprintf(label, sizeof label, "%s[%u]", what, i);
    if (is_array) napi_get_element(env, value, i, &e);
    if (!(v->strings[i] = sp_h5_arg_string(env, e, label))) return -1;
    v->count = i + 1;
  }
  hsize_t len = n;
  v->type = H5Tcopy(H5T_C_S1);
  if (v->type >= 0 && (H5Tset_size(v->type, H5T_VARIABLE) < 0 || H5Tset_cset(v->type, H5T_CSET_UTF8) < 0))
    return sp_h5_throw(env, "%s: string type", what), -1;
  v->space = is_array ? H5Screate_simple(1, &len, NULL) : H5Screate(H5S_SCALAR);
  v->data = v->strings;
  return 1;
}

static int read_numbers(napi_env env, napi_value value, napi_value shape, const char *what, value_t *v) {
  napi_valuetype t;
  napi_typeof(env, value, &t);
  bool is = false;
  if (t == napi_number) {
    if (sp_arg_double(env, value, what, &v->scalar) != 0) return -1;
    v->type = H5T_IEEE_F64LE;
    v->data = &v->scalar;
    v->count = 1;
    v->rank = 0;
  } else if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    static const struct {
      napi_typedarray_type js;
      const char *name;
    } TYPES[] = {
        {napi_uint8_array, "uint8"},      {napi_int8_array, "int8"},       {napi_uint16_array, "uint16"},
        {napi_int16_array, "int16"},      {napi_uint32_array, "uint32"},   {napi_int32_array, "int32"},
        {napi_float32_array, "float32"},  {napi_float64_array, "float64"}, {napi_bigint64_array, "int64"},
        {napi_biguint64_array, "uint64"},
    };
    napi_typedarray_type tt;
    size_t length, offset;
    napi_value ab;
    void *ptr;
    napi_get_typedarray_info(env, value, &tt, &length, &ptr, &ab, &offset);
    v->type = -1;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
      if (TYPES[i].js == tt) v->type = sp_h5_type_by_name(TYPES[i].name);
    if (v->type < 0) return sp_throw(env, "ERR_INVALID_ARG", "%s: Uint8ClampedArray is not supported", what), -1;
    v->data = ptr;
    v->count = length;
    v->rank = 1;
    v->dims[0] = length;
  } else {
    return sp_throw(env, "ERR_INVALID_ARG", "%s must be a string, a number or a typed array", what), -1;
  }
  napi_valuetype st;
  napi_typeof(env, shape, &st);
  if (st != napi_undefined && st != napi_null) {
    char label[160];
    snprintf(label, sizeof label, "%s shape", what);
    int rank = sp_h5_arg_dims(env, shape, label, v->dims, 32);
    if (rank < 0) return -1;
    size_t total = 1;
    for (int i = 0; i < rank; i++) total *= (size_t)v->dims[i];
    if (total != v->count)
      return sp_throw(env, "ERR_SIZE_MISMATCH", "%s has %zu elements but its shape holds %zu", what, v->count, total),
             -1;
    v->rank = rank;
  }
  v->space = v->rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(v->rank, v->dims, NULL);
  return 0;
}

/* Reads a value; 0, or -1 after throwing. Release with value_free either way. */
static int read_value(napi_env env, napi_value value, napi_value shape, const char *what, value_t *v) {
  memset(v, 0, sizeof *v);
  v->type = v->space = -1;
  int s = read_strings(env, value, what, v);
  if (s < 0) return -1;
  if (s == 0 && read_numbers(env, value, shape, what, v) != 0) return -1;
  if (v->type < 0 || v->space < 0) return sp_h5_throw(env, "%s: datatype or dataspace", what), -1;
  return 0;
}

/* setAttribute(object, name, value, shape?): sets or replaces an attribute. */
static napi_value set_attribute(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 3, 4, SP_H5_ANY, 0, &c) != 0) return NULL;
  sp_h5_obj *o = c.obj;
  char *name = sp_h5_arg_string(env, c.argv[1], "attribute name");
  if (!name) return NULL;
  value_t v;
  hid_t attr = -1;
  if (read_value(env, c.argv[2], c.argv[3], name, &v) != 0) goto done;
  if (H5Aexists(o->id, name) > 0 && H5Adelete(o->id, name) < 0) {
    sp_h5_throw(env, "cannot replace attribute %s of %s in %s", name, o->path, o->file);
    goto done;
  }
  if ((attr = H5Acreate2(o->id, name, v.type, v.space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
      H5Awrite(attr, v.type, v.data) < 0)
    sp_h5_throw(env, "cannot write attribute %s of %s in %s", name, o->path, o->file);
done:
  sp_h5_close_ids(1, attr);
  value_free(&v);
  free(name);
  return NULL;
}
SP_EXPORT("setAttribute", set_attribute)

/* Chunks for a compressed dataset: whole trailing dimensions, the first cut to about 1 MiB. */
static void choose_chunks(const value_t *v, size_t elem, hsize_t *chunk) {
  size_t row = elem;
  for (int i = 1; i < v->rank; i++) row *= v->dims[i] ? v->dims[i] : 1;
  hsize_t rows = (hsize_t)((1u << 20) / (row ? row : 1));
  if (rows < 1) rows = 1;
  chunk[0] = v->dims[0] < rows ? v->dims[0] : rows;
  for (int i = 1; i < v->rank; i++) chunk[i] = v->dims[i];
}

/* writeDataset(parent, name, value, {shape?, gzip?}): creates and writes a dataset; returns it open. */
static napi_value write_dataset(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 3, 4, SP_H5_LOCATION, 1, &c) != 0) return NULL;
  napi_value shape = c.argv[3], gzip_v = c.argv[3], result = NULL;
  napi_valuetype ot;
  napi_typeof(env, c.argv[3], &ot);
  if (ot == napi_object) {
    napi_get_named_property(env, c.argv[3], "shape", &shape);
    napi_get_named_property(env, c.argv[3], "gzip", &gzip_v);
  } else if (ot != napi_undefined) {
    sp_h5_end(&c);
    return sp_throw(env, "ERR_INVALID_ARG", "options must be an object");
  }
  value_t v;
  hid_t dcpl = -1, did = -1;
  uint32_t gzip = 0;
  napi_valuetype gt;
  if (read_value(env, c.argv[2], shape, c.path, &v) != 0) goto done;
  napi_typeof(env, gzip_v, &gt);
  if (gt != napi_undefined && gt != napi_null) {
    if (sp_arg_uint32(env, gzip_v, "gzip level", &gzip) != 0) goto done;
    if (gzip > 9) {
      sp_throw(env, "ERR_INVALID_ARG", "gzip level must be 0..9");
      goto done;
    }
  }
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  size_t total = 1;
  for (int i = 0; i < v.rank; i++) total *= (size_t)v.dims[i];
  if (dcpl >= 0 && gzip > 0 && v.rank > 0 && total > 0) {
    hsize_t chunk[32];
    choose_chunks(&v, H5Tget_size(v.type), chunk);
    if (H5Pset_chunk(dcpl, v.rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, gzip) < 0) {
      sp_h5_throw(env, "cannot create %s in %s: compression properties", c.path, c.obj->file);
      goto done;
    }
  }
  if (dcpl < 0 || (did = H5Dcreate2(c.obj->id, c.name, v.type, v.space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0) {
    sp_h5_throw(env, "cannot create %s in %s", c.path, c.obj->file);
    goto done;
  }
  if (v.count > 0 && H5Dwrite(did, v.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data) < 0) {
    sp_h5_throw(env, "cannot write %s in %s", c.path, c.obj->file);
    goto done;
  }
  result = sp_h5_wrap(env, SP_H5_DATASET, did, c.obj->file, c.path);
  did = -1; /* the handle's now */
done:
  sp_h5_close_ids(2, did, dcpl);
  value_free(&v);
  sp_h5_end(&c);
  return result;
}
SP_EXPORT("writeDataset", write_dataset)
