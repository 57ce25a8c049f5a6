#!/usr/bin/env bash
# The Debian 12 packages stream-pipeline needs, installed when missing (as root, or with sudo).
#   bash tools/system-packages.sh demo   # to build and run it: compilers and HDF5 for the native addons
#   bash tools/system-packages.sh test   # and what the test suite uses (CI: .ci/run)
# This is the one list of system packages; the README's quick start and .ci/run both use it.
set -euo pipefail

# Compilers and headers for the Node-API addons (node-gyp: make, g++, python3); the HDF5 library,
# its headers and pkg-config for the hit-file addon (sp_hdf5); and the HDF5 filter plugins that
# readers of the hit files need: bitshuffle/LZ4 (32008, in Debian's bitshuffle package) and LZ4.
DEMO=(build-essential python3 pkg-config libhdf5-dev hdf5-filter-plugin bitshuffle)
# The reference tools the cross-check tests call (DIALS, pyFAI, Debian's bitshuffle, h5py with
# hdf5plugin and the LZ4 HDF5 filter, pyzmq and cbor2 for the stream captures), the HDF5 library
# and h5dump, clang with its runtime for the ASan/libFuzzer build, clang-format (npm run lint),
# and chromium for the browser tests. RabbitMQ and pika for the broker tests
# (the tests start their own broker; the system one that apt starts is not used).
TEST=(pkg-config libhdf5-dev hdf5-tools clang clang-format libclang-rt-14-dev bitshuffle hdf5-filter-plugin python3-numpy python3-h5py
  python3-hdf5plugin python3-zmq python3-cbor2 python3-pyfai dials chromium
  rabbitmq-server python3-pika)

case "${1:-}" in
  demo) wanted=("${DEMO[@]}") ;;
  test) wanted=("${DEMO[@]}" "${TEST[@]}") ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "stream-pipeline needs these Debian packages; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
