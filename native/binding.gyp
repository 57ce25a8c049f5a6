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
    }
  ]
}
