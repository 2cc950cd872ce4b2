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
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from massmap.errors import BadInputError
from massmap.io.labels import read_polygons
from massmap.io.manifest import ManifestRow, read_manifest, write_manifest
from massmap.io.write import write_vector
from massmap.simulate.dataset import meta_path, simulate_again
from massmap.simulate.unmapped import unmapped_rows, with_unmapped


def mark(row: ManifestRow) -> tuple[ManifestRow, int]:
    """The row with its labels replaced by the copy holding unmapped motion, and the number of unmapped blobs."""
    if row.labels is None or not meta_path(row.phase).exists():
        return row, 0
    scene = simulate_again(row.phase)
    labels = read_polygons(row.labels, scene.grid)
    unmapped = unmapped_rows(scene.deformation_rad, scene.layover_shadow, labels, scene.grid,
                             scene.meta["config"]["visible_phase_rad"])
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
    try:
        main()
    except BadInputError as exc:  # a scene that no longer matches its meta.json
        raise SystemExit(str(exc)) from None
