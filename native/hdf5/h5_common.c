/* Handles, argument readers and HDF5 error reporting of the HDF5 addon (see h5_common.h). */
#include "h5_common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tags the externals this addon made, so a foreign external is refused. */
static const napi_type_tag SP_H5_TAG = {0x5b2f6a81d3c94e07ULL, 0x9e4c1d2b7a603f58ULL};

static void sp_h5_free(sp_h5_obj *o) {
  free(o->file);
  free(o->path);
  free(o);
}

int sp_h5_close(sp_h5_obj *o) {
  if (o->id < 0) return 0;
  herr_t r;
  switch (o->kind) {
    case SP_H5_FILE: r = H5Fclose(o->id); break;
    case SP_H5_GROUP: r = H5Gclose(o->id); break;
    default: r = H5Dclose(o->id); break;
  }
  /* Group and dataset ids are released even when their close fails. A file whose close failed
   * (a flush on a full disk) is forgotten: HDF5 1.10 crashes closing it a second time, so it stays
   * open until the process ends (discardFile closes files without that risk). */
  o->id = -1;
  return r < 0 ? -1 : 0;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sp_h5_obj *o = data;
  /* Garbage collected while still open: close quietly (a failure here has no one to tell). */
  if (o->id >= 0) {
    sp_h5_close(o);
    H5Eclear2(H5E_DEFAULT);
  }
  sp_h5_free(o);
}

napi_value sp_h5_wrap(napi_env env, sp_h5_kind kind, hid_t id, const char *file, const char *path) {
  sp_h5_obj *o = calloc(1, sizeof *o);
  if (o) {
    o->kind = kind;
    o->id = id;
    o->file = strdup(file);
    o->path = strdup(path);
  }
  napi_value ext;
  if (!o || !o->file || !o->path) {
    if (o) {
      sp_h5_close(o);
      sp_h5_free(o);
    } else if (kind == SP_H5_FILE) {
      H5Fclose(id);
    } else {
      H5Oclose(id);
    }
    return sp_throw(env, "ERR_NO_MEMORY", "out of memory wrapping %s in %s", path, file);
  }
  if (napi_create_external(env, o, finalize, NULL, &ext) != napi_ok) {
    sp_h5_close(o);
    sp_h5_free(o);
    return sp_throw(env, "ERR_NO_MEMORY", "cannot wrap %s in %s", path, file);
  }
  napi_type_tag_object(env, ext, &SP_H5_TAG);
  return ext;
}

static const char *kind_name(int kinds) {
  switch (kinds) {
    case SP_H5_FILE: return "an HDF5 file";
    case SP_H5_GROUP: return "an HDF5 group";
    case SP_H5_DATASET: return "an HDF5 dataset";
    case SP_H5_LOCATION: return "an HDF5 file or group";
    default: return "an HDF5 object";
  }
}

sp_h5_obj *sp_h5_peek(napi_env env, napi_value v) {
  napi_valuetype t;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, v, &SP_H5_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &data) != napi_ok)
    return NULL;
  return data;
}

int sp_h5_unwrap(napi_env env, napi_value v, const char *what, int kinds, sp_h5_obj **out) {
  sp_h5_obj *o = sp_h5_peek(env, v);
  if (!o) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be %s from this addon", what, kind_name(kinds));
    return -1;
  }
  if (!(o->kind & kinds)) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be %s (got %s %s in %s)", what, kind_name(kinds), kind_name(o->kind),
             o->path, o->file);
    return -1;
  }
  if (o->id < 0) {
    sp_throw(env, "ERR_INVALID_ARG", "%s (%s in %s) is already closed", what, o->path, o->file);
    return -1;
  }
  *out = o;
  return 0;
}

/* ---- errors ---- */

