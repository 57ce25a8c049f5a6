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

/* Kinds a parent may be (a location for links and attributes); 0: no object argument. */
#define SP_H5_LOCATION (SP_H5_FILE | SP_H5_GROUP)
#define SP_H5_ANY      (SP_H5_FILE | SP_H5_GROUP | SP_H5_DATASET)

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

/* The path of `name` under `parent`, for messages ("/entry/data"; absolute names as they are),
 * malloc'ed. */
char *sp_h5_child_path(const sp_h5_obj *parent, const char *name);

/* The arguments of a call on an object: argv (missing ones undefined), the object argv[0] and,
 * for calls that name a child in argv[1], that name and its path. */
typedef struct {
  napi_value argv[8];
  size_t argc;
  sp_h5_obj *obj;
  char *name;
  char *path;
} sp_h5_call;

/* Reads min..max arguments, argv[0] as an open object of `kinds` and, when `named`, argv[1] as a
 * child name. 0, or -1 after throwing (nothing to release then); release with sp_h5_end. */
int sp_h5_begin(napi_env env, napi_callback_info info, size_t min, size_t max, int kinds, int named, sp_h5_call *c);
void sp_h5_end(sp_h5_call *c);

/* Closes the ids given (datasets, groups, attributes, property lists, dataspaces, datatypes;
 * negative ones are skipped), then clears HDF5's error stack: call it after any throw. */
void sp_h5_close_ids(int n, ...);

/* Numeric element types by name ("uint8" ... "float64"); -1 when unknown. */
hid_t sp_h5_type_by_name(const char *name);

/* A dimension list argument (array of non-negative integers, at most max_rank); the rank or -1. */
int sp_h5_arg_dims(napi_env env, napi_value v, const char *what, hsize_t *dims, int max_rank);

#endif
