#!/usr/bin/python3
"""Reference decodes of the real frames for test/codec-real-data.test.ts.

Run with Debian's /usr/bin/python3 (numpy, h5py, hdf5plugin, bitshuffle):
    /usr/bin/python3 test/goldens/codec/generate.py > test/goldens/codec/real-frames.json
Decodes each real blob with the reference libraries and prints sha256 of the decoded
little-endian pixel bytes plus a few pixel values, and where the raw chunk of bitshuffle.h5 lies
in the file (so tests can slice it without h5py).
"""
import hashlib
import json
import os
import sys

import bitshuffle
import h5py
import hdf5plugin  # noqa: F401  (registers filter 32008 with h5py)
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DATA = os.path.join(ROOT, '..', 'shared', 'data')


def bs_decode(blob, shape, dtype):
    # The 12-byte header (u64 BE total bytes, u32 BE block bytes) precedes the block stream.
    block_bytes = int.from_bytes(blob[8:12], 'big')
    elem = np.dtype(dtype).itemsize
    arr = np.frombuffer(blob[12:], dtype=np.uint8)
    return bitshuffle.decompress_lz4(arr, shape, np.dtype(dtype), block_bytes // elem)


def describe(pixels, points):
    le = np.ascontiguousarray(pixels.astype(pixels.dtype.newbyteorder('<')))
    flat = le.reshape(-1)
    return {
        'sha256': hashlib.sha256(le.tobytes()).hexdigest(),
        'pixels': {f'{y},{x}': int(le[y, x]) for (y, x) in points},
        'sum': int(flat.astype(np.uint64).sum()),
        'countMax': int(flat.max()),
        # A few counting pixels (neither zero nor the masked maximum), by row-major index.
        'samples': {str(int(i)): int(flat[i]) for i in np.flatnonzero((flat > 0) & (flat < flat.max()))[::997][:8]},
        'countEqualMax': int((flat == flat.max()).sum()),
    }


def main():
    out = {}
    # V1 DLS capture, frame 0 (bs16-lz4<, 2070 x 2167 uint16).
    path = os.path.join(DATA, 'captures', 'dls_v1_eiger4m', 'streamfile_12')
    blob = open(path, 'rb').read()
    px = bs_decode(blob, (2167, 2070), np.uint16)
    out['dls_v1_streamfile_12'] = {'width': 2070, 'height': 2167, 'dtype': 'uint16',
                                   'blobSha256': hashlib.sha256(blob).hexdigest(),
                                   **describe(px, [(0, 0), (100, 200), (1000, 1500), (514, 1030), (2166, 2069)])}

    # V2 tickit 16M frame sample (bslz4 uint16 with header).
    path = os.path.join(DATA, 'captures', 'tickit_v2_eiger2_16m', 'frame_sample')
    blob = open(path, 'rb').read()
    px = bs_decode(blob, (4362, 4148), np.uint16)
    out['tickit_v2_frame_sample'] = {'width': 4148, 'height': 4362, 'dtype': 'uint16',
                                     'blobSha256': hashlib.sha256(blob).hexdigest(),
                                     **describe(px, [(0, 0), (2000, 2000), (512, 1028), (4361, 4147), (3000, 100)])}

    # hdf5plugin bitshuffle.h5: the raw chunk is a bs32-lz4< blob; decode through h5py+hdf5plugin.
    path = os.path.join(DATA, 'hdf5plugin', 'bitshuffle.h5')
    with h5py.File(path, 'r') as f:
        ds = f['/entry/data/data']
        info = ds.id.get_chunk_info(0)
        _, chunk = ds.id.read_direct_chunk((0, 0, 0))
        px = ds[0]
    chunk = bytes(chunk)
    via_bitshuffle = bs_decode(chunk, (2167, 2070), np.uint32)
    assert np.array_equal(via_bitshuffle, px), 'bitshuffle and h5py disagree'
    assert px[1372, 613] == 922
    out['hdf5plugin_bitshuffle_h5'] = {'width': 2070, 'height': 2167, 'dtype': 'uint32',
                                       'chunkOffset': int(info.byte_offset), 'chunkSize': int(info.size),
                                       'blobSha256': hashlib.sha256(chunk).hexdigest(),
                                       **describe(px, [(1372, 613), (0, 0), (514, 1030), (1000, 1000), (2166, 2069)])}
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
