#!/usr/bin/python3
"""Reference radial profiles from pyFAI, for test/radial-pyfai.test.ts.

Runs pyFAI's integrate1d with method ("no", "histogram", "cython") (no pixel splitting, the
binning our per-pixel table reproduces) on
  * a deterministic synthetic EIGER2 4M frame (the same generator as test/radial-fixtures.ts:
    integer-only, so both produce identical pixels), with gaps, a detector mask, saturated
    pixels and a user mask, in q, 2theta and d, with and without solid-angle/polarisation
    corrections;
  * the PILATUS 1M CeO2 image with its .poni (tilted detector), flipped vertically as Dioptas does.

pyFAI 0.21 has no d unit: the d case bins d = 2 pi / q over pyFAI's own q array with pyFAI's
histogram engine (pyFAI.ext.histogram.histogram1d_engine), exactly as integrate1d does for q.

Usage: /usr/bin/python3 make_pyfai_goldens.py [--out DIR] [--cases synthetic,ceo2] [--data ROOT]
Writes DIR/synthetic_eiger4m.json and DIR/ceo2_pilatus1m.json.
"""
import argparse
import json
import os
import sys

import numpy

import pyFAI
from pyFAI.azimuthalIntegrator import AzimuthalIntegrator
from pyFAI.detectors import Detector
from pyFAI.ext.histogram import histogram1d_engine

HERE = os.path.dirname(os.path.abspath(__file__))
METHOD = ("no", "histogram", "cython")

# ---- the synthetic frame (keep in step with test/radial-fixtures.ts) ----
SYN = dict(width=2068, height=2162, beamCenterX=1010.3, beamCenterY=1123.6, distance=0.15,
           wavelength=1.0, pixelSizeX=75e-6, pixelSizeY=75e-6, saturation=100000)
SYN_USER_MASK = dict(rectangles=[dict(x0=1000, y0=0, x1=1020, y1=1100)],
                     circles=[dict(x=1010.3, y=1123.6, r=40)])
GAP_COLS = (1028, 1040)
GAP_ROWS = ((512, 550), (1062, 1100), (1612, 1650))
RINGS = (300, 520, 760, 990)


def mix32(i):
    """A 32-bit integer hash of the pixel index (wrapping uint32 arithmetic)."""
    h = i.astype(numpy.uint32) * numpy.uint32(0x9E3779B1)
    h ^= h >> numpy.uint32(16)
    h *= numpy.uint32(0x85EBCA6B)
    h ^= h >> numpy.uint32(13)
    h *= numpy.uint32(0xC2B2AE35)
    h ^= h >> numpy.uint32(16)
    return h


def synthetic_frame():
    w, h, sat = SYN["width"], SYN["height"], SYN["saturation"]
    idx = numpy.arange(w * h, dtype=numpy.int64)
    x = idx % w
    y = idx // w
    hs = mix32(idx).astype(numpy.int64)
    r2 = (x - 1010) ** 2 + (y - 1124) ** 2
    v = 5 + 2_000_000 // (r2 + 4000) + hs % 7 + (hs >> 8) % 3
    for r in RINGS:
        v = v + numpy.where(numpy.abs(r2 - r * r) < 6 * r, 40, 0)
    sel = (hs >> 20) % 4096
    v = numpy.where(sel == 0, sat + 1 + hs % 100, v)
    v = numpy.where(sel == 1, sat, v)
    det = numpy.zeros(w * h, dtype=numpy.int64)
    gap = (x >= GAP_COLS[0]) & (x < GAP_COLS[1])
    for a, b in GAP_ROWS:
        gap |= (y >= a) & (y < b)
    v = numpy.where(gap, 0xFFFFFFFF, v)
    det = numpy.where(gap, 1, det)
    sel2 = (hs >> 12) % 5000
    det = numpy.where(sel2 == 0, det | 2, det)
    det = numpy.where(sel2 == 1, det | 0x10000, det)
    v = numpy.where(sel2 == 2, 0xFFFFFFFF, v)
    return v.astype(numpy.uint32).reshape(h, w), det.astype(numpy.uint32).reshape(h, w)


def user_mask(shape, um):
    h, w = shape
    xc = numpy.arange(w, dtype=numpy.float64)[None, :] + 0.5
    yc = numpy.arange(h, dtype=numpy.float64)[:, None] + 0.5
    out = numpy.zeros(shape, dtype=bool)
    for r in um.get("rectangles", []):
        out |= ((xc >= min(r["x0"], r["x1"])) & (xc <= max(r["x0"], r["x1"])) &
                (yc >= min(r["y0"], r["y1"])) & (yc <= max(r["y0"], r["y1"])))
    for c in um.get("circles", []):
        out |= (xc - c["x"]) ** 2 + (yc - c["y"]) ** 2 <= c["r"] * c["r"]
    return out


def integrator(g, shape, rotations=(0.0, 0.0, 0.0)):
    det = Detector(pixel1=g["pixelSizeY"], pixel2=g["pixelSizeX"], max_shape=shape)
    return AzimuthalIntegrator(dist=g["distance"], poni1=g["beamCenterY"] * g["pixelSizeY"],
                               poni2=g["beamCenterX"] * g["pixelSizeX"], rot1=rotations[0],
                               rot2=rotations[1], rot3=rotations[2], detector=det,
                               wavelength=g["wavelength"] * 1e-10)


