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
/* Adds the mapping of sources[i] to the virtual dataset's creation properties. */
static int add_source(napi_env env, sp_h5_call *c, uint32_t i, int rank, const hsize_t *dims, hid_t vspace,
                      hid_t dcpl) {
  napi_value src, v;
  char what[48];
  snprintf(what, sizeof what, "sources[%u]", i);
  napi_get_element(env, c->argv[4], i, &src);
  hsize_t sdims[32], start[32], count[32], sstart[32];
  char *sfile = NULL, *sdset = NULL;
  hid_t sspace = -1;
  int ok = 0;
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
      sp_throw(env, "ERR_INVALID_ARG", "%s: %s (%s:%s) does not fit in dimension %d", c->path, what, sfile, sdset, d);
      goto done;
    }
  }
  sspace = H5Screate_simple(rank, sdims, NULL);
  if (sspace < 0 || H5Sselect_hyperslab(sspace, H5S_SELECT_SET, sstart, NULL, count, NULL) < 0 ||
      H5Sselect_hyperslab(vspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
      H5Pset_virtual(dcpl, vspace, sfile, sdset, sspace) < 0)
    sp_h5_throw(env, "cannot map %s:%s into %s in %s", sfile, sdset, c->path, c->obj->file);
  else
    ok = 1;
done:
  sp_h5_close_ids(1, sspace);
  free(sfile);
  free(sdset);
  return ok ? 0 : -1;
}

/* createVirtualDataset(parent, name, dtype, dims, sources, fill?): sources are
 * {file, dataset, sourceDims, start, count, sourceStart?}: the block `count` at `sourceStart`
 * (default 0) of the source maps to the block `count` at `start` of the virtual dataset. */
static napi_value create_virtual_dataset(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  if (sp_h5_begin(env, info, 5, 6, SP_H5_LOCATION, 1, &c) != 0) return NULL;
  napi_value result = NULL;
  char *dtype = NULL;
  hid_t vspace = -1, dcpl = -1, did = -1, type = -1;
  hsize_t dims[32];
  double fill = 0;
  bool is = false;
  uint32_t nsrc = 0;
  int rank = 0;
  napi_valuetype ft;
  napi_typeof(env, c.argv[5], &ft);
  if (!(dtype = sp_h5_arg_string(env, c.argv[2], "dtype")) ||
      (rank = sp_h5_arg_dims(env, c.argv[3], "dims", dims, 32)) < 0 ||
      (ft != napi_undefined && sp_arg_double(env, c.argv[5], "fill", &fill) != 0))
    goto done;
  if ((type = sp_h5_type_by_name(dtype)) < 0 || rank < 1 || napi_is_array(env, c.argv[4], &is) != napi_ok || !is) {
    sp_throw(env, "ERR_INVALID_ARG", "%s: a known dtype, at least one dimension and an array of sources are needed",
             c.path);
    goto done;
  }
  napi_get_array_length(env, c.argv[4], &nsrc);
  vspace = H5Screate_simple(rank, dims, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (vspace < 0 || dcpl < 0 || H5Pset_layout(dcpl, H5D_VIRTUAL) < 0 ||
      H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) < 0) {
    sp_h5_throw(env, "cannot create %s in %s: dataset properties", c.path, c.obj->file);
    goto done;
  }
  for (uint32_t i = 0; i < nsrc; i++)
    if (add_source(env, &c, i, rank, dims, vspace, dcpl) != 0) goto done;
  H5Sselect_all(vspace);
  if ((did = H5Dcreate2(c.obj->id, c.name, type, vspace, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
    sp_h5_throw(env, "cannot create %s in %s", c.path, c.obj->file);
  else
    result = sp_h5_wrap(env, SP_H5_DATASET, did, c.obj->file, c.path);
done:
  sp_h5_close_ids(2, vspace, dcpl);
  free(dtype);
  sp_h5_end(&c);
  return result;
}
SP_EXPORT("createVirtualDataset", create_virtual_dataset)
