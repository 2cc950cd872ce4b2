"""Hard-negative mining between training rounds: where the current model sees motion that nobody labelled.

Usage: python scripts/default_model/mine_negatives.py MANIFEST MODEL OUT_MANIFEST [--threshold 0.5] [--every 1]

Predicts every `--every`-th training scene with the model and writes NAME_mined.tif beside it: a traps raster
(`massmap.data.mining`) marking pixels of probability >= threshold that lie more than a few pixels from any
label polygon (coherent or not, so real motion is never taught as background).
OUT_MANIFEST is MANIFEST with the `traps` column pointing at the mined rasters of the scenes that have mined
pixels and empty elsewhere, so the next round centres its trap hard negatives on the model's own mistakes.
Validation rows are copied unchanged. The threshold sits below the operating one so near misses count too.
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
    return write_mined_traps(path, mined, result.grid), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("model")
    ap.add_argument("out_manifest")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--every", type=int, default=1, help="mine every n-th training scene")
    args = ap.parse_args()
    model = load_model(args.model)
    rows, start, n_mined, n_px, n_done = [], time.perf_counter(), 0, 0, 0
    for i, row in enumerate(read_manifest(args.manifest)):
        if row.split != "train" or i % args.every:
            rows.append(row if row.split != "train" else replace(row, traps=None))
            continue
        path, n = mine(row, model, args.threshold)
        rows.append(replace(row, traps=path))
        n_done += 1
        n_mined += path is not None
        n_px += n
    write_manifest(rows, args.out_manifest)
    print(f"{n_done} training scenes predicted in {time.perf_counter() - start:.0f} s; {n_mined} with false alarms, "
          f"{n_px} mined pixels; wrote {args.out_manifest}")


if __name__ == "__main__":
    main()
