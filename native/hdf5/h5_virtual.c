/*
 * Virtual datasets (H5Pset_virtual): one dataset whose regions are regions of datasets in other
 * files, e.g. the master's image stack over the frames of several data files. Source file names
 * are stored as given; a relative name is looked for next to the file holding the virtual dataset
 * (then HDF5_VDS_PREFIX, then the working directory), so a directory of files can be moved.
 * Elements no source maps, or whose source file is missing, read as the fill value.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "h5_common.h"

static int get_dims_prop(napi_env env, napi_value obj, const char *prop, const char *what, hsize_t *dims, int rank,
                         int optional) {
  napi_value v;
  napi_valuetype t;
  napi_get_named_property(env, obj, prop, &v);
  napi_typeof(env, v, &t);
  if (optional && t == napi_undefined) {
    for (int i = 0; i < rank; i++) dims[i] = 0;
    return 0;
  }
  char label[128];
  snprintf(label, sizeof label, "%s.%s", what, prop);
  int r = sp_h5_arg_dims(env, v, label, dims, 32);
  if (r < 0) return -1;
  if (r != rank) {
    sp_throw(env, "ERR_INVALID_ARG", "%s has %d dimensions, expected %d", label, r, rank);
    return -1;
  }
  return 0;
}

/* createVirtualDataset(parent, name, dtype, dims, sources, fill?): sources are
 * {file, dataset, sourceDims, start, count, sourceStart?}: the block `count` at `sourceStart`
 * (default 0) of the source maps to the block `count` at `start` of the virtual dataset. */
static napi_value create_virtual_dataset(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc;
  sp_h5_obj *parent;
  if (sp_get_args(env, info, 5, 6, argv, &argc) != 0 ||
      sp_h5_unwrap(env, argv[0], "parent", SP_H5_LOCATION, &parent) != 0)
    return NULL;
  char *name = NULL, *path = NULL, *dtype = NULL, *sfile = NULL, *sdset = NULL;
  napi_value result = NULL;
  hid_t vspace = -1, sspace = -1, dcpl = -1, did = -1;
  hsize_t dims[32];
  double fill = 0;
  if (!(name = sp_h5_arg_string(env, argv[1], "dataset name"))) goto done;
  if (!(path = sp_h5_child_path(parent, name))) {
    sp_throw(env, "ERR_NO_MEMORY", "out of memory");
    goto done;
  }
  if (!(dtype = sp_h5_arg_string(env, argv[2], "dtype"))) goto done;
  hid_t type = sp_h5_type_by_name(dtype);
  if (type < 0) {
    sp_throw(env, "ERR_INVALID_ARG", "%s: unknown dtype %s", path, dtype);
    goto done;
  }
  int rank = sp_h5_arg_dims(env, argv[3], "dims", dims, 32);
  if (rank < 1) {
    if (rank == 0) sp_throw(env, "ERR_INVALID_ARG", "dims must have at least one dimension");
    goto done;
  }
  if (argc == 6) {
    napi_valuetype ft;
    napi_typeof(env, argv[5], &ft);
    if (ft != napi_undefined && sp_arg_double(env, argv[5], "fill", &fill) != 0) goto done;
  }
  bool is = false;
  uint32_t nsrc = 0;
  if (napi_is_array(env, argv[4], &is) != napi_ok || !is) {
    sp_throw(env, "ERR_INVALID_ARG", "sources must be an array");
    goto done;
  }
  napi_get_array_length(env, argv[4], &nsrc);
  vspace = H5Screate_simple(rank, dims, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (vspace < 0 || dcpl < 0 || H5Pset_layout(dcpl, H5D_VIRTUAL) < 0 ||
      H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) < 0) {
    sp_h5_throw(env, "cannot create %s in %s: dataset properties", path, parent->file);
    goto done;
  }
  for (uint32_t i = 0; i < nsrc; i++) {
    napi_value src, v;
    char what[48];
    snprintf(what, sizeof what, "sources[%u]", i);
    napi_get_element(env, argv[4], i, &src);
    hsize_t sdims[32], start[32], count[32], sstart[32];
    napi_get_named_property(env, src, "file", &v);
    if (!(sfile = sp_h5_arg_string(env, v, "source file"))) goto done;
    napi_get_named_property(env, src, "dataset", &v);
    if (!(sdset = sp_h5_arg_string(env, v, "source dataset"))) goto done;
    if (get_dims_prop(env, src, "sourceDims", what, sdims, rank, 0) != 0 ||
        get_dims_prop(env, src, "start", what, start, rank, 0) != 0 ||
        get_dims_prop(env, src, "count", what, count, rank, 0) != 0 ||
        get_dims_prop(env, src, "sourceStart", what, sstart, rank, 1) != 0)
      goto done;
    for (int d = 0; d < rank; d++) {
      if (start[d] + count[d] > dims[d] || sstart[d] + count[d] > sdims[d]) {
        sp_throw(env, "ERR_INVALID_ARG", "%s: %s (%s:%s) does not fit in dimension %d", path, what, sfile, sdset, d);
        goto done;
      }
    }
    sspace = H5Screate_simple(rank, sdims, NULL);
    if (sspace < 0 || H5Sselect_hyperslab(sspace, H5S_SELECT_SET, sstart, NULL, count, NULL) < 0 ||
        H5Sselect_hyperslab(vspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Pset_virtual(dcpl, vspace, sfile, sdset, sspace) < 0) {
      sp_h5_throw(env, "cannot map %s:%s into %s in %s", sfile, sdset, path, parent->file);
      goto done;
    }
    H5Sclose(sspace);
    sspace = -1;
    free(sfile);
    free(sdset);
    sfile = sdset = NULL;
  }
  H5Sselect_all(vspace);
  did = H5Dcreate2(parent->id, name, type, vspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (did < 0) {
    sp_h5_throw(env, "cannot create %s in %s", path, parent->file);
    goto done;
  }
  result = sp_h5_wrap(env, SP_H5_DATASET, did, parent->file, path);
done:
  if (sspace >= 0) H5Sclose(sspace);
  if (vspace >= 0) H5Sclose(vspace);
  if (dcpl >= 0) H5Pclose(dcpl);
  free(sfile);
  free(sdset);
  free(dtype);
  free(path);
  free(name);
  return result;
}
SP_EXPORT("createVirtualDataset", create_virtual_dataset)
