"""Held-out accuracy of a model on simulated scenes it never saw, and false positives on motion-free scenes.

Usage: python benchmarks/default_model_heldout.py HELDOUT.csv NEGATIVE.csv [--model default] [--tta] [--tile-px N]
       [--out results.json]
(the sets come from scripts/default_model/make_data.py: other seeds, another DEM, a heading offset of 6 degrees
and 1.6x atmosphere; the negative set has no motion and 2x atmosphere).
Scores coherent label polygons (`coherent = 1`), pooled over scenes: pixel IoU/Dice, object precision/recall/F1 at
IoU 0.4 and the curve over IoU thresholds 0.1-0.9, for all objects and for objects of at least 5,600 m2;
per set (the folder each scene lies in, e.g. fractal terrain vs the unseen DEM), pixel IoU and object F1; and
the recall of coherent patterns by kind, size and peak deformation phase (in fringes), to show which ones it misses.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import machine_line  # benchmarks/machine.py, beside this script

from massmap.constants import FRINGE_LOS_M, MIN_MAPPED_AREA_M2
from massmap.evaluate.run import evaluate
from massmap.metrics.matching import object_scores
from massmap.metrics.pixel import metrics_from_counts
from massmap.io.labels import read_polygons
from massmap.io.manifest import read_manifest
from massmap.models.store import load_model
from massmap.predict import predict_scene
from massmap.predict.backends import resolve_backend

# Peak line-of-sight motion of a pattern in fringes (lambda/2 each): below one fringe an expert sees a faint
# blob, above ten the fringes crowd towards decorrelation.
FRINGE_EDGES = (1.0, 3.0, 10.0)
AREA_EDGES_M2 = (2.0e4, 1.0e5, 5.0e5)
SELECTIONS = {"all": "coherent = 1", f">= {MIN_MAPPED_AREA_M2:.0f} m2": f"coherent = 1 AND area_m2 >= {MIN_MAPPED_AREA_M2}"}


def pooled(results: list[dict]) -> dict:
    """Pixel and object figures pooled over scenes (sums of counts, not means of ratios)."""
    tp, fp, fn = (sum(r["pixel"][k] for r in results) for k in ("tp", "fp", "fn"))
    curve = []
    for i, point in enumerate(results[0]["curve"]):
        t = point["iou_threshold"]
        curve.append(object_scores(sum(r["curve"][i]["tp"] for r in results), sum(r["curve"][i]["n_pred"] for r in results),
                                   sum(r["curve"][i]["n_truth"] for r in results), t))
    obj = object_scores(sum(r["object"]["tp"] for r in results), sum(r["object"]["n_pred"] for r in results),
                        sum(r["object"]["n_truth"] for r in results), results[0]["object"]["iou_threshold"])
    return {"pixel": metrics_from_counts(tp, fp, fn), "object": obj, "curve": curve}


def _bin_names(edges: tuple[float, ...], unit: str) -> list[str]:
    names = [f"<{edges[0]:g}"] + [f"{lo:g}-{hi:g}" for lo, hi in zip(edges[:-1], edges[1:])] + [f">={edges[-1]:g}"]
    return [f"{n} {unit}" for n in names]


def pattern_rows(result: dict, labels_path: Path, where: str, scene: int) -> list[dict]:
    """Each scored true pattern (its scene's manifest index, its row among the selected labels) with its label
    attributes (kind, peak fringes, area) and whether it was found."""
    labels = read_polygons(labels_path, where=where)
    return [{"scene": scene, "label": int(t["id"]), "kind": labels["kind"].iloc[t["id"]],
             "fringes": float(labels["max_los_mm"].iloc[t["id"]]) / (FRINGE_LOS_M * 1000.0),
             "area_m2": t["area_m2"], "matched": t["matched"], "best_iou": t["best_iou"]}
            for t in result["truth_objects"]]


def recall_by(patterns: list[dict]) -> dict:
    """Recall at IoU 0.4 and mean best IoU of the true patterns, by kind, area class and peak fringes."""
    groups: dict[str, dict[str, list[dict]]] = {"kind": {}, "area": {}, "fringes": {}}
    area_names, fringe_names = _bin_names(AREA_EDGES_M2, "m2"), _bin_names(FRINGE_EDGES, "fringes")
    for p in patterns:
        groups["kind"].setdefault(p["kind"], []).append(p)
        groups["area"].setdefault(area_names[int(np.searchsorted(AREA_EDGES_M2, p["area_m2"], "right"))], []).append(p)
        groups["fringes"].setdefault(fringe_names[int(np.searchsorted(FRINGE_EDGES, p["fringes"], "right"))],
                                     []).append(p)
    order = {"kind": sorted(groups["kind"]), "area": area_names, "fringes": fringe_names}
    return {by: {name: {"n": len(ps), "recall": float(np.mean([p["matched"] for p in ps])),
                        "mean_best_iou": float(np.mean([p["best_iou"] for p in ps]))}
                 for name in order[by] if (ps := groups[by].get(name))}
            for by in groups}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("heldout")
    ap.add_argument("negative")
    ap.add_argument("--model", default="default")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--threshold", type=float, default=None, help="probability threshold (default: the card's)")
    ap.add_argument("--tta", action="store_true", help="average the eight flips and rotations of every tile")
    ap.add_argument("--tile-px", type=int, default=None, help="prediction tile size (default: the card's)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    model = load_model(args.model)
    start = time.perf_counter()
    per_selection: dict[str, list[dict]] = {k: [] for k in SELECTIONS}
    per_set: dict[str, list[dict]] = {}
    patterns: list[dict] = []
    fp_polygons, negative_km2 = 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, row in enumerate(read_manifest(args.heldout)):
            out = Path(tmp) / f"pred_{i}.gpkg"
            predict_scene(row.phase, out, model=model, backend=args.backend, threshold=args.threshold, tta=args.tta,
                          tile_px=args.tile_px, progress=False)
            for name, where in SELECTIONS.items():
                per_selection[name].append(evaluate(out, row.labels, row.phase, where=where, require_truth=False))
            per_set.setdefault(row.phase.parent.name, []).append(per_selection["all"][-1])
            patterns += pattern_rows(per_selection["all"][-1], row.labels, SELECTIONS["all"], i)
        for i, row in enumerate(read_manifest(args.negative)):
            result = predict_scene(row.phase, Path(tmp) / f"neg_{i}.gpkg", model=model, backend=args.backend,
                                   threshold=args.threshold, tta=args.tta, tile_px=args.tile_px, progress=False)
            fp_polygons += len(result.polygons)
            negative_km2 += result.grid.area_km2()
    seconds = time.perf_counter() - start
    summary = {name: pooled(rs) for name, rs in per_selection.items()}
    summary["by_set"] = {name: pooled(rs) for name, rs in per_set.items()}
    summary["recall_by"] = recall_by(patterns)
    summary["patterns"] = patterns
    summary["negative"] = {"scenes": len(read_manifest(args.negative)), "area_km2": negative_km2,
                           "false_positive_polygons": fp_polygons,
                           "false_positives_per_100_km2": 100.0 * fp_polygons / negative_km2}
    summary["model"] = {"path": str(model.path), "threshold": args.threshold or model.card.threshold, "tta": args.tta,
                        "tile_px": args.tile_px or model.card.prediction_tile_px,
                        "backend": resolve_backend(args.backend, "cpu", model.card.backend).name}
    print(machine_line())
    print(f"{len(per_selection['all'])} held-out scenes, {summary['negative']['scenes']} negative scenes, {seconds:.0f} s "
          f"(threshold {summary['model']['threshold']:.2f}, tiles of {summary['model']['tile_px']} px)")
    print(f"{'objects':>14} {'pixel IoU':>9} {'Dice':>6} {'obj P':>6} {'obj R':>6} {'obj F1':>6} {'n_truth':>7} {'n_pred':>6}")
    for name in SELECTIONS:
        s = summary[name]
        print(f"{name:>14} {s['pixel']['iou']:9.3f} {s['pixel']['dice']:6.3f} {s['object']['precision']:6.3f} "
              f"{s['object']['recall']:6.3f} {s['object']['f1']:6.3f} {s['object']['n_truth']:7d} {s['object']['n_pred']:6d}")
    print("object F1 over IoU thresholds (all):",
          " ".join(f"{p['iou_threshold']:.1f}:{p['f1']:.2f}" for p in summary["all"]["curve"]))
    for name, s in summary["by_set"].items():
        print(f"{name}: pixel IoU {s['pixel']['iou']:.3f}, object F1 {s['object']['f1']:.3f} "
              f"({s['object']['n_truth']} patterns)")
    for by, groups in summary["recall_by"].items():
        print(f"recall by {by}:", ", ".join(f"{name} {g['recall']:.2f} (n={g['n']}, best IoU {g['mean_best_iou']:.2f})"
                                            for name, g in groups.items()))
    n = summary["negative"]
    print(f"negative set: {n['false_positive_polygons']} polygons on {n['area_km2']:.0f} km2 = "
          f"{n['false_positives_per_100_km2']:.2f} per 100 km2")
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=2, default=float))


if __name__ == "__main__":
    main()
