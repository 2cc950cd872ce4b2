"""Stacks against single pairs: the model on each pair alone, the model fused over a stack, and phase-gradient
stacking (PGS), on held-out simulated stacks and motion-free stacks.

Usage: python benchmarks/stack_heldout.py [--work DIR] [--n-dates 5] [--size 512] [--workers 2] [--model default]
       [--srtm ../shared/data/srtm3] [--out results.json]
Simulates (once; a rerun reuses the work folder and the mapped pairs):
- tuning stacks (training-like: seeds 8100+, fractal terrain, 1.3x atmosphere, headings up to 3 deg off; two with
  motion, one motion-free at 2x), on which --min-persistence and the PGS level are chosen;
- held-out stacks (seeds 9100+, never trained on; headings 6 deg off, 1.6x atmosphere; fractal terrain and the
  unseen DEM N42E012) and held-out motion-free stacks (2x atmosphere).
Every pair is mapped once with predict-batch (Dask). Scores pooled over stacks, coherent labels only: object
precision/recall/F1 at IoU 0.4 and pixel IoU (single pairs against each pair's labels, stacks against the
stack labels), false-positive polygons per 100 km2 on the motion-free stacks (single pairs: per pair mapped),
and wall time per pair.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from massmap.batch.catalog import read_catalog
from massmap.batch.run import polygons_path, predict_batch, probability_path
from massmap.evaluate.run import evaluate
from massmap.io.write import write_vector
from massmap.simulate.config import SimulationConfig
from massmap.simulate.config import StackConfig
from massmap.simulate.stack_dataset import simulate_stacks
from massmap.stack.pgs import robust_threshold
from massmap.stack.run import (
    DEFAULT_MIN_PERSISTENCE,
    DEFAULT_PGS_SIGMAS,
    _card_threshold,
    fuse_model_stack,
    fuse_pgs_stack,
    persistence_polygons,
    pgs_polygons,
)

from default_model_heldout import pooled  # benchmarks/, beside this script
from machine import machine_line

WHERE = "coherent = 1"
PERSISTENCE_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
PGS_SIGMA_GRID = (3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 14.0)
N_MOVEMENTS = (12, 30)


def stack_sets(size: int, n_dates: int, srtm: Path | None) -> list[tuple[str, StackConfig, int, int, bool]]:
    """(name, config, seed, n_stacks, motion_free) of every set."""
    base = SimulationConfig(size=size, pixel_size_m=20.0, n_movements=N_MOVEMENTS, hard_negative_fraction=0.0)
    heldout = replace(base, heading_offset_deg=6.0, atmosphere_scale=1.6)
    sets = [
        ("tune_fractal", StackConfig(replace(base, atmosphere_scale=1.3, heading_offset_deg=-3.0), n_dates), 8101, 2,
         False),
        ("tune_negative", StackConfig(replace(base, atmosphere_scale=2.0), n_dates), 8102, 1, True),
        ("heldout_fractal", StackConfig(heldout, n_dates), 9101, 2, False),
        ("heldout_negative", StackConfig(replace(heldout, atmosphere_scale=2.0), n_dates), 9103, 2, True),
    ]
    dem = srtm / "N42E012.hgt" if srtm else None
    if dem and dem.exists():
        sets.insert(3, ("heldout_srtm_n42e012", StackConfig(replace(heldout, dem_path=str(dem), crs="auto"), n_dates),
                        9102, 2, False))
    return sets


def read_stacks(stacks_csv: Path) -> list[dict]:
    """Rows of a stacks.csv with absolute catalog and label paths."""
    with open(stacks_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["catalog"] = stacks_csv.parent / row["catalog"]
        row["labels"] = stacks_csv.parent / row["labels"]
    return rows


def score(pred_paths: list[Path], truths: list[Path], grids: list[Path]) -> dict:
    """Pixel and object figures pooled over (prediction, truth, grid) triples."""
    return pooled([evaluate(p, t, g, where=WHERE) for p, t, g in zip(pred_paths, truths, grids)])


def summary_line(name: str, s: dict | None, fp: float, seconds_per_pair: float) -> str:
    if s is None:
        return f"{name:>26}      -      -      -         -  {fp:9.2f} {seconds_per_pair:8.2f}"
    return (f"{name:>26} {s['object']['precision']:6.3f} {s['object']['recall']:6.3f} {s['object']['f1']:6.3f} "
            f"{s['pixel']['iou']:9.3f}  {fp:9.2f} {seconds_per_pair:8.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=None, help="work folder (kept; default: a temporary one)")
    ap.add_argument("--n-dates", type=int, default=5)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default="default")
    ap.add_argument("--srtm", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "srtm3"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="stack-heldout-"))
    started = time.perf_counter()

    # Simulate every set once.
    stacks: dict[str, list[dict]] = {}
    t0 = time.perf_counter()
    for name, config, seed, n, motion_free in stack_sets(args.size, args.n_dates, Path(args.srtm)):
        csv_path = work / name / "stacks.csv"
        if not csv_path.exists():
            simulate_stacks(work / name, n, seed, config, split="test", motion_free=motion_free)
        stacks[name] = read_stacks(csv_path)
    simulate_seconds = time.perf_counter() - t0
    for rows in stacks.values():
        for row in rows:
            row["entries"] = read_catalog(row["catalog"])
            row["pair_labels"] = [row["catalog"].parent / Path(e.phase.name.replace("_phase.tif", "_labels.gpkg"))
                                  for e in row["entries"]]
    all_entries = [e for rows in stacks.values() for row in rows for e in row["entries"]]

    # Map every pair once (the single-pair result, and the input of every stack); one batch per set, whose
    # stacks name their pairs alike.
    batch_seconds, n_mapped_now, sidecar_seconds = 0.0, 0, []
    for name, rows in stacks.items():
        for row in rows:
            row["pairs_dir"] = work / "pairs" / name
        (work / "pairs").mkdir(exist_ok=True)
        t0 = time.perf_counter()
        batch = predict_batch([e for row in rows for e in row["entries"]], work / "pairs" / name, model=args.model,
                              n_workers=args.workers, progress=False, quiet=True, dashboard_address=None)
        batch_seconds += time.perf_counter() - t0
        n_mapped_now += sum(o.status == "mapped" for o in batch.outcomes)
        sidecar_seconds += [o.seconds for o in batch.outcomes]
    # Wall time per pair of this run's mapping; on a rerun that found every pair mapped, the recorded task times.
    per_pair_seconds = (batch_seconds / n_mapped_now if n_mapped_now else
                        sum(sidecar_seconds) / len(sidecar_seconds) / args.workers)
    threshold = _card_threshold(args.model)

    # Fuse every stack (model persistence) and stack its gradients (PGS); keep the fused layers for the sweeps.
    fuse_seconds = pgs_seconds = 0.0
    n_pairs = 0
    for rows in stacks.values():
        for row in rows:
            entries = row["entries"]
            n_pairs += len(entries)
            t0 = time.perf_counter()
            row["fused"] = fuse_model_stack(entries, [probability_path(row["pairs_dir"], e.scene_id) for e in entries],
                                            threshold)
            fuse_seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            row["pgs"], _ = fuse_pgs_stack(entries, DEFAULT_PGS_SIGMAS)
            pgs_seconds += time.perf_counter() - t0
            row["grid_path"] = entries[0].phase

    out_dir = work / "polygons"
    out_dir.mkdir(exist_ok=True)

    def stack_result(set_names: list[str], method: str, value: float) -> tuple[dict | None, float]:
        """(pooled scores over the stacks with motion, false positives per 100 km2 on the motion-free ones)."""
        preds, truths, grids = [], [], []
        fp, km2 = 0, 0.0
        for name in set_names:
            for row in stacks[name]:
                if method == "stack":
                    polygons = persistence_polygons(row["fused"], value)
                else:
                    pgs = row["pgs"]
                    polygons = pgs_polygons(pgs, robust_threshold(pgs.extra_bands["pgs_rad_per_px_per_year"], value))
                if row["motion_free"] == "1":
                    fp += len(polygons)
                    km2 += row["fused"].grid.area_km2()
                    continue
                path = write_vector(polygons, out_dir / f"{row['stack']}_{name}_{method}_{value:g}.gpkg")
                preds.append(path)
                truths.append(row["labels"])
                grids.append(row["grid_path"])
        return (score(preds, truths, grids) if preds else None), (100.0 * fp / km2 if km2 else float("nan"))

    def single_result(set_names: list[str]) -> tuple[dict | None, float]:
        preds, truths, grids = [], [], []
        fp, km2 = 0, 0.0
        for name in set_names:
            for row in stacks[name]:
                for entry, labels in zip(row["entries"], row["pair_labels"]):
                    path = polygons_path(row["pairs_dir"], entry.scene_id)
                    if row["motion_free"] == "1":
                        import geopandas as gpd

                        fp += len(gpd.read_file(path))
                        km2 += row["fused"].grid.area_km2()
                        continue
                    preds.append(path)
                    truths.append(labels)
                    grids.append(entry.phase)
        return (score(preds, truths, grids) if preds else None), (100.0 * fp / km2 if km2 else float("nan"))

    # Choose --min-persistence and the PGS level on the tuning stacks: best object F1, then fewest false positives.
    tune = [n for n in stacks if n.startswith("tune_")]
    heldout = [n for n in stacks if n.startswith("heldout_")]
    sweep = {"stack": {}, "pgs": {}}
    for method, grid_values in (("stack", PERSISTENCE_GRID), ("pgs", PGS_SIGMA_GRID)):
        for value in grid_values:
            s, fp = stack_result(tune, method, value)
            sweep[method][value] = {"f1": s["object"]["f1"] if s else 0.0, "pixel_iou": s["pixel"]["iou"] if s else 0.0,
                                    "fp_per_100_km2": fp}
    chosen = {m: max(sweep[m], key=lambda v: (round(sweep[m][v]["f1"], 6), -sweep[m][v]["fp_per_100_km2"], v))
              for m in sweep}

    # Held-out figures.
    results = {}
    s, fp = single_result(heldout)
    results["single pair"] = dict(scores=s, fp_per_100_km2=fp, seconds_per_pair=per_pair_seconds)
    for method, label, seconds in (("stack", "stack (model, persistence)", per_pair_seconds + fuse_seconds / n_pairs),
                                   ("pgs", "PGS", pgs_seconds / n_pairs)):
        for value, tag in ((chosen[method], "chosen"),
                           (DEFAULT_MIN_PERSISTENCE if method == "stack" else DEFAULT_PGS_SIGMAS, "default")):
            key = f"{label} @ {value:g}"
            if key in results:
                continue
            s, fp = stack_result(heldout, method, value)
            results[key] = dict(scores=s, fp_per_100_km2=fp, seconds_per_pair=seconds, setting=tag)

    print(machine_line())
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    n_truth_pairs = results["single pair"]["scores"]["object"]["n_truth"] if results["single pair"]["scores"] else 0
    print(f"{sum(len(r) for r in stacks.values())} stacks of {args.n_dates} dates, {n_pairs} pairs of {args.size} px "
          f"({len(all_entries)} mapped by predict-batch with {args.workers} workers in {batch_seconds:.0f} s; "
          f"simulated in {simulate_seconds:.0f} s; {time.perf_counter() - started:.0f} s in all); "
          f"{n_truth_pairs} coherent patterns over the held-out pairs")
    for method in sweep:
        print(f"tuning sweep ({method}):", ", ".join(f"{v:g}: F1 {r['f1']:.2f} FP {r['fp_per_100_km2']:.1f}"
                                                  for v, r in sweep[method].items()), f"-> chosen {chosen[method]:g}")
    print(f"{'held out':>26} {'obj P':>6} {'obj R':>6} {'obj F1':>6} {'pixel IoU':>9}  {'FP/100km2':>9} {'s/pair':>8}")
    for name, r in results.items():
        print(summary_line(name, r["scores"], r["fp_per_100_km2"], r["seconds_per_pair"]))
    for name, r in results.items():
        if r["scores"]:
            objects = r["scores"]["object"]
            print(f"{name}: {objects['n_truth']} true patterns, {objects['n_pred']} polygons")
    if args.out:
        Path(args.out).write_text(json.dumps(dict(sweep=sweep, chosen=chosen, results=results,
                                                  timings=dict(batch_seconds=batch_seconds, fuse_seconds=fuse_seconds,
                                                               pgs_seconds=pgs_seconds, n_pairs=n_pairs)),
                                             indent=2, default=str))


if __name__ == "__main__":
    main()
