#!/usr/bin/python3
"""Reference decodes of the real captures, for test/receiver-*.test.ts.

Decodes every bitshuffle-LZ4 frame in the real V1 (EIGER 4M) and V2 (EIGER2 16M) captures with the
Debian `bitshuffle` package (an implementation independent of ours) and records the sha256 of the
decoded little-endian pixel bytes plus a few pixel statistics. Run from the project root:

    /usr/bin/python3 test/goldens/receiver/make_goldens.py > test/goldens/receiver/captures.json
"""
import hashlib
import json
import os
import struct
import sys

import bitshuffle
import cbor2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DATA = os.path.join(ROOT, '..', 'shared', 'data', 'captures')


def decode_bslz4(blob, width, height, dtype):
    total, block_bytes = struct.unpack('>QI', bytes(blob[:12]))
    elem = np.dtype(dtype).itemsize
    assert total == width * height * elem, (total, width, height, elem)
    arr = bitshuffle.decompress_lz4(np.frombuffer(blob, dtype=np.uint8, offset=12), (height, width),
                                    np.dtype(dtype), block_bytes // elem)
    return arr


def summary(arr, source):
    le = arr.astype(arr.dtype.newbyteorder('<'), copy=False)
    return {
        'source': source,
        'width': int(arr.shape[1]),
        'height': int(arr.shape[0]),
        'dtype': str(arr.dtype),
        'sha256': hashlib.sha256(le.tobytes()).hexdigest(),
        'sum': int(arr.astype(np.uint64).sum()),
        'max': int(arr.max()),
        'first16': [int(v) for v in arr.reshape(-1)[:16]],
        'pixel_100_200': int(arr[200, 100]),
    }


def v1_frames():
    out = []
    d = os.path.join(DATA, 'dls_v1_eiger4m')
    for first in (10, 14, 18):
        header = json.loads(open(os.path.join(d, f'streamfile_{first}'), 'rb').read())
        desc = json.loads(open(os.path.join(d, f'streamfile_{first + 1}'), 'rb').read())
        blob = open(os.path.join(d, f'streamfile_{first + 2}'), 'rb').read()
        width, height = desc['shape']
        arr = decode_bslz4(blob, width, height, desc['type'])
        s = summary(arr, f'dls_v1_eiger4m/streamfile_{first + 2}')
        s['frame'] = header['frame']
        out.append(s)
    return out


def v2_frames():
    path = os.path.join(DATA, 'tickit_v2_eiger2_16m', 'image.cbor')
    raw = open(path, 'rb').read()

    def tag_hook(decoder, tag, shareable_index=None):
        if tag.tag == 56500:
            return {'algorithm': tag.value[0], 'elem': tag.value[1], 'bytes': tag.value[2]}
        if tag.tag == 69:
            return {'typed': 'uint16', 'inner': tag.value}
        if tag.tag == 40:
            return {'dims': tag.value[0], 'array': tag.value[1]}
        return tag

    msg = cbor2.loads(raw, tag_hook=tag_hook)
    out = []
    for channel, md in msg['data'].items():
        rows, cols = md['dims']
        comp = md['array']['inner']
        assert comp['algorithm'] == 'bslz4'
        arr = decode_bslz4(comp['bytes'], cols, rows, md['array']['typed'])
        s = summary(arr, 'tickit_v2_eiger2_16m/image.cbor')
        s['frame'] = msg['image_id']
        s['channel'] = channel
        out.append(s)
    return out


def main():
    json.dump({'generator': 'test/goldens/receiver/make_goldens.py (Debian python3 bitshuffle + numpy)',
               'v1': v1_frames(), 'v2': v2_frames()}, sys.stdout, indent=2)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
