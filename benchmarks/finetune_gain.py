"""What fine-tuning on a few local labels gains: the `--init default` recipe on a shifted simulated domain.

Usage: python benchmarks/finetune_gain.py DATA_DIR [--model default] [--patches 10 30 100] [--cpu-minutes 30]
       [--set KEY=VALUE ...] [--scenes heldout|dev] [--out results.json]
The domain is one the default model never trained on (scripts/default_model/make_data.py lists what it did
use): SRTM N42E012 relief (only ever used for the held-out test), 40 m pixels as HyP3 delivers them (trained:
20 and 30 m), descending
passes only with headings 10 degrees off (trained: both, at most 3 degrees off), 1.5x atmosphere (trained: at
most 1.3x), mostly deep-seated and rock-glacier motion (trained: 8 % and 20 %) over 36- and 48-day baselines
(trained: 6 to 24 days). Labelled patches are 256 x 256 scenes with motion, as an expert would draw them;
each run fine-tunes on the first N of them (a fifth of them, two to ten, for validation) with the recipe's
defaults and a time budget. Held-out scenes (512 x 512, other seeds) are mapped whole, as `predict` does, by
the model before and after; pooled pixel IoU and object F1 at IoU 0.4 are printed with the minutes each run
took, wall and CPU, and the load average. On a shared machine wall minutes count the other jobs' share, so
`--cpu-minutes N` bounds each run by the CPU time it got instead (15 minutes on 2 idle cores are 30 CPU
minutes). The data are simulated into DATA_DIR on the first run and reused after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import lightning as L
import numpy as np
import psutil
import torch
from machine import machine_line  # benchmarks/machine.py, beside this script

from massmap.io.manifest import ManifestRow, read_manifest, write_manifest
from massmap.models.store import load_model
from massmap.simulate.config import SimulationConfig
from massmap.simulate.dataset import write_scene
from massmap.simulate.scene import simulate_scene
from massmap.train import finetune_config, train
from massmap.train.pick import MIN_AREAS_M2, THRESHOLDS, card_point, map_and_count, point_from_counts, validation_scene
from massmap.train.scene_validation import weights_sha256

# The shared sample data sit beside the repository (../shared/data); a worktree elsewhere gives --dem.
SRTM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "srtm3"
# Labels follow the default model's rule ("visible": what an expert sees in the phase), so the benchmark measures the
# shift of domain, not a change of labelling convention (under "detectable" labels, 40 px on average here, the
# default model matches none of the dev scenes' 45 patterns: pixel IoU 0.10, object F1 0).
DOMAIN = dict(pixel_size_m=40.0, crs="auto", orbit="descending", heading_offset_deg=10.0, atmosphere_scale=1.5,
              rock_glacier_fraction=0.3, deep_seated_fraction=0.5, temporal_baselines_days=(36, 48),
              hard_negative_fraction=0.0, label_rule="visible")
PATCH_PX, SCENE_PX = 256, 512
# name: (scene size, seed, count). `dev` scenes choose the recipe's defaults; `heldout` scenes are only reported.
SETS = {"labelled": (PATCH_PX, 24001, 100), "heldout": (SCENE_PX, 24002, 24), "dev": (SCENE_PX, 24003, 8)}
WHERE = "coherent = 1"


def domain(size: int, dem: Path) -> SimulationConfig:
    """The shifted domain's simulation settings at a scene size."""
    return SimulationConfig(size=size, dem_path=str(dem), **DOMAIN)


def _one(args: tuple[str, SimulationConfig, int, int, Path]) -> ManifestRow:
    name, config, seed, i, out = args
    scene = simulate_scene(config, [seed, i])
    paths = write_scene(scene, out / name, f"{name}_{i:04d}", quicklook=i < 1)
    return ManifestRow(phase=paths["phase"], labels=paths["labels"], split="train", coherence=paths["coherence"])


def make_data(out: Path, dem: Path) -> dict[str, list[ManifestRow]]:
    """Simulate (once) the labelled patches, held-out and dev scenes of the shifted domain; their manifest rows."""
    rows = {}
    for name, (size, seed, n) in SETS.items():
        manifest = out / f"{name}.csv"
        if not manifest.exists():
            config = domain(size, dem)
            (out / name).mkdir(parents=True, exist_ok=True)
            (out / name / "config.json").write_text(config.to_json())
            with ProcessPoolExecutor(max_workers=2) as pool:
                made = list(pool.map(_one, [(name, config, seed, i, out) for i in range(n)], chunksize=4))
            write_manifest(made, manifest)
        rows[name] = read_manifest(manifest)
    return rows


