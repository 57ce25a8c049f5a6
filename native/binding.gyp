{
  "targets": [
    {
      # The per-frame core: decoders, encoders for the simulator, per-pixel kernels.
      # Every C file in src/ is built in; each registers its own functions (see src/module.h).
      "target_name": "sp_native",
      "sources": ["<!@(ls -1 src/*.c)"],
      "include_dirs": ["src"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra", "-fno-strict-aliasing"],
      "cflags!": ["-O2"],
      "defines": ["NAPI_VERSION=8"],
      # shm_open lives in librt before glibc 2.34.
      "libraries": ["-lrt"]
    },
    {
      # The hit-file writer's HDF5 surface (src/native/hdf5Addon.ts): loaded only by the writer
      # process, so the main addon, loaded in every worker, never links libhdf5. It shares the
      # main addon's registration (src/addon.c) and argument checks (src/napi_args.c).
      "target_name": "sp_hdf5",
      "sources": ["<!@(ls -1 hdf5/*.c)", "src/addon.c", "src/napi_args.c"],
      "include_dirs": ["src", "<!@(pkg-config --cflags-only-I hdf5 | sed 's/-I//g')"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra", "-fno-strict-aliasing"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "libraries": ["<!@(pkg-config --libs hdf5)"]
    }
  ]
}
