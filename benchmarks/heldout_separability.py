"""How separable the held-out patterns are from their own atmosphere and noise, and what the model finds of each class.

Usage: python benchmarks/heldout_separability.py HELDOUT.csv RESULTS.json
(RESULTS.json from benchmarks/default_model_heldout.py --out, which lists every scored pattern.)
Each held-out scene is simulated again from the seed and settings in its NAME_meta.json (checked against the
phase on disk), so the deformation, atmospheric and noise phase are known apart. For each coherent pattern, a
band-pass at the pattern's own scale (difference of Gaussians of sigma r/2 and 2r, r = sqrt(area / pi) in
pixels, roughly a matched blob filter; `massmap.simulate.separability`) is applied to its deformation phase and
to everything else in the phase (atmosphere plus the wrapped residual of noise and filtering). The
signal-to-clutter ratio is the band-passed deformation's peak inside the pattern over the band-passed clutter's
standard deviation in a box of 8r around it: below 1, the scene holds atmospheric blobs of the same size and
strength nearby, and no detector that sees only the wrapped phase can tell the pattern from them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from machine import machine_line  # benchmarks/machine.py, beside this script

from massmap.errors import BadInputError
from massmap.io.labels import rasterize_polygons, read_polygons
from massmap.io.manifest import read_manifest
from massmap.simulate.dataset import simulate_again
from massmap.simulate.separability import clutter_phase, separability

SCR_EDGES = (2.0, 4.0, 8.0, 16.0)
WHERE = "coherent = 1"


def scene_patterns(phase_path: Path, labels_path: Path) -> list[dict]:
    """Signal, clutter and their ratio for every coherent pattern of one held-out scene (`label`: its row among the
    coherent labels, as the held-out benchmark numbers them)."""
    scene = simulate_again(phase_path)
    clutter = clutter_phase(scene.phase_rad, scene.deformation_rad, scene.atmosphere_rad)
    labels = read_polygons(labels_path, scene.grid, where=WHERE)
    ids = rasterize_polygons(labels, scene.grid, values=np.arange(1, len(labels) + 1))
    rows = []
    for k in range(len(labels)):
        mask = ids == k + 1
        n_px = int(mask.sum())
        if n_px == 0:  # wholly covered by a later, overlapping polygon
            continue
        found = separability(scene.deformation_rad, clutter, mask)
        rows.append({"label": k, "pixels": n_px, "signal_rad": found.signal_rad, "clutter_rad": found.clutter_rad,
                     "scr": found.scr})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("heldout")
    ap.add_argument("results")
    args = ap.parse_args()
    results = json.loads(Path(args.results).read_text())
    found = {(p["scene"], p["label"]): p for p in results["patterns"]}
    patterns = []
    for i, row in enumerate(read_manifest(args.heldout)):
        patterns += [{**p, **found[i, p["label"]]} for p in scene_patterns(row.phase, row.labels)]
    scr = np.array([p["scr"] for p in patterns])
    print(machine_line())
    print(f"{len(patterns)} coherent held-out patterns; model {results['model']['path']} "
          f"(threshold {results['model']['threshold']}, tiles of {results['model'].get('tile_px', '?')} px)")
    print(f"signal-to-clutter ratio at each pattern's scale: median {np.median(scr):.2f}, "
          f"quartiles {np.percentile(scr, 25):.2f} / {np.percentile(scr, 75):.2f}")
    print(f"{'ratio':>8} {'n':>4} {'share':>6} {'recall':>7} {'mean best IoU':>14} {'median px':>10}")
    edges = (0.0,) + SCR_EDGES + (np.inf,)
    for lo, hi in zip(edges[:-1], edges[1:]):
        group = [p for p in patterns if lo <= p["scr"] < hi]
        if not group:
            continue
        name = f"<{hi:g}" if lo == 0 else f">={lo:g}" if hi == np.inf else f"{lo:g}-{hi:g}"
        print(f"{name:>8} {len(group):>4} {len(group) / len(patterns):>6.2f} "
              f"{np.mean([p['matched'] for p in group]):>7.2f} {np.mean([p['best_iou'] for p in group]):>14.2f} "
              f"{np.median([p['pixels'] for p in group]):>10.0f}")


if __name__ == "__main__":
    try:
        main()
    except BadInputError as exc:  # a scene that no longer matches its meta.json
        raise SystemExit(str(exc)) from None