static const struct {
  int value;
  const char *name;
} ERRNO_NAMES[] = {
    {ENOSPC, "ENOSPC"},   {EDQUOT, "EDQUOT"},
    {EACCES, "EACCES"},   {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},   {EEXIST, "EEXIST"},
    {EROFS, "EROFS"},     {EIO, "EIO"},
    {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
    {EFBIG, "EFBIG"},     {EMFILE, "EMFILE"},
    {ENFILE, "ENFILE"},   {ENAMETOOLONG, "ENAMETOOLONG"},
    {ELOOP, "ELOOP"},     {EBADF, "EBADF"},
    {ENOMEM, "ENOMEM"},   {EAGAIN, "EAGAIN"},
    {EBUSY, "EBUSY"},     {ENOLCK, "ENOLCK"},
    {ENOSYS, "ENOSYS"},   {EINVAL, "EINVAL"},
};

/* Every .code an error of this addon may carry (errorCodes()). */
static const char *const OTHER_CODES[] = {"ERR_INVALID_ARG", "ERR_SIZE_MISMATCH", "ERR_NO_MEMORY", "ERR_HDF5",
                                          "ERR_ADDON_INIT"};

static napi_value error_codes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr, s;
  napi_create_array(env, &arr);
  uint32_t k = 0;
  for (size_t i = 0; i < sizeof OTHER_CODES / sizeof OTHER_CODES[0]; i++) {
    napi_create_string_utf8(env, OTHER_CODES[i], NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, k++, s);
  }
  for (size_t i = 0; i < sizeof ERRNO_NAMES / sizeof ERRNO_NAMES[0]; i++) {
    napi_create_string_utf8(env, ERRNO_NAMES[i].name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, k++, s);
  }
  return arr;
}
SP_EXPORT("errorCodes", error_codes)

typedef struct {
  int n;
  int err;         /* errno found in a description, or 0 */
  int exists;      /* HDF5 said the file exists */
  char inner[320]; /* the innermost description (where the error was detected) */
  char outer[320]; /* the outermost (the API call's) */
} walk_ctx;

static void copy_trunc(char *dst, size_t cap, const char *src) {
  if (!src) src = "";
  snprintf(dst, cap, "%s", src);
}

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data) {
  walk_ctx *c = data;
  (void)n;
  const char *desc = e->desc ? e->desc : "";
  const char *p = strstr(desc, "errno = ");
  if (p && !c->err) c->err = atoi(p + 8);
  if (e->min_num == H5E_FILEEXISTS) c->exists = 1;
  if (c->n == 0) copy_trunc(c->inner, sizeof c->inner, desc);
  copy_trunc(c->outer, sizeof c->outer, desc);
  c->n++;
  return 0;
}

napi_value sp_h5_throw(napi_env env, const char *fmt, ...) {
  char prefix[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);

  walk_ctx c;
  memset(&c, 0, sizeof c);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &c);
  H5Eclear2(H5E_DEFAULT);

  const char *code = "ERR_HDF5";
  char detail[900];
  if (c.err) {
    const char *name = NULL;
    for (size_t i = 0; i < sizeof ERRNO_NAMES / sizeof ERRNO_NAMES[0]; i++)
      if (ERRNO_NAMES[i].value == c.err) name = ERRNO_NAMES[i].name;
    if (name) code = name;
    snprintf(detail, sizeof detail, "%s: %s (%s)", c.outer, strerror(c.err), name ? name : "errno");
  } else if (c.exists) {
    code = "EEXIST";
    snprintf(detail, sizeof detail, "%s: the file already exists (EEXIST)", c.outer);
  } else if (c.n == 0) {
    snprintf(detail, sizeof detail, "HDF5 reported no detail");
  } else if (c.n == 1 || strcmp(c.inner, c.outer) == 0) {
    snprintf(detail, sizeof detail, "%s", c.outer);
  } else {
    snprintf(detail, sizeof detail, "%s: %s", c.outer, c.inner);
  }

  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    char msg[2200];
    snprintf(msg, sizeof msg, "%s: %s", prefix, detail);
    napi_throw_error(env, code, msg);
  }
  return NULL;
}

/* ---- arguments ---- */

