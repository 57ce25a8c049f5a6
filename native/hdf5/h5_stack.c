/*
 * Image stacks [frames, ny, nx], one chunk per frame, bitshuffle+LZ4 (HDF5 filter 32008), written
 * with direct chunk writes: the detector's compressed frame goes into the file byte for byte.
 *
 * The filter's parameters are stored as five values {0, 3, elemSize, 0, 2} (bitshuffle format
 * 0.3, element size, block size 0 = the blob's own header decides, 2 = LZ4); readers use values
 * 2..4. If the bitshuffle plugin were loadable while the dataset is created, its set_local
 * callback would prepend three more ({0 3 4 0 3 4 0 2}: readers then see compression 3, zstd, and
 * h5py has been seen to crash), so plugin loading is off from H5Pset_filter (which would load it
 * to check the filter) to H5Dcreate, and the stored values are checked. The filter is therefore
 * not registered here (the library never runs it: chunks arrive compressed), so it is added as
 * optional, which H5Dcreate accepts without it; readers need the plugin either way.
 */
#include <stdlib.h>
#include <string.h>

#include "h5_common.h"

#define BSHUF_FILTER 32008

/* Creates the dataset with plugin loading off; checks the stored filter parameters. */
static hid_t create_stack(napi_env env, sp_h5_call *c, hid_t type, uint32_t ny, uint32_t nx) {
  const size_t elem = H5Tget_size(type);
  const unsigned cd[5] = {0, 3, (unsigned)elem, 0, 2};
  hsize_t dims[3] = {0, ny, nx}, maxdims[3] = {H5S_UNLIMITED, ny, nx}, chunk[3] = {1, ny, nx};
  unsigned loading = 0, flags = 0, stored[16];
  size_t n = 16;
  H5PLget_loading_state(&loading);
  H5PLset_loading_state(0);
  hid_t space = H5Screate_simple(3, dims, maxdims), dcpl = H5Pcreate(H5P_DATASET_CREATE), plist = -1;
  hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS), did = -1;
  /* Direct writes bypass the chunk cache: keep it empty. Chunks are never filled or allocated early. */
  int ok = space >= 0 && dcpl >= 0 && dapl >= 0 && H5Pset_chunk(dcpl, 3, chunk) >= 0 &&
           H5Pset_filter(dcpl, BSHUF_FILTER, H5Z_FLAG_OPTIONAL, 5, cd) >= 0 &&
           H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0 && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR) >= 0 &&
           H5Pset_chunk_cache(dapl, 0, 0, 1.0) >= 0 &&
           (did = H5Dcreate2(c->obj->id, c->name, type, space, H5P_DEFAULT, dcpl, dapl)) >= 0;
  hid_t err = ok ? -1 : H5Eget_current_stack(); /* the next call would clear it */
  H5PLset_loading_state(loading);
  if (!ok) {
    H5Eset_current_stack(err);
    sp_h5_throw(env, "cannot create %s in %s", c->path, c->obj->file);
  } else if ((plist = H5Dget_create_plist(did)) < 0 ||
             H5Pget_filter_by_id2(plist, BSHUF_FILTER, &flags, &n, stored, 0, NULL, NULL) < 0) {
    sp_h5_throw(env, "cannot read back the filter of %s in %s", c->path, c->obj->file);
    ok = 0;
  } else if (n != 5 || memcmp(stored, cd, sizeof cd) != 0) {
    sp_throw(env, "ERR_HDF5",
             "cannot create %s in %s: the bitshuffle filter stored %zu parameters instead of {0, 3, %zu, 0, 2} "
             "(the plugin was already loaded in this process; write from a process that reads no bitshuffle data)",
             c->path, c->obj->file, n, elem);
    ok = 0;
  }
  sp_h5_close_ids(5, ok ? -1 : did, plist, dapl, dcpl, space);
  return ok ? did : -1;
}

/* createImageStack(parent, name, height, width, dtype): an empty, extendable stack. */
static napi_value create_image_stack(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  uint32_t ny, nx;
  if (sp_h5_begin(env, info, 5, 5, SP_H5_LOCATION, 1, &c) != 0) return NULL;
  napi_value result = NULL;
  char *dtype = NULL;
  hid_t type = -1, did;
  if (sp_arg_uint32(env, c.argv[2], "height", &ny) != 0 || sp_arg_uint32(env, c.argv[3], "width", &nx) != 0 ||
      !(dtype = sp_h5_arg_string(env, c.argv[4], "dtype")))
    goto done;
  if (!strcmp(dtype, "uint8") || !strcmp(dtype, "uint16") || !strcmp(dtype, "uint32") || !strcmp(dtype, "int32"))
    type = sp_h5_type_by_name(dtype);
  if (type < 0 || ny == 0 || nx == 0) {
    sp_throw(env, "ERR_INVALID_ARG", "%s: dtype must be uint8, uint16, uint32 or int32 and the frame not empty",
             c.path);
  } else if ((uint64_t)ny * nx * H5Tget_size(type) > 0xFFFFFFFFull) {
    sp_throw(env, "ERR_INVALID_ARG", "%s: a %u x %u frame is larger than HDF5's 4 GiB chunk limit", c.path, nx, ny);
  } else if ((did = create_stack(env, &c, type, ny, nx)) >= 0 &&
             (result = sp_h5_wrap(env, SP_H5_DATASET, did, c.obj->file, c.path))) {
    sp_h5_obj *o = sp_h5_peek(env, result);
    o->stack = 1;
    o->ny = ny;
    o->nx = nx;
  }
done:
  free(dtype);
  sp_h5_end(&c);
  return result;
}
SP_EXPORT("createImageStack", create_image_stack)

/* writeChunk(stack, index, blob): grows the stack to index + 1 frames when needed and stores the
 * blob as frame `index`'s chunk, unfiltered by the library (filter mask 0: all filters apply on read). */
static napi_value write_chunk(napi_env env, napi_callback_info info) {
  sp_h5_call c;
  int64_t index;
  uint8_t *blob;
  size_t len;
  if (sp_h5_begin(env, info, 3, 3, SP_H5_DATASET, 0, &c) != 0 || sp_arg_int64(env, c.argv[1], "index", &index) != 0 ||
      sp_arg_bytes(env, c.argv[2], "chunk", &blob, &len) != 0)
    return NULL;
  sp_h5_obj *o = c.obj;
  if (!o->stack)
    return sp_throw(env, "ERR_INVALID_ARG", "%s in %s is not an image stack (createImageStack)", o->path, o->file);
  if (index < 0) return sp_throw(env, "ERR_INVALID_ARG", "index must not be negative");
  if (len == 0 || len > 0xFFFFFFFFull)
    return sp_throw(env, "ERR_INVALID_ARG", "chunk of %zu bytes: must be 1 byte to 4 GiB", len);
  if ((hsize_t)index >= o->frames) {
    hsize_t dims[3] = {(hsize_t)index + 1, o->ny, o->nx};
    if (H5Dset_extent(o->id, dims) < 0)
      return sp_h5_throw(env, "cannot extend %s in %s to %lld frames", o->path, o->file, (long long)index + 1);
    o->frames = dims[0];
  }
  hsize_t offset[3] = {(hsize_t)index, 0, 0};
  if (H5Dwrite_chunk(o->id, H5P_DEFAULT, 0, offset, len, blob) < 0)
    return sp_h5_throw(env, "cannot write frame %lld of %s in %s", (long long)index, o->path, o->file);
  return NULL;
}
SP_EXPORT("writeChunk", write_chunk)
