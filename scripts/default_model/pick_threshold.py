"""Choose a model's probability threshold, minimum polygon area and prediction tile size on its validation scenes
(never on the held-out set).

Usage: python scripts/default_model/pick_threshold.py VAL.csv MODEL_DIR [--where "coherent = 1"] [--tiles 128 256 512]
       [--thresholds 0.3 0.35 ...] [--min-areas 0 5600] [--write]
Maps each validation scene whole once per tile size, as `predict` does, vectorises the probability at every
threshold and minimum area and prints pooled pixel IoU and object F1 at IoU 0.4 (massmap.train.pick, which
training uses too); the chosen point maximises their mean. With --write the threshold, minimum area and tile size
go into the model's card. Check a tile larger than the training patch on the held-out set before shipping it: for
the shipped model, 256-px tiles won on the validation scenes and lost on the held-out ones.
"""

from __future__ import annotations

import argparse

from massmap.io.manifest import read_manifest
from massmap.models.store import load_model, save_model
from massmap.train.pick import MIN_AREAS_M2, THRESHOLDS, best_point, map_and_count, point_from_counts, validation_scene


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("val")
    ap.add_argument("model")
    ap.add_argument("--where", default="coherent = 1")
    ap.add_argument("--tiles", type=int, nargs="+", default=None,
                    help="prediction tile sizes to try (default: the card's current one)")
    ap.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    ap.add_argument("--min-areas", type=float, nargs="+", default=list(MIN_AREAS_M2), help="in m2")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--write", action="store_true",
                    help="store the chosen threshold, minimum area and tile size in the model's card")
    args = ap.parse_args()
    model = load_model(args.model)
    scenes = [validation_scene(row, args.where) for row in read_manifest(args.val)]
    tiles = args.tiles or [model.card.prediction_tile_px]
    print(f"{'tile px':>7} {'threshold':>9} {'min m2':>7} {'pixel IoU':>9} {'obj P':>6} {'obj R':>6} {'obj F1':>6}")
    best, best_tile = None, tiles[0]
    for tile in tiles:
        counts = map_and_count(model, scenes, args.thresholds, args.min_areas, tile_px=tile, backend=args.backend)
        for i, t in enumerate(args.thresholds):
            for j, m in enumerate(args.min_areas):
                p = point_from_counts(counts[i, j], t, m, len(scenes))
                print(f"{tile:>7} {t:>9.2f} {m:>7.0f} {p.pixel_iou:>9.3f} {p.object_precision:>6.3f} "
                      f"{p.object_recall:>6.3f} {p.object_f1:>6.3f}")
        point = best_point(counts, args.thresholds, args.min_areas, len(scenes))
        if best is None or point.score > best.score:
            best, best_tile = point, tile
    print(f"chosen tile {best_tile} px, threshold {best.threshold:.2f}, minimum area {best.min_area_m2:.0f} m2 "
          f"(mean of pixel IoU and object F1: {best.score:.3f})")
    if args.write:
        model.card.set_prediction_tile_px(best_tile)
        model.card.threshold = best.threshold
        model.card.min_area_m2 = best.min_area_m2
        save_model(model.net, model.card, model.path)


if __name__ == "__main__":
    main()
