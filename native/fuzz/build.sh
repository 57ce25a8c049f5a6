#!/bin/sh
# Builds the sanitizer tools for the frame codec with clang:
#   <out>/fuzz_decode   libFuzzer target (-fsanitize=fuzzer,address,undefined)
#   <out>/asan_decode   fixed hostile/valid cases and round trips (-fsanitize=address,undefined)
#   <out>/make_corpus   writes a seed corpus of valid frames
# Usage: native/fuzz/build.sh [out-dir]   (default native/build-fuzz; needs clang + libclang-rt)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../src"
out=${1:-"$here/../build-fuzz"}
mkdir -p "$out"
CC=${CC:-clang}
# The pure codec sources (no Node-API): the same files the addon compiles.
codec="$src/frame_common.c $src/frame_decode.c $src/frame_encode.c $src/lz4_decode.c $src/lz4_encode.c \
  $src/bitshuffle_scalar.c $src/bitshuffle_sse2.c $src/bitshuffle_avx2.c $src/bitshuffle_avx512.c $src/bitshuffle_dispatch.c $src/cpu_level.c"
flags="-std=c11 -g -O1 -fno-omit-frame-pointer -I$src -Wall -Wextra"
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
$CC $flags $san -fsanitize=fuzzer -o "$out/fuzz_decode" "$here/fuzz_decode.c" $codec
$CC $flags $san -o "$out/asan_decode" "$here/../test/asan_decode.c" $codec
$CC $flags -O2 -o "$out/make_corpus" "$here/make_corpus.c" $codec
echo "built $out/fuzz_decode $out/asan_decode $out/make_corpus"
