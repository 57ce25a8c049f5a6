#!/bin/sh
# Builds the sanitizer tools with clang:
#   <out>/fuzz_decode   libFuzzer target for the frame codec (-fsanitize=fuzzer,address,undefined)
#   <out>/asan_decode   the codec's fixed hostile/valid cases and round trips (-fsanitize=address,undefined)
#   <out>/make_corpus   writes a seed corpus of valid frames for fuzz_decode
#   <out>/fuzz_radial   libFuzzer target for the radial-profile and mask kernels
#   <out>/asan_radial   their fixed hostile/valid cases against a reference
# Usage: native/fuzz/build.sh [out-dir]   (default native/build-fuzz; needs clang + libclang-rt)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../src"
out=${1:-"$here/../build-fuzz"}
mkdir -p "$out"
CC=${CC:-clang}
# The pure sources (no Node-API): the same files the addon compiles.
codec="$src/frame_common.c $src/frame_decode.c $src/frame_encode.c $src/lz4_decode.c $src/lz4_encode.c \
  $src/bitshuffle_scalar.c $src/bitshuffle_sse2.c $src/bitshuffle_avx2.c $src/bitshuffle_avx512.c $src/bitshuffle_dispatch.c $src/cpu_level.c"
radial="$src/radial_table.c $src/radial_accumulate.c $src/mask_kernel.c"
# -fno-strict-aliasing as in binding.gyp: the radial scratch holds uint64 and double sums.
flags="-std=c11 -g -O1 -fno-omit-frame-pointer -fno-strict-aliasing -I$src -Wall -Wextra"
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
$CC $flags $san -fsanitize=fuzzer -o "$out/fuzz_decode" "$here/fuzz_decode.c" $codec
$CC $flags $san -o "$out/asan_decode" "$here/../test/asan_decode.c" $codec
$CC $flags -O2 -o "$out/make_corpus" "$here/make_corpus.c" $codec
$CC $flags $san -fsanitize=fuzzer -o "$out/fuzz_radial" "$here/fuzz_radial.c" $radial -lm
$CC $flags $san -o "$out/asan_radial" "$here/../test/asan_radial.c" $radial -lm
echo "built $out/fuzz_decode $out/asan_decode $out/make_corpus $out/fuzz_radial $out/asan_radial"
