"""Does a model's map depend on the prediction tile size? Pixel IoU between tile sizes, and against the labels.

Simulates scenes with seeds never used in training (`massmap simulate` draws, 20 m pixels), maps each at every
tile size given (same overlap and model), and prints per tile size the pooled pixel IoU against the coherent
labels, and for each pair of tile sizes the pooled IoU of their thresholded maps and the mean absolute
difference of their probabilities.

    python benchmarks/tile_size.py                          # default model, 128/256/512 px, 4 scenes of 512 px
    python benchmarks/tile_size.py --tiles 128 256 --scenes 8 --size 768 --overlap 0.5
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

# Seeds far from the training (101-107), validation and held-out draws of scripts/default_model/make_data.py.
FIRST_SEED = 7100
# As in `massmap demo`: a slope busy with movements, so that every scene has coherent patterns to score.
MOVEMENTS = (30, 40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--tiles", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--scenes", type=int, default=4)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--overlap", type=float, default=None, help="Tile overlap (default: PredictSettings').")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--manifest", default=None,
                        help="Map the scenes of this manifest (e.g. made by `massmap simulate`) instead of simulating.")
    args = parser.parse_args()

    from massmap.io.labels import label_mask, rasterize_polygons
    from massmap.io.manifest import read_manifest
    from massmap.io.scene import open_scene
    from massmap.models.store import load_model
    from massmap.predict.run import predict_scene
    from massmap.predict.settings import PredictSettings
    from massmap.simulate.config import SimulationConfig
    from massmap.simulate.dataset import write_scene
    from massmap.simulate.scene import simulate_scene

    loaded = load_model(args.model, device="cpu")
    base = PredictSettings(backend=args.backend).replace(overlap=args.overlap)
    threshold = loaded.card.threshold
    maps: dict[int, list[np.ndarray]] = {t: [] for t in args.tiles}
    truths: list[np.ndarray] = []
    seconds: dict[int, float] = {t: 0.0 for t in args.tiles}
    with tempfile.TemporaryDirectory(prefix="massmap-tiles-") as tmp:
        scenes: list[Path] = []
        if args.manifest:
            for row in read_manifest(args.manifest):
                scenes.append(row.phase)
                with open_scene(row.phase, row.coherence) as reader:
                    grid = reader.grid
                truths.append(label_mask(row.labels, grid, where="coherent = 1").astype(bool))
        for k in range(0 if args.manifest else args.scenes):
            scene = simulate_scene(SimulationConfig(size=args.size, n_movements=MOVEMENTS), FIRST_SEED + k,
                                   negative="")
            scenes.append(write_scene(scene, Path(tmp), f"s{k}", quicklook=False)["phase"])
            labels = scene.labels[scene.labels["coherent"]] if len(scene.labels) else scene.labels
            truths.append(rasterize_polygons(labels, scene.grid).astype(bool))
        for path in scenes:
            for t in args.tiles:
                started = time.perf_counter()
                result = predict_scene(path, model=loaded, settings=base.replace(tile_px=t),
                                       progress=False, return_probability=True)
                seconds[t] += time.perf_counter() - started
                maps[t].append(np.nan_to_num(result.probability, nan=0.0))

    def iou(a: list[np.ndarray], b: list[np.ndarray]) -> float:
        inter = sum(int((x & y).sum()) for x, y in zip(a, b))
        union = sum(int((x | y).sum()) for x, y in zip(a, b))
        return inter / union if union else float("nan")

    masks = {t: [p >= threshold for p in ps] for t, ps in maps.items()}
    print(machine_line())
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    where = f"{len(truths)} scenes of {args.manifest}" if args.manifest else (
        f"{args.scenes} simulated scenes of {args.size} px, seeds {FIRST_SEED}-{FIRST_SEED + args.scenes - 1}")
    print(f"model {args.model} ({loaded.card.arch}/{loaded.card.encoder}, trained on {loaded.card.patch_size} px), "
          f"threshold {threshold}, overlap {base.overlap}; {where}")
    print(f"{'tile px':>8s} {'IoU vs labels':>14s} {'seconds':>8s}")
    for t in args.tiles:
        print(f"{t:8d} {iou(masks[t], truths):14.3f} {seconds[t]:8.1f}")
    print(f"{'pair':>10s} {'IoU of maps':>12s} {'mean |dp|':>10s} {'IoU vs labels diff':>19s}")
    for a, b in itertools.combinations(args.tiles, 2):
        dp = np.mean([np.abs(x - y).mean() for x, y in zip(maps[a], maps[b])])
        print(f"{a:4d}/{b:<5d} {iou(masks[a], masks[b]):12.3f} {dp:10.4f} "
              f"{iou(masks[a], truths) - iou(masks[b], truths):19.3f}")


if __name__ == "__main__":
    main()
