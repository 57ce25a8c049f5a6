/* Files (exclusive create, close, discard), groups, closing objects; the library's version. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "h5_common.h"

/* The objects of a file, opened through this file's ids (not the file ids themselves). */
#define OWN_OBJECTS (H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL)

/* Silences HDF5's automatic error printing (errors become JS exceptions instead), and keeps it
 * from closing files at exit: every file is closed explicitly, and one whose close failed must
 * not be closed again (HDF5 1.10 crashes); what is open at exit is partial and left as it is. */
__attribute__((constructor)) static void sp_h5_load(void) {
  H5dont_atexit();
  H5open();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static napi_value hdf5_version(napi_env env, napi_callback_info info) {
  (void)info;
  unsigned maj = 0, min = 0, rel = 0;
  char buf[64];
  napi_value s;
  H5get_libversion(&maj, &min, &rel);
  snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &s);
  return s;
}
SP_EXPORT("hdf5Version", hdf5_version)

/* createFile(path): a new file in the 1.10 format (the extensible-array chunk index for growing
 * stacks; VDS needs 1.10 anyway), never over an existing one (H5F_ACC_EXCL). Closing is refused
 * while objects are open (closeFile), and file locks are used where the file system has them. */
static napi_value create_file(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 1, 1, 0, 0, &c) != 0) return NULL;
  char *path = sp_h5_arg_string(env, c.argv[0], "path");
  if (!path) return NULL;
  napi_value result = NULL;
  hid_t fid = -1, fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0 ||
      H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI) < 0 || H5Pset_file_locking(fapl, 1, 1) < 0)
    sp_h5_throw(env, "cannot create %s: file access properties", path);
  else if ((fid = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl)) < 0)
    sp_h5_throw(env, "cannot create %s", path);
  else
    result = sp_h5_wrap(env, SP_H5_FILE, fid, path, "/");
  sp_h5_close_ids(1, fapl);
  free(path);
  return result;
}
SP_EXPORT("createFile", create_file)

/* The file argument of closeFile and discardFile, and how many of its objects are open. */
static sp_h5_obj *file_arg(napi_env env, napi_callback_info info, ssize_t *open_objects) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 1, 1, SP_H5_FILE, 0, &c) != 0) return NULL;
  *open_objects = H5Fget_obj_count(c.obj->id, OWN_OBJECTS);
  return c.obj;
}

static napi_value close_file(napi_env env, napi_callback_info info) {
  ssize_t open_objects;
  sp_h5_obj *o = file_arg(env, info, &open_objects);
  if (!o) return NULL;
  /* Refused before HDF5 is asked, so the file stays usable: close its objects, then try again. */
  if (open_objects > 0)
    return sp_throw(env, "ERR_HDF5", "cannot close %s: %zd of its groups, datasets or attributes are still open",
                    o->file, open_objects);
  /* Flushed first: when that fails (a full disk) the file stays open, for discardFile. */
  if (H5Fflush(o->id, H5F_SCOPE_LOCAL) < 0 || sp_h5_close(o) != 0) return sp_h5_throw(env, "cannot close %s", o->file);
  return NULL;
}
SP_EXPORT("closeFile", close_file)

/* discardFile(file): closes a file after a failure without writing anything more to it: its open
 * objects are closed and its descriptor is pointed at an empty in-memory file first, so the flush
 * that close does cannot fail (or fill a full disk further). What was on disk stays as it was:
 * partial. */
static napi_value discard_file(napi_env env, napi_callback_info info) {
  ssize_t n;
  sp_h5_obj *o = file_arg(env, info, &n);
  if (!o) return NULL;
  hid_t *ids = n > 0 ? calloc((size_t)n, sizeof(hid_t)) : NULL;
  if (ids) {
    ssize_t got = H5Fget_obj_ids(o->id, OWN_OBJECTS, (size_t)n, ids);
    for (ssize_t i = 0; i < got; i++) sp_h5_close_ids(1, ids[i]);
    free(ids);
  }
  void *handle = NULL;
  if (H5Fget_vfd_handle(o->id, H5P_DEFAULT, &handle) >= 0 && handle) {
    /* HDF5's last writes and its truncate to the end of its space land in memory (sparse: the
     * truncate costs nothing), and nothing more reaches the disk. */
    int scratch = memfd_create("sp-hdf5-discard", MFD_CLOEXEC);
    if (scratch >= 0) {
      dup2(scratch, *(int *)handle);
      close(scratch);
    }
  }
  sp_h5_close(o);
  H5Eclear2(H5E_DEFAULT);
  return NULL;
}
SP_EXPORT("discardFile", discard_file)

static napi_value close_object(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 1, 1, SP_H5_GROUP | SP_H5_DATASET, 0, &c) != 0) return NULL;
  if (sp_h5_close(c.obj) != 0) return sp_h5_throw(env, "cannot close %s in %s", c.obj->path, c.obj->file);
  return NULL;
}
SP_EXPORT("closeObject", close_object)

static napi_value is_open(napi_env env, napi_callback_info info) {
  napi_value argv[1], r;
  size_t argc;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0) return NULL;
  sp_h5_obj *o = sp_h5_peek(env, argv[0]);
  if (!o) return sp_throw(env, "ERR_INVALID_ARG", "object must be an HDF5 object from this addon");
  napi_get_boolean(env, o->id >= 0, &r);
  return r;
}
SP_EXPORT("isOpen", is_open)

/* createGroup(parent, name) and openGroup(parent, name): a group as a handle. */
static napi_value group(napi_env env, napi_callback_info info, int create) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 2, 2, SP_H5_LOCATION, 1, &c) != 0) return NULL;
  napi_value result = NULL;
  hid_t gid = create ? H5Gcreate2(c.obj->id, c.name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                     : H5Gopen2(c.obj->id, c.name, H5P_DEFAULT);
  if (gid < 0)
    sp_h5_throw(env, "cannot %s group %s in %s", create ? "create" : "open", c.path, c.obj->file);
  else
    result = sp_h5_wrap(env, SP_H5_GROUP, gid, c.obj->file, c.path);
  sp_h5_end(&c);
  return result;
}

static napi_value create_group(napi_env env, napi_callback_info info) { return group(env, info, 1); }
SP_EXPORT("createGroup", create_group)

static napi_value open_group(napi_env env, napi_callback_info info) { return group(env, info, 0); }
SP_EXPORT("openGroup", open_group)