def result_dict(name, unit, npt, lo, hi, positions, intensity, count, signal, norm, extra=None):
    out = dict(name=name, unit=unit, npt=npt, min=lo, max=hi,
               positions=[float(p) for p in positions],
               intensity=[float(i) for i in intensity],
               count=[int(round(c)) for c in count],
               sumSignal=[float(s) for s in signal],
               sumNormalization=[float(s) for s in norm])
    if extra:
        out.update(extra)
    return out


def integrate(ai, data, mask, unit, npt, lo, hi, name, solid_angle=False, polarization=None):
    if unit == "d":
        q_nm = ai.qArray(data.shape)
        dpos = 2 * numpy.pi / (q_nm * 0.1)
        sa = ai.solidAngleArray(data.shape) if solid_angle else None
        pol = ai.polarization(data.shape, polarization) if polarization is not None else None
        r = histogram1d_engine(dpos, npt, data, mask=mask, solidangle=sa, polarization=pol,
                               radial_range=(lo, hi))
        return result_dict(name, "d", npt, lo, hi, r.position, r.intensity, r.count, r.signal,
                           r.normalization)
    pyfai_unit = {"q": "q_A^-1", "2theta": "2th_deg"}[unit]
    r = ai.integrate1d(data, npt, unit=pyfai_unit, radial_range=(lo, hi), method=METHOD,
                       correctSolidAngle=solid_angle, polarization_factor=polarization, mask=mask)
    return result_dict(name, unit, npt, lo, hi, r.radial, r.intensity, r.count, r.sum_signal,
                       r.sum_normalization, dict(method=str(r.method), engine=r.compute_engine))


def synthetic_cases():
    frame, det = synthetic_frame()
    g = SYN
    ai = integrator(g, frame.shape)
    valid = ((det & 0xFFFF) == 0) & ~user_mask(frame.shape, SYN_USER_MASK)
    mask = ~valid | (frame == 0xFFFFFFFF) | (frame > g["saturation"])
    cases = [
        integrate(ai, frame, mask, "q", 1000, 0.0, 3.8, "q-1000"),
        integrate(ai, frame, mask, "2theta", 900, 0.0, 36.0, "2theta-900"),
        integrate(ai, frame, mask, "d", 500, 1.5, 30.0, "d-500"),
        integrate(ai, frame, mask, "q", 1000, 0.0, 3.8, "q-1000-solidangle-pol0.99",
                  solid_angle=True, polarization=0.99),
        integrate(ai, frame, mask, "2theta", 300, 0.0, 36.0, "2theta-300-solidangle",
                  solid_angle=True),
    ]
    frame_stats = dict(sum=int(frame.astype(numpy.uint64).sum()), allOnes=int((frame == 0xFFFFFFFF).sum()),
                       aboveSaturation=int(((frame > g["saturation"]) & (frame != 0xFFFFFFFF)).sum()),
                       detectorMasked=int(((det & 0xFFFF) != 0).sum()), validStatic=int(valid.sum()),
                       pyfaiMasked=int(mask.sum()))
    return dict(pyfai=pyFAI.version, geometry=g, userMask=SYN_USER_MASK, frame=frame_stats, cases=cases)


def read_poni(path):
    out = {}
    with open(path) as f:
        for line in f:
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k.strip()] = v.strip()
    return out


def ceo2_cases(root):
    base = os.path.join(root, "dioptas", "CeO2_Pilatus1M")
    import fabio
    data = numpy.flipud(fabio.open(base + ".tif").data).copy()
    p = read_poni(base + ".poni")
    px1, px2 = float(p["PixelSize1"]), float(p["PixelSize2"])
    g = dict(width=data.shape[1], height=data.shape[0], beamCenterX=float(p["Poni2"]) / px2,
             beamCenterY=float(p["Poni1"]) / px1, distance=float(p["Distance"]),
             wavelength=float(p["Wavelength"]) * 1e10, pixelSizeX=px2, pixelSizeY=px1)
    rot = (float(p["Rot1"]), float(p["Rot2"]), float(p["Rot3"]))
    ai = integrator(g, data.shape, rot)
    mask = data < 0
    tth_max = float(numpy.degrees(ai.twoThetaArray(data.shape).max()))
    cases = [integrate(ai, data, mask, "2theta", 1500, 0.0, 31.0, "2theta-1500"),
             integrate(ai, data, mask, "q", 800, 0.0, 8.0, "q-800-solidangle", solid_angle=True)]
    return dict(pyfai=pyFAI.version, geometry=g, rotations=dict(rot1=rot[0], rot2=rot[1], rot3=rot[2]),
                twoThetaMaxDeg=tth_max, negativePixels=int(mask.sum()), cases=cases)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "radial"))
    ap.add_argument("--cases", default="synthetic,ceo2")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    wanted = a.cases.split(",")
    if "synthetic" in wanted:
        with open(os.path.join(a.out, "synthetic_eiger4m.json"), "w") as f:
            json.dump(synthetic_cases(), f)
    if "ceo2" in wanted:
        if os.path.exists(os.path.join(a.data, "dioptas", "CeO2_Pilatus1M.tif")):
            with open(os.path.join(a.out, "ceo2_pilatus1m.json"), "w") as f:
                json.dump(ceo2_cases(a.data), f)
        else:
            print("CeO2 data not found under", a.data, file=sys.stderr)


if __name__ == "__main__":
    main()