def split_patches(labelled: list[ManifestRow], n: int) -> list[ManifestRow]:
    """The first `n` labelled patches, a fifth of them (two to ten) in the val split."""
    n_val = min(10, max(2, n // 5))
    return [replace(r, split="val" if i >= n - n_val else "train") for i, r in enumerate(labelled[:n])]


def cpu_minutes() -> float:
    """CPU time (user + system) of this process and its children so far (data-loading workers included, running
    or finished), in minutes: on a shared machine, the work a run got, where wall minutes also count the other
    jobs' share."""
    own, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    running = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:  # ended meanwhile: counted in RUSAGE_CHILDREN once reaped
            continue
        running += times.user + times.system
    return (own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime + running) / 60


class CpuBudget(L.Callback):
    """Stop training once the run has had `minutes` of CPU time (Lightning's max_time counts wall time)."""

    def __init__(self, minutes: float) -> None:
        self.minutes, self.start = float(minutes), cpu_minutes()

    def on_train_batch_end(self, trainer: L.Trainer, *args) -> None:
        if cpu_minutes() - self.start >= self.minutes:
            trainer.should_stop = True


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--dem", default=str(SRTM / "N42E012.hgt"))
    ap.add_argument("--model", default="default", help="the model to fine-tune (default: the shipped one)")
    ap.add_argument("--patches", type=int, nargs="*", default=[10, 30, 100],
                    help="labelled patches of each run (none: only map the scenes with the starting model)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (1 for runs side by side)")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="each run's budget in wall minutes (default: the recipe's)")
    ap.add_argument("--cpu-minutes", type=float, default=None,
                    help="each run's budget in CPU minutes instead of wall minutes (2 idle cores: 2 per minute)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a training setting other than the recipe's (to compare defaults)")
    ap.add_argument("--scenes", default="heldout", choices=("heldout", "dev"),
                    help="score on the held-out scenes, or on the dev scenes that choose the defaults")
    ap.add_argument("--work", default=None, help="folder for the runs (default: DATA/runs)")
    ap.add_argument("--data-only", action="store_true", help="simulate the data and stop")
    ap.add_argument("--out", default=None, help="write the figures as JSON")
    args = ap.parse_args()
    data = make_data(Path(args.data), Path(args.dem))
    if args.data_only:
        return
    overrides = {k: _value(v) for k, v in (item.split("=", 1) for item in args.set)}
    if args.max_minutes is not None:
        overrides["max_minutes"] = args.max_minutes
    elif args.cpu_minutes is not None:
        overrides["max_minutes"] = None
    work = Path(args.work or Path(args.data) / "runs")
    torch.set_num_threads(args.threads)
    start, cpu_start = time.perf_counter(), cpu_minutes()
    scenes = [validation_scene(r, WHERE) for r in data[args.scenes]]
    base = load_model(args.model, device="cpu")
    # The starting model is mapped once at every candidate point: its own card's figures and those at the point
    # each run's validation patches pick for it (calibration alone) are read off the same counts.
    thresholds = tuple(sorted({*THRESHOLDS, base.card.threshold}))
    areas = tuple(sorted({*MIN_AREAS_M2, base.card.prediction_min_area_m2}))
    # Kept beside the data, so runs side by side (or later) map the scenes with the starting model only once.
    cache = Path(args.data) / f"zero_shot_{args.scenes}_{weights_sha256(args.model)[:12]}.npy"
    if cache.exists():
        zero_counts = np.load(cache)
    else:
        zero_counts = map_and_count(base, scenes, thresholds, areas, backend="auto")
        np.save(cache, zero_counts)
    zero = point_from_counts(zero_counts[thresholds.index(base.card.threshold),
                                         areas.index(base.card.prediction_min_area_m2)],
                             base.card.threshold, base.card.prediction_min_area_m2, len(scenes))
    results = {"model": str(base.path), "model_weights_sha256": weights_sha256(args.model), "scenes": args.scenes,
               "n_scenes": len(scenes), "n_patterns": int(sum(len(s.truth) for s in scenes)),
               "zero_shot": zero.to_dict(), "zero_shot_minutes": (time.perf_counter() - start) / 60,
               "zero_shot_cpu_minutes": cpu_minutes() - cpu_start,
               "settings": overrides, "runs": []}
    for n in args.patches:
        folder = work / f"patches_{n}"
        folder.mkdir(parents=True, exist_ok=True)
        manifest = write_manifest(split_patches(data["labelled"], n), folder / "manifest.csv")
        config = finetune_config(str(manifest), str(folder / "model"), init=args.model, where=WHERE, progress=False,
                                 **overrides)
        t0, cpu0, load0 = time.perf_counter(), cpu_minutes(), os.getloadavg()[0]
        train(config, [CpuBudget(args.cpu_minutes)] if args.cpu_minutes else [])
        train_minutes, train_cpu_minutes = (time.perf_counter() - t0) / 60, cpu_minutes() - cpu0
        tuned = load_model(folder / "model", device="cpu")
        after = card_point(tuned, scenes, backend="auto")
        record = tuned.card.fine_tuning
        picked = record["before"]["picked"]
        calibrated = point_from_counts(zero_counts[thresholds.index(picked["threshold"]),
                                                   areas.index(picked["min_area_m2"])],
                                       picked["threshold"], picked["min_area_m2"], len(scenes))
        results["runs"].append({
            "patches": n, "train": record["train"], "val": record["val"], "train_minutes": train_minutes,
            "train_cpu_minutes": train_cpu_minutes,
            "epochs_run": tuned.card.training["epochs_run"], "steps": tuned.card.training["global_step"],
            "val_before": record["before"],
            "val_after": record["after"], "zero_shot_calibrated": calibrated.to_dict(), "fine_tuned": after.to_dict(),
            "minutes": (time.perf_counter() - t0) / 60, "cpu_minutes": cpu_minutes() - cpu0,
            "load_average_start": load0, "load_average": os.getloadavg(),
        })
        print(f"{n} patches: fine-tuned pixel IoU {after.pixel_iou:.3f}, object F1 {after.object_f1:.3f} "
              f"({train_minutes:.1f} min training, {train_cpu_minutes:.1f} CPU min; load {load0:.1f} at the start, "
              f"{os.getloadavg()[0]:.1f} at the end)",
              flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(results, indent=2))
    print(machine_line(), f"(load average at the end {os.getloadavg()[0]:.1f})")
    print(f"model {results['model']} (weights sha256 {results['model_weights_sha256'][:12]}), "
          f"{results['n_scenes']} {args.scenes} scenes, {results['n_patterns']} coherent patterns; "
          f"settings beyond the recipe: {overrides or 'none'}")
    print(f"{'patches':>7} {'zero-shot IoU':>13} {'F1':>5} {'recalibrated IoU':>16} {'F1':>5} "
          f"{'fine-tuned IoU':>14} {'F1':>5} {'threshold':>9} {'min m2':>7} {'steps':>5} {'train min':>9} "
          f"{'CPU min':>7} {'minutes':>7} {'load':>9}")
    for r in results["runs"]:
        z, c, f = results["zero_shot"], r["zero_shot_calibrated"], r["fine_tuned"]
        print(f"{r['patches']:>7} {z['pixel_iou']:>13.3f} {z['object_f1']:>5.3f} {c['pixel_iou']:>16.3f} "
              f"{c['object_f1']:>5.3f} {f['pixel_iou']:>14.3f} {f['object_f1']:>5.3f} {f['threshold']:>9.2f} "
              f"{f['min_area_m2']:>7.0f} {r['steps']:>5} {r['train_minutes']:>9.1f} {r['train_cpu_minutes']:>7.1f} "
              f"{r['minutes']:>7.1f} {r['load_average_start']:>4.1f}-{r['load_average'][0]:<4.1f}")
    print(f"zero-shot mapping took {results['zero_shot_minutes']:.1f} min "
          f"({results['zero_shot_cpu_minutes']:.1f} CPU min); "
          "train min: wall minutes of fine-tuning, CPU min: the CPU time it got (2 idle cores give 2 per minute); "
          "minutes: fine-tuning and mapping the scenes; load: 1-minute load average at its start and end")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
