#!/bin/sh
# Regenerates test/goldens/spots/*.json from dials.find_spots on the real frames in
# ../shared/data/dials_data_files (needs the Debian `dials` package). Single process, ~2-4 min.
set -e
cd "$(dirname "$0")/../.."
command -v dials.find_spots >/dev/null || { echo "dials.find_spots not installed" >&2; exit 1; }
exec /usr/bin/python3 test/goldens/make_dials_goldens.py "$@"
