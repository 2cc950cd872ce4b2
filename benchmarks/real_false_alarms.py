"""Real false-alarm benchmark: a model on real LiCSAR patches without deformation (../shared/data, not shipped).

Every polygon drawn on one of these patches is a false positive. The patches of volcanoes that
`massmap.data.real_negatives.volcano_split` puts in `test` are mapped (those in `train` are kept for hard-negative
training); prints the share of patches with any polygon, polygons per 100 km2 (at the stated pixel size) and the
median top score. Target: polygons on at most 1 patch in 10.

    python benchmarks/real_false_alarms.py [--model default] [--split test] [--pixel-size 100] [--upsample 4]

`--upsample N` resamples each patch's phasor N times finer (bilinear on cos and sin) before mapping, so that a
model trained at 20-30 m sees the 100 m patches at the pixel size it knows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

from massmap.data.real_negatives import (  # noqa: E402
    phase_from_grey,
    read_grey_patch,
    read_index,
    volcano_split,
    write_phase_geotiff,
)
from massmap.models.store import load_model  # noqa: E402
from massmap.predict.run import predict_scene  # noqa: E402

DEFAULT_INDEX = Path(__file__).resolve().parents[2] / "shared" / "data" / "licsar-volcano-negatives" / "index.csv"


def main() -> None:
    """Map the real negative patches of one split and print the false-alarm figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--model", default="default")
    parser.add_argument("--split", default="test", choices=["train", "test", "all"])
    parser.add_argument("--pixel-size", type=float, default=100.0, help="ground pixel size in m (LiCSAR ~0.001 deg)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--upsample", type=int, default=1, help="map each patch N times finer (phasor resampled)")
    args = parser.parse_args()
    if not args.index.exists():
        sys.exit(f"{args.index}: not found (the shared sample data is not shipped)")
    print(machine_line())
    patches = [p for p in read_index(args.index) if args.split == "all" or volcano_split(p.volcano) == args.split]
    model = load_model(args.model)
    started = time.perf_counter()
    with_polygons, n_polygons, area_km2, top_scores = 0, 0, 0.0, []
    with tempfile.TemporaryDirectory() as folder:
        for i, patch in enumerate(patches):
            phase = phase_from_grey(read_grey_patch(patch.path))
            area_km2 += float(np.isfinite(phase).sum()) * args.pixel_size**2 / 1e6
            if args.upsample > 1:
                phase = finer_phase(phase, args.upsample)
            scene = write_phase_geotiff(phase, Path(folder) / f"p{i}.tif")
            result = predict_scene(scene, model=model, pixel_size_m=args.pixel_size / args.upsample, progress=False,
                                   return_probability=True, backend=args.backend)
            n_polygons += len(result.polygons)
            with_polygons += bool(len(result.polygons))
            if result.probability is not None and np.isfinite(result.probability).any():
                top_scores.append(float(np.nanmax(result.probability)))
    seconds = time.perf_counter() - started
    print(f"model {args.model}, split {args.split}: {len(patches)} patches of "
          f"{len({p.volcano for p in patches})} volcanoes, {area_km2:.0f} km2 at {args.pixel_size:g} m pixels, "
          f"mapped at {args.pixel_size / args.upsample:g} m")
    print("| patches with a polygon | polygons | per 100 km2 | median top probability | seconds |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {with_polygons}/{len(patches)} ({with_polygons / max(len(patches), 1):.2f}) | {n_polygons} | "
          f"{100 * n_polygons / max(area_km2, 1e-9):.2f} | {np.median(top_scores):.2f} | {seconds:.0f} |")


def finer_phase(phase: np.ndarray, factor: int) -> np.ndarray:
    """Wrapped phase resampled `factor` times finer through its unit phasor (bilinear), nodata kept as NaN."""
    from scipy import ndimage

    valid = np.isfinite(phase)
    filled = np.where(valid, phase, 0.0)
    cos, sin = (ndimage.zoom(f(filled) * valid, factor, order=1) for f in (np.cos, np.sin))
    keep = ndimage.zoom(valid.astype(np.float32), factor, order=0) > 0.5
    return np.where(keep, np.arctan2(sin, cos), np.nan).astype(np.float32)


if __name__ == "__main__":
    main()
