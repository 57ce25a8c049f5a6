/*
 * The HDF5 addon (sp_hdf5): shared pieces of its functions.
 *
 * Objects (files, groups, datasets) reach JavaScript as tagged externals that carry the HDF5 id,
 * the file's path and the object's path in the file, so every error can name both. Every HDF5
 * failure becomes a thrown Error whose .code is the errno name the library reported (ENOSPC,
 * EACCES, ...), EEXIST for an existing file, or ERR_HDF5; automatic error printing is off.
 *
 * HDF5 (Debian's serial build) is not thread-safe: these functions are synchronous and are
 * called from one writer process only.
 */
#ifndef SP_H5_COMMON_H
#define SP_H5_COMMON_H

#include <hdf5.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"
#include "napi_args.h"

typedef enum { SP_H5_FILE = 1, SP_H5_GROUP = 2, SP_H5_DATASET = 4 } sp_h5_kind;

typedef struct {
  sp_h5_kind kind;
  hid_t id;   /* -1 once closed */
  char *file; /* the file's path, as given to createFile */
  char *path; /* the object's path in the file ("/" for the file) */
  /* Image stacks (createImageStack): frames written so far, frame shape, element size. */
  int stack;
  hsize_t frames, ny, nx;
} sp_h5_obj;

/* Kinds a parent may be (a location for links and attributes). */
#define SP_H5_LOCATION (SP_H5_FILE | SP_H5_GROUP)
#define SP_H5_ANY (SP_H5_FILE | SP_H5_GROUP | SP_H5_DATASET)

/* Wraps a new id; on failure closes it and throws. */
napi_value sp_h5_wrap(napi_env env, sp_h5_kind kind, hid_t id, const char *file, const char *path);

/* The addon's object behind `v` (open or closed), or NULL when `v` is not one; never throws. */
sp_h5_obj *sp_h5_peek(napi_env env, napi_value v);

/* Reads an object argument of one of `kinds`, still open; throws ERR_INVALID_ARG otherwise. */
int sp_h5_unwrap(napi_env env, napi_value v, const char *what, int kinds, sp_h5_obj **out);

/* Closes an object's id (H5Fclose/H5Gclose/H5Dclose); 0 on success. */
int sp_h5_close(sp_h5_obj *o);

/* Throws an Error for the HDF5 failure just seen: the message is the formatted prefix (say,
 * "cannot create /d/x.h5.tmp") followed by what HDF5 reported; the code is the errno name when
 * HDF5 reported one. Clears HDF5's error stack. Returns NULL. */
napi_value sp_h5_throw(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A UTF-8 string argument, malloc'ed (free it); NULL after throwing ERR_INVALID_ARG. */
char *sp_h5_arg_string(napi_env env, napi_value v, const char *what);

/* "<parent path>/<name>" for messages, malloc'ed. */
char *sp_h5_child_path(const sp_h5_obj *parent, const char *name);

/* Numeric element types by name ("uint8" ... "float64"); -1 when unknown. */
hid_t sp_h5_type_by_name(const char *name);

/* A dimension list argument (array of non-negative integers, at most 32); returns the rank or -1. */
int sp_h5_arg_dims(napi_env env, napi_value v, const char *what, hsize_t *dims, int max_rank);

/* A numeric value for datasets and attributes: a finite number (float64 scalar) or a typed array
 * (its own element type). `shape`, when not undefined, overrides the 1-D shape; [] is a scalar. */
typedef struct {
  hid_t type; /* a predefined type; never closed */
  const void *data;
  size_t count;
  int rank; /* 0 = scalar */
  hsize_t dims[32];
  double scalar;
} sp_h5_numeric;

int sp_h5_arg_numeric(napi_env env, napi_value value, napi_value shape, const char *what, sp_h5_numeric *out);

/* A variable-length UTF-8 string type (close with H5Tclose). */
hid_t sp_h5_vlen_string_type(void);

#endif
