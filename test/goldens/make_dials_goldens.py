#!/usr/bin/python3
"""Regenerates the DIALS spot-finding goldens in test/goldens/spots/.

Runs `dials.import` + `dials.find_spots` (defaults, nproc=1) on the real frames in
../shared/data/dials_data_files and writes, per frame, DIALS's strong-spot centroids
(xyzobs.px.value, pixel-centre convention (i+0.5, j+0.5)), summed intensities, and the
per-image-analysis statistics (n_spots_total, n_spots_no_ice, n_spots_4A, total_intensity,
estimated_d_min). Also records the wall time of find_spots on 1 frame and on N frames, so the
per-frame cost beyond start-up is (t_N - t_1) / (N - 1), and the ice-ring d*^2 list that DIALS
uses, for checking our own list.

Run with the Debian DIALS python: /usr/bin/python3 test/goldens/make_dials_goldens.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "dials_data_files"))
OUT = os.path.join(HERE, "spots")

# name -> (files, extra dials.find_spots arguments)
DATASETS = {
    "thaumatin": ([f"thau_3_2_{i:04d}.cbf.bz2" for i in range(1, 20)], []),
    "dls_i03_smargon": (["DLS_I03_smargon_0001.cbf.gz"], []),
    "dlsnxs2cbf_therm": (["dlsnxs2cbf_therm_0001.cbf.gz"], []),
    # the classic threshold (DIALS's default is dispersion_extended), on a few frames
    "thaumatin_dispersion": ([f"thau_3_2_{i:04d}.cbf.bz2" for i in (1, 2, 15)], ["threshold.algorithm=dispersion"]),
}


def run(cmd, cwd):
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        sys.stderr.write(res.stdout)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return dt


def find_spots(files, workdir, tag, extra=()):
    expt = os.path.join(workdir, f"{tag}.expt")
    refl = os.path.join(workdir, f"{tag}.refl")
    run(["dials.import", *files, f"output.experiments={expt}"], workdir)
    dt = run(["dials.find_spots", expt, "nproc=1", f"output.reflections={refl}",
              f"output.log={tag}.find_spots.log", *extra], workdir)
    return expt, refl, dt


def per_frame(expt_path, refl_path, files):
    from dxtbx.model.experiment_list import ExperimentListFactory
    from dials.array_family import flex
    from dials.algorithms.spot_finding import per_image_analysis as pia

    experiments = ExperimentListFactory.from_json_file(expt_path, check_format=True)
    refl = flex.reflection_table.from_file(refl_path)
    refl.centroid_px_to_mm(experiments)
    refl.map_centroids_to_reciprocal_space(experiments)
    frames = []
    for i_expt, expt in enumerate(experiments):
        imageset = expt.imageset
        sel = refl["id"] == i_expt
        r = refl.select(sel)
        x, y, _ = r["xyzobs.px.value"].parts()
        inten = r["intensity.sum.value"]
        var = r["intensity.sum.variance"]
        stats = pia.stats_for_reflection_table(r) if len(r) else None
        # stills share one imageset: experiment i is image i of it
        index = i_expt if len(imageset) > 1 else 0
        path = os.path.basename(imageset.get_path(index))
        mask = imageset.get_mask(index)
        n_masked = sum(m.count(False) for m in mask)
        frames.append({
            "file": path,
            "n": len(r),
            "n_masked_pixels": n_masked,
            "stats": None if stats is None else {
                "n_spots_total": stats.n_spots_total,
                "n_spots_no_ice": stats.n_spots_no_ice,
                "n_spots_4A": stats.n_spots_4A,
                "total_intensity": round(stats.total_intensity, 1),
                "estimated_d_min": round(stats.estimated_d_min, 3),
            },
            # x, y (px, fast/slow, pixel centre at i+0.5), summed intensity, its variance
            "spots": [[round(x[k], 2), round(y[k], 2), round(inten[k], 1), round(var[k], 1)]
                      for k in range(len(r))],
        })
    return frames


def ice_ring_dstar_sq(d_min=1.0):
    from cctbx import sgtbx, uctbx
    from dials.algorithms.integration.filtering import PowderRingFilter
    uc = uctbx.unit_cell((4.498, 4.498, 7.338, 90, 90, 120))
    sg = sgtbx.space_group_info(number=194).group()
    f = PowderRingFilter(uc, sg, d_min, 0.004)
    return sorted(set(round(v, 7) for v in f.d_star_sq))


def main():
    if not os.path.isdir(DATA):
        raise SystemExit(f"data folder missing: {DATA}")
    os.makedirs(OUT, exist_ok=True)
    dials_version = subprocess.run(["dials.version"], stdout=subprocess.PIPE, text=True).stdout.split("\n")[0]
    only = sys.argv[1:]
    for name, (names, extra) in DATASETS.items():
        if only and name not in only:
            continue
        files = [os.path.join(DATA, n) for n in names]
        with tempfile.TemporaryDirectory() as wd:
            expt, refl, t_all = find_spots(files, wd, "all", extra)
            timing = {"find_spots_s_all": round(t_all, 3), "n_frames": len(files)}
            if len(files) > 1:
                _, _, t_one = find_spots(files[:1], wd, "one", extra)
                timing["find_spots_s_one"] = round(t_one, 3)
                timing["per_frame_s"] = round((t_all - t_one) / (len(files) - 1), 4)
            frames = per_frame(expt, refl, files)
        doc = {
            "made_by": "test/goldens/make_dials_goldens.py",
            "dials": dials_version,
            "command": "dials.import FILES; dials.find_spots imported.expt nproc=1 " + " ".join(extra) +
                       " (defaults: dispersion_extended, kernel 3x3, sigma_b 6, sigma_s 3, min_local 2, "
                       "min_spot_size auto = 3 for PAD, max_separation 2)",
            "columns": ["x_px", "y_px", "intensity_sum", "intensity_variance"],
            "timing": timing,
            "frames": frames,
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        print(name, [f["n"] for f in frames], timing)
    if only:
        return
    with open(os.path.join(OUT, "ice_rings.json"), "w") as fh:
        json.dump({"made_by": "test/goldens/make_dials_goldens.py",
                   "what": "d*^2 (1/A^2) of hexagonal ice Ih rings (P6_3/mmc, a=4.498, c=7.338) as DIALS's "
                           "PowderRingFilter generates them for d_min = 1.0 A",
                   "d_star_sq": ice_ring_dstar_sq(1.0)}, fh, indent=0)


if __name__ == "__main__":
    main()
