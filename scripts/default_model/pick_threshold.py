"""Choose a model's probability threshold and prediction tile size on its validation scenes (never on the held-out set).

Usage: python scripts/default_model/pick_threshold.py VAL.csv MODEL_DIR [--where "coherent = 1"] [--tiles 128 256 512]
Predicts each validation scene once per tile size, vectorises the probability at thresholds 0.3 ... 0.9 and
prints pooled pixel IoU and object F1 at IoU 0.4; the chosen pair maximises their mean. With --write both go
into the model's card. Check a tile larger than the training patch on the held-out set before shipping it: for
the shipped model, 256-px tiles won on the validation scenes and lost on the held-out ones.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from massmap.evaluate.run import evaluate
from massmap.metrics.matching import object_scores
from massmap.metrics.pixel import metrics_from_counts
from massmap.io.manifest import read_manifest
from massmap.io.write import write_vector
from massmap.models.store import load_model, save_model
from massmap.predict import predict_scene
from massmap.vectorize import polygons_from_array

THRESHOLDS = tuple(np.round(np.arange(0.3, 0.91, 0.05), 2))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("val")
    ap.add_argument("model")
    ap.add_argument("--where", default="coherent = 1")
    ap.add_argument("--tiles", type=int, nargs="+", default=None,
                    help="prediction tile sizes to try (default: the card's current one)")
    ap.add_argument("--write", action="store_true", help="store the chosen threshold and tile size in the model's card")
    args = ap.parse_args()
    model = load_model(args.model)
    tiles = args.tiles or [model.card.prediction_tile_px]
    # (tile, threshold) -> tp fp fn, object tp n_pred n_truth
    counts = {(tile, t): np.zeros(6, dtype=np.int64) for tile in tiles for t in THRESHOLDS}
    with tempfile.TemporaryDirectory() as tmp:
        for i, row in enumerate(read_manifest(args.val)):
            for tile in tiles:
                result = predict_scene(row.phase, Path(tmp) / "p.gpkg", model=model, progress=False,
                                       return_probability=True, tile_px=tile)
                for t in THRESHOLDS:
                    out = Path(tmp) / f"p_{i}_{tile}_{t}.gpkg"
                    write_vector(polygons_from_array(result.probability, result.grid, threshold=float(t)), out)
                    scores = evaluate(out, row.labels, row.phase, where=args.where, require_truth=False)
                    counts[tile, t] += [scores["pixel"]["tp"], scores["pixel"]["fp"], scores["pixel"]["fn"],
                                        scores["object"]["tp"], scores["object"]["n_pred"], scores["object"]["n_truth"]]
    print(f"{'tile px':>7} {'threshold':>9} {'pixel IoU':>9} {'obj P':>6} {'obj R':>6} {'obj F1':>6}")
    best, best_score = None, -1.0
    for (tile, t), c in counts.items():
        pixel = metrics_from_counts(*c[:3])
        obj = object_scores(int(c[3]), int(c[4]), int(c[5]), 0.4)
        score = (pixel["iou"] + obj["f1"]) / 2
        print(f"{tile:>7} {t:>9.2f} {pixel['iou']:>9.3f} {obj['precision']:>6.3f} {obj['recall']:>6.3f} {obj['f1']:>6.3f}")
        if score > best_score:
            best, best_score = (tile, float(t)), score
    print(f"chosen tile {best[0]} px, threshold {best[1]:.2f} (mean of pixel IoU and object F1: {best_score:.3f})")
    if args.write:
        model.card.set_prediction_tile_px(best[0])
        model.card.threshold = best[1]
        save_model(model.net, model.card, model.path)


if __name__ == "__main__":
    main()
