/* Files (exclusive create, close), groups and closing objects; the library's version. */
#include <fcntl.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5_common.h"

/* The objects of a file, opened through this file's ids (not the file ids themselves). */
#define OWN_OBJECTS (H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL)

static int initialised = 0;

/* Silences HDF5's automatic error printing (errors become JS exceptions instead), and keeps it
 * from closing files at exit: every file is closed explicitly, and one whose close failed must
 * not be closed again (HDF5 1.10 crashes); what is open at exit is partial and left as it is. */
static void sp_h5_init(void) {
  if (initialised) return;
  H5dont_atexit();
  H5open();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  initialised = 1;
}

__attribute__((constructor)) static void sp_h5_load(void) { sp_h5_init(); }

static napi_value hdf5_version(napi_env env, napi_callback_info info) {
  (void)info;
  sp_h5_init();
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  char buf[64];
  snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
  napi_value s;
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &s);
  return s;
}
SP_EXPORT("hdf5Version", hdf5_version)

static napi_value create_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0) return NULL;
  char *path = sp_h5_arg_string(env, argv[0], "path");
  if (!path) return NULL;
  sp_h5_init();
  napi_value result = NULL;
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  /* The 1.10 format (extensible-array chunk index for the growing stacks; VDS needs 1.10 anyway);
   * closing refuses while objects are open, so a failure to flush is reported where it happens;
   * file locks are used where the file system has them. */
  if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0 ||
      H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI) < 0 || H5Pset_file_locking(fapl, 1, 1) < 0) {
    sp_h5_throw(env, "cannot create %s: file access properties", path);
    goto done;
  }
  /* H5F_ACC_EXCL: never truncate an existing file. */
  hid_t fid = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  if (fid < 0) {
    sp_h5_throw(env, "cannot create %s", path);
    goto done;
  }
  result = sp_h5_wrap(env, SP_H5_FILE, fid, path, "/");
done:
  if (fapl >= 0) H5Pclose(fapl);
  free(path);
  return result;
}
SP_EXPORT("createFile", create_file)

static napi_value close_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  sp_h5_obj *o;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0 || sp_h5_unwrap(env, argv[0], "file", SP_H5_FILE, &o) != 0)
    return NULL;
  /* Refused before HDF5 is asked, so the file stays usable: close its objects, then try again. */
  ssize_t open_objects = H5Fget_obj_count(o->id, OWN_OBJECTS);
  if (open_objects > 0)
    return sp_throw(env, "ERR_HDF5", "cannot close %s: %zd of its groups, datasets or attributes are still open",
                    o->file, open_objects);
  /* Flushed first: when that fails (a full disk) the file stays open, for discardFile. */
  if (H5Fflush(o->id, H5F_SCOPE_LOCAL) < 0) return sp_h5_throw(env, "cannot close %s", o->file);
  if (sp_h5_close(o) != 0) return sp_h5_throw(env, "cannot close %s", o->file);
  return NULL;
}
SP_EXPORT("closeFile", close_file)

/* discardFile(file): closes a file after a failure without writing anything more to it: its open
 * objects are closed and its descriptor is pointed at an empty in-memory file first, so the flush
 * that close does cannot fail (or fill a full disk further). What was on disk stays as it was:
 * partial. */
static napi_value discard_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  sp_h5_obj *o;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0 || sp_h5_unwrap(env, argv[0], "file", SP_H5_FILE, &o) != 0)
    return NULL;
  ssize_t n = H5Fget_obj_count(o->id, OWN_OBJECTS);
  if (n > 0) {
    hid_t *ids = calloc((size_t)n, sizeof(hid_t));
    if (ids) {
      ssize_t got = H5Fget_obj_ids(o->id, OWN_OBJECTS, (size_t)n, ids);
      for (ssize_t i = 0; i < got; i++) {
        if (H5Iget_type(ids[i]) == H5I_ATTR)
          H5Aclose(ids[i]);
        else
          H5Oclose(ids[i]);
      }
      free(ids);
    }
  }
  void *handle = NULL;
  if (H5Fget_vfd_handle(o->id, H5P_DEFAULT, &handle) >= 0 && handle) {
    /* An empty in-memory file: HDF5's last writes and its truncate to the end of its space land
     * there (sparse: the truncate costs no memory), and nothing more reaches the disk. */
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
  napi_value argv[1];
  size_t argc;
  sp_h5_obj *o;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0 ||
      sp_h5_unwrap(env, argv[0], "object", SP_H5_GROUP | SP_H5_DATASET, &o) != 0)
    return NULL;
  if (sp_h5_close(o) != 0) return sp_h5_throw(env, "cannot close %s in %s", o->path, o->file);
  return NULL;
}
SP_EXPORT("closeObject", close_object)

static napi_value is_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  if (sp_get_args(env, info, 1, 1, argv, &argc) != 0) return NULL;
  sp_h5_obj *o = sp_h5_peek(env, argv[0]);
  if (!o) return sp_throw(env, "ERR_INVALID_ARG", "object must be an HDF5 object from this addon");
  napi_value r;
  napi_get_boolean(env, o->id >= 0, &r);
  return r;
}
SP_EXPORT("isOpen", is_open)

static napi_value create_group(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc;
  sp_h5_obj *parent;
  if (sp_get_args(env, info, 2, 2, argv, &argc) != 0 ||
      sp_h5_unwrap(env, argv[0], "parent", SP_H5_LOCATION, &parent) != 0)
    return NULL;
  char *name = sp_h5_arg_string(env, argv[1], "name");
  if (!name) return NULL;
  napi_value result = NULL;
  char *path = sp_h5_child_path(parent, name);
  if (!path) {
    sp_throw(env, "ERR_NO_MEMORY", "out of memory");
  } else {
    hid_t gid = H5Gcreate2(parent->id, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (gid < 0)
      sp_h5_throw(env, "cannot create group %s in %s", path, parent->file);
    else
      result = sp_h5_wrap(env, SP_H5_GROUP, gid, parent->file, path);
  }
  free(path);
  free(name);
  return result;
}
SP_EXPORT("createGroup", create_group)

static napi_value open_group(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc;
  sp_h5_obj *parent;
  if (sp_get_args(env, info, 2, 2, argv, &argc) != 0 ||
      sp_h5_unwrap(env, argv[0], "parent", SP_H5_LOCATION, &parent) != 0)
    return NULL;
  char *name = sp_h5_arg_string(env, argv[1], "name");
  if (!name) return NULL;
  napi_value result = NULL;
  char *path = name[0] == '/' ? strdup(name) : sp_h5_child_path(parent, name);
  if (!path) {
    sp_throw(env, "ERR_NO_MEMORY", "out of memory");
  } else {
    hid_t gid = H5Gopen2(parent->id, name, H5P_DEFAULT);
    if (gid < 0)
      sp_h5_throw(env, "cannot open group %s in %s", path, parent->file);
    else
      result = sp_h5_wrap(env, SP_H5_GROUP, gid, parent->file, path);
  }
  free(path);
  free(name);
  return result;
}
SP_EXPORT("openGroup", open_group)
