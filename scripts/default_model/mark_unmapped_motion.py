"""Add each simulated scene's unmapped motion to a copy of its labels, so training leaves it out of the loss.

Usage: python scripts/default_model/mark_unmapped_motion.py MANIFEST OUT_MANIFEST [--workers 2]

Every scene is simulated again from the seed and settings in its NAME_meta.json (checked against the phase on
disk), and NAME_labels_unmapped.gpkg is written beside its labels: the labels plus one `coherent = False`,
`kind = unmapped` row per blob of visible deformation phase that no label covers (`massmap.simulate.unmapped`).
OUT_MANIFEST is MANIFEST with the `labels` column pointing at those files; a scene without a meta.json (not
simulated) is copied unchanged. Train on OUT_MANIFEST with `--where "coherent = 1"`; score on the original labels.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from massmap.io.labels import read_polygons
from massmap.io.manifest import ManifestRow, read_manifest, write_manifest
from massmap.io.scene import open_scene
from massmap.io.write import write_vector
from massmap.simulate.config import SimulationConfig
from massmap.simulate.scene import simulate_scene
from massmap.simulate.unmapped import unmapped_rows, with_unmapped


def mark(row: ManifestRow) -> tuple[ManifestRow, int]:
    """The row with its labels replaced by the copy holding unmapped motion, and the number of unmapped blobs."""
    meta_path = row.phase.with_name(row.phase.name.replace("_phase.tif", "_meta.json"))
    if row.labels is None or not meta_path.exists():
        return row, 0
    meta = json.loads(meta_path.read_text())
    config = SimulationConfig.from_dict(meta["config"])
    scene = simulate_scene(config, meta["seed"])
    with open_scene(row.phase) as reader:
        on_disk, _ = reader.read_phase()
    if not np.allclose(on_disk, scene.phase_rad, atol=1e-5):
        raise SystemExit(f"{row.phase}: the scene simulated again from its meta.json differs from the file")
    labels = read_polygons(row.labels, scene.grid)
    unmapped = unmapped_rows(scene.deformation_rad, scene.layover_shadow, labels, scene.grid,
                             config.visible_phase_rad)
    out = row.labels.with_name(row.labels.stem + "_unmapped.gpkg")
    write_vector(with_unmapped(labels, unmapped), out, layer="labels")
    return replace(row, labels=out), len(unmapped)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("out_manifest")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    start = time.perf_counter()
    rows = read_manifest(args.manifest)
    with ProcessPoolExecutor(args.workers) as pool:
        marked = list(pool.map(mark, rows, chunksize=8))
    write_manifest([r for r, _ in marked], args.out_manifest)
    print(f"{len(rows)} scenes in {time.perf_counter() - start:.0f} s; {sum(n for _, n in marked)} unmapped blobs; "
          f"wrote {args.out_manifest}")


if __name__ == "__main__":
    main()
