"""Hard-negative mining between training rounds: where the current model sees motion that nobody labelled.

Usage: python scripts/default_model/mine_negatives.py MANIFEST MODEL OUT_MANIFEST [--threshold 0.5] [--every 1]
       [--offset 0]

Predicts every `--every`-th training scene (starting at `--offset`) with the model and writes NAME_mined.tif
beside it: the scene's own traps raster (simulator marks of atmosphere, layover/shadow, decorrelation) with the
pixels of probability >= threshold that lie more than a few pixels from any label polygon (coherent or not, so
real motion is never taught as background) marked as model false alarms (`massmap.data.mining`).
OUT_MANIFEST is MANIFEST with the `traps` column pointing at the mined rasters of the scenes that have mined
pixels; every other row is copied unchanged, so the next round centres its trap hard negatives on the model's
own mistakes as well as on the simulator's traps. The threshold sits below the operating one so near misses
count too.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from massmap.data.mining import false_alarm_pixels, write_mined_traps
from massmap.io.labels import label_mask
from massmap.io.manifest import ManifestRow, read_manifest, write_manifest
from massmap.io.traps import read_trap_codes
from massmap.models.store import LoadedModel, load_model
from massmap.predict import predict_scene


def mine(row: ManifestRow, model: LoadedModel, threshold: float) -> tuple[Path | None, int]:
    """The scene's mined traps raster (None when the model raises no false alarm there) and its pixel count."""
    result = predict_scene(row.phase, model=model, return_probability=True, progress=False)
    labels = label_mask(row.labels, result.grid) if row.labels else np.zeros(result.grid.shape, dtype=np.uint8)
    mined = false_alarm_pixels(result.probability, labels, threshold)
    n = int(mined.sum())
    if n == 0:
        return None, 0
    path = row.phase.with_name(row.phase.name.replace("_phase.tif", "_mined.tif"))
    own = read_trap_codes(row.traps, result.grid) if row.traps else None
    return write_mined_traps(path, mined, result.grid, own), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("model")
    ap.add_argument("out_manifest")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--every", type=int, default=1, help="mine every n-th training scene")
    ap.add_argument("--offset", type=int, default=0, help="the first manifest row to mine (0 .. every - 1)")
    args = ap.parse_args()
    model = load_model(args.model)
    rows, start, n_mined, n_px, n_done = [], time.perf_counter(), 0, 0, 0
    for i, row in enumerate(read_manifest(args.manifest)):
        if row.split != "train" or i % args.every != args.offset:
            rows.append(row)
            continue
        path, n = mine(row, model, args.threshold)
        rows.append(replace(row, traps=path) if path else row)
        n_done += 1
        n_mined += path is not None
        n_px += n
    write_manifest(rows, args.out_manifest)
    print(f"{n_done} training scenes predicted in {time.perf_counter() - start:.0f} s; {n_mined} with false alarms, "
          f"{n_px} mined pixels; wrote {args.out_manifest}")


if __name__ == "__main__":
    main()