char *sp_h5_arg_string(napi_env env, napi_value v, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be a string", what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    sp_throw(env, "ERR_NO_MEMORY", "out of memory reading %s", what);
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) {
    free(s);
    sp_throw(env, "ERR_INVALID_ARG", "%s must not contain NUL characters", what);
    return NULL;
  }
  return s;
}

char *sp_h5_child_path(const sp_h5_obj *parent, const char *name) {
  if (name[0] == '/') return strdup(name);
  const char *base = parent->kind == SP_H5_FILE ? "" : parent->path;
  size_t n = strlen(base) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", base, name);
  return p;
}

int sp_h5_begin(napi_env env, napi_callback_info info, size_t min, size_t max, int kinds, int named, sp_h5_call *c) {
  memset(c, 0, sizeof *c);
  if (max > sizeof c->argv / sizeof c->argv[0]) max = sizeof c->argv / sizeof c->argv[0];
  if (sp_get_args(env, info, min, max, c->argv, &c->argc) != 0) return -1;
  for (size_t i = c->argc; i < max; i++) napi_get_undefined(env, &c->argv[i]);
  if (kinds && sp_h5_unwrap(env, c->argv[0], kinds == SP_H5_LOCATION ? "parent" : "object", kinds, &c->obj) != 0)
    return -1;
  if (!named) return 0;
  if (!(c->name = sp_h5_arg_string(env, c->argv[1], "name"))) return -1;
  if (!(c->path = sp_h5_child_path(c->obj, c->name))) {
    sp_h5_end(c);
    sp_throw(env, "ERR_NO_MEMORY", "out of memory");
    return -1;
  }
  return 0;
}

void sp_h5_end(sp_h5_call *c) {
  free(c->name);
  free(c->path);
  c->name = c->path = NULL;
}

void sp_h5_close_ids(int n, ...) {
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    hid_t id = va_arg(ap, hid_t);
    if (id < 0) continue;
    switch (H5Iget_type(id)) {
      case H5I_DATASET: H5Dclose(id); break;
      case H5I_GROUP: H5Gclose(id); break;
      case H5I_ATTR: H5Aclose(id); break;
      case H5I_GENPROP_LST: H5Pclose(id); break;
      case H5I_DATASPACE: H5Sclose(id); break;
      case H5I_DATATYPE: H5Tclose(id); break;
      default: break;
    }
  }
  va_end(ap);
  H5Eclear2(H5E_DEFAULT);
}

hid_t sp_h5_type_by_name(const char *name) {
  static const struct {
    const char *name;
    hid_t *type;
  } types[] = {
      {"uint8", &H5T_STD_U8LE_g},     {"int8", &H5T_STD_I8LE_g},    {"uint16", &H5T_STD_U16LE_g},
      {"int16", &H5T_STD_I16LE_g},    {"uint32", &H5T_STD_U32LE_g}, {"int32", &H5T_STD_I32LE_g},
      {"uint64", &H5T_STD_U64LE_g},   {"int64", &H5T_STD_I64LE_g},  {"float32", &H5T_IEEE_F32LE_g},
      {"float64", &H5T_IEEE_F64LE_g},
  };
  H5open(); /* the predefined types exist once the library is up */
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (!strcmp(name, types[i].name)) return *types[i].type;
  return -1;
}

int sp_h5_arg_dims(napi_env env, napi_value v, const char *what, hsize_t *dims, int max_rank) {
  bool is = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &is) != napi_ok || !is || napi_get_array_length(env, v, &n) != napi_ok ||
      n > (uint32_t)max_rank) {
    sp_throw(env, "ERR_INVALID_ARG", "%s must be an array of at most %d dimensions", what, max_rank);
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    int64_t d;
    char label[96];
    snprintf(label, sizeof label, "%s[%u]", what, i);
    if (napi_get_element(env, v, i, &e) != napi_ok || sp_arg_int64(env, e, label, &d) != 0) return -1;
    if (d < 0) {
      sp_throw(env, "ERR_INVALID_ARG", "%s must not be negative", label);
      return -1;
    }
    dims[i] = (hsize_t)d;
  }
  return (int)n;
}
