"""`benchmark_models`: train every combination (and the ablations) under one time budget, score, measure, tabulate.

Every run uses the same manifest, seed, patch size, batch size, precision and time budget (`TrainConfig.max_minutes`;
epochs are many and early stopping is off, so each run trains for the whole budget unless `epochs` caps it).
Each model is then scored on the same fixed held-out patches (see `massmap.compare.score`) and its cost measured
(see `massmap.compare.measure`). Output folder: one model folder per run (with `benchmark.json`: its scores and
cost), `table.md`, `table.csv`, `figure.png` and `benchmark_config.json`. Like `train`, an existing output folder
is refused unless told: a finished comparison (its table and figure written) is replaced only with `overwrite`; an
interrupted one (its settings written, no table yet) continues with `resume` (finished runs are kept, an
unfinished one continues from its last checkpoint) or is trained afresh with `overwrite`.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import lightning as L
import torch

from massmap.atomic import atomic_path, check_output_folder, check_writable, make_output_folder
from massmap.compare.config import BenchmarkConfig
from massmap.compare.figure import write_figure
from massmap.compare.measure import NetworkCost, machine_description, network_cost
from massmap.compare.score import PatchScores, evaluation_split, score_model
from massmap.compare.studies import BenchmarkRun
from massmap.compare.table import write_tables
from massmap.errors import OutputError
from massmap.log import get_logger
from massmap.models.card import ModelCard
from massmap.models.factory import create_network
from massmap.models.store import CARD_FILE, WEIGHTS_FILE
from massmap.train.config import CONFIG_FILE, TrainConfig
from massmap.train.run import CHECKPOINT_DIR, LAST_CHECKPOINT, train

log = get_logger(__name__)

RECORD_FILE = "benchmark.json"
SETTINGS_FILE = "benchmark_config.json"
TABLE_MD = "table.md"
TABLE_CSV = "table.csv"
FIGURE_FILE = "figure.png"
# Settings of a stored run that must match for its scores to be reused rather than recomputed.
_SCORE_KEYS = ("split", "n_patches", "neg_ratio", "seed")
# Settings that may differ between a finished run and a rerun without the run being another experiment.
_INCIDENTAL = {"out", "progress", "workers", "resume"}


@dataclass(frozen=True)
class RunRecord:
    """What one trained model gave: held-out scores, network cost and how much training fitted in the budget."""

    scores: PatchScores
    cost: NetworkCost
    epochs: int
    steps: int
    train_minutes: float

    def to_json(self) -> str:
        """The record as indented JSON (stored as benchmark.json in the run's folder)."""
        return json.dumps({"scores": self.scores.to_dict(), "cost": self.cost.to_dict(), "epochs": self.epochs,
                           "steps": self.steps, "train_minutes": self.train_minutes}, indent=2, sort_keys=True)

    @classmethod
    def read(cls, path: Path) -> RunRecord | None:
        """A stored record, or None when missing or unreadable (it is then recomputed)."""
        try:
            data = json.loads(path.read_text())
            return cls(PatchScores(**data["scores"]), NetworkCost(**data["cost"]), int(data["epochs"]),
                       int(data["steps"]), float(data["train_minutes"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class BenchmarkRow:
    """One row of the comparison table."""

    study: str
    setting: str
    run: str
    arch: str
    encoder: str
    encoding: str
    neg_ratio: float
    hard_negatives: bool
    pixel_iou: float
    dice: float
    object_f1: float
    parameters: int
    gflop_per_mp: float
    cpu_mp_per_s: float
    epochs: int
    steps: int
    train_minutes: float
    eval_split: str
    eval_patches: int

    @classmethod
    def of(cls, run: BenchmarkRun, record: RunRecord) -> BenchmarkRow:
        """The row of a run and its record."""
        s, c = record.scores, record.cost
        return cls(run.study, run.setting, run.name, run.arch, run.encoder, run.encoding, run.neg_ratio,
                   run.hard_negatives, s.iou, s.dice, s.object_f1, c.parameters, c.gflop_per_mp, c.cpu_mp_per_s,
                   record.epochs, record.steps, record.train_minutes, s.split, s.n_patches)

    @classmethod
    def columns(cls) -> list[str]:
        """Column names, in order (the CSV header)."""
        return [f.name for f in fields(cls)]


@dataclass
class BenchmarkResult:
    """The comparison's rows and the files written."""

    rows: list[BenchmarkRow]
    table_md: Path
    table_csv: Path
    figure: Path
    trained: list[str]
    skipped: list[str]


def _finished(folder: Path) -> bool:
    return (folder / CARD_FILE).is_file() and (folder / WEIGHTS_FILE).is_file()


# What a comparison writes once every run is done, in this order: their presence marks a finished comparison.
_RESULT_FILES = (TABLE_MD, TABLE_CSV, FIGURE_FILE)


def check_comparison_folder(config: BenchmarkConfig, overwrite: bool = False) -> Path:
    """Refuse, before any work, an output folder that is a file, or that holds a finished comparison (without
    `overwrite`), an interrupted one (without `config.resume` or `overwrite`) or anything else (without
    `overwrite`); returns the folder."""
    out = Path(config.out)
    if overwrite or not out.is_dir() or not any(out.iterdir()):
        return check_output_folder(out, overwrite=True)
    if (out / SETTINGS_FILE).is_file() and all((out / name).is_file() for name in _RESULT_FILES):
        raise OutputError(f"{out}: holds a finished comparison; give --overwrite to replace it")
    if (out / SETTINGS_FILE).is_file():
        if config.resume:
            return check_output_folder(out, overwrite=True)
        raise OutputError(f"{out}: holds an interrupted comparison; give --resume to continue it or --overwrite to "
                          "start afresh")
    return check_output_folder(out, overwrite)


def _warn_if_changed(folder: Path, wanted: TrainConfig) -> None:
    """A finished run trained with other settings is still reused; say which settings differ."""
    stored = folder / CONFIG_FILE
    if not stored.exists():
        return
    before = TrainConfig.read(stored).to_dict()
    changed = sorted(k for k, v in wanted.to_dict().items() if k not in _INCIDENTAL and before.get(k) != v)
    if changed:
        log.warning("%s: reusing a finished run trained with other %s (delete the folder to retrain)",
                    folder, ", ".join(changed))


class _CostCache:
    """Network costs by (architecture, encoder, input channels): ablations of the ratio share one network."""

    def __init__(self, size_px: int, threads: int, repeats: int) -> None:
        self.size_px, self.threads, self.repeats = size_px, threads, repeats
        self._costs: dict[tuple[str, str, int], NetworkCost] = {}

    def cost(self, arch: str, encoder: str, in_channels: int) -> NetworkCost:
        key = (arch, encoder, in_channels)
        if key not in self._costs:
            net = create_network(arch, encoder, in_channels)
            self._costs[key] = network_cost(net, in_channels, self.size_px, self.threads, self.repeats)
        return self._costs[key]


def _train_and_record(config: BenchmarkConfig, run: BenchmarkRun, split: str, costs: _CostCache,
                      callbacks: Sequence[L.Callback], retrain: bool) -> tuple[RunRecord, bool]:
    """Train one run (afresh when `retrain`, else unless finished), score and measure it; returns its record and
    whether it was trained now."""
    tconfig = config.train_config(run)
    folder = Path(tconfig.out)
    record_path = folder / RECORD_FILE
    stored = RunRecord.read(record_path) if record_path.exists() and not retrain else None
    trained = False
    if _finished(folder) and not retrain:
        log.info("%s: finished model found; skipping its training", folder)
        _warn_if_changed(folder, tconfig)
        card = ModelCard.read(folder / CARD_FILE)
        epochs, steps = int(card.training.get("epochs_run", 0)), int(card.training.get("global_step", 0))
        minutes = stored.train_minutes if stored else math.nan
    else:
        log.info("training %s (%s: %s) for up to %g min", run.name, run.study, run.setting, config.budget_minutes)
        # An interrupted run continues from its last checkpoint; the time budget counts across the resume.
        tconfig.resume = not retrain and (folder / CHECKPOINT_DIR / LAST_CHECKPOINT).exists()
        start = time.perf_counter()
        result = train(tconfig, callbacks=callbacks, overwrite=True)
        minutes = (time.perf_counter() - start) / 60.0
        # A finished run is never resumed, and its checkpoints (the optimiser's state too) weigh several times its
        # weights: a dozen runs would leave gigabytes behind.
        shutil.rmtree(folder / CHECKPOINT_DIR, ignore_errors=True)
        card, epochs, steps, trained = result.card, result.epochs, result.global_step, True
        stored = None
    want = {"split": split, "n_patches": config.eval_patches, "neg_ratio": config.eval_neg_ratio, "seed": config.seed}
    if stored is not None and all(getattr(stored.scores, k) == want[k] for k in _SCORE_KEYS) \
            and (stored.cost.size_px, stored.cost.threads) == (config.measure_size_px, config.speed_threads):
        return stored, trained
    scores = score_model(folder, tconfig, split, config.eval_patches, config.eval_neg_ratio)
    cost = costs.cost(card.arch, card.encoder, len(card.channels))
    record = RunRecord(scores, cost, epochs, steps, minutes)
    with atomic_path(record_path) as tmp:
        tmp.write_text(record.to_json() + "\n")
    log.info("%s: pixel IoU %.3f, Dice %.3f, object F1 %.3f on %d %s patches", run.name, scores.iou, scores.dice,
             scores.object_f1, scores.n_patches, split)
    return record, trained


def _notes(config: BenchmarkConfig, split: str, base: TrainConfig) -> list[str]:
    """How the table's figures were made, printed under it; `base` is the first run's training settings."""
    threads = config.threads or torch.get_num_threads()
    where = f", labels where {config.where}" if config.where else ""
    source = f" (recipe `{config.recipe}`)" if config.recipe else ""
    crops = f", batches cut to {'/'.join(map(str, base.crop_sizes))} px" if base.crop_sizes else ""
    negatives = (f"{base.neg_ratio:g} negatives per positive, a share {base.hard_fraction:g} of them hard"
                 if base.neg_ratio else "positives only")
    return [
        f"Manifest `{config.manifest}`{where}; every run: seed {config.seed}, {config.patch_size} px patches, batch "
        f"{config.batch_size}, precision {config.precision}, {threads} torch thread(s), training budget "
        f"{config.budget_minutes:g} min (at most {config.epochs} epochs of {config.patches_per_epoch} patches).",
        f"Base training settings{source}, which the ablation rows vary one at a time: inputs "
        f"{', '.join(base.channels)}; loss {base.loss}; lr {base.lr:g}, {base.schedule} (decayed over the epochs or "
        f"the time budget, whichever ends first){crops}; {negatives}.",
        f"Scores: pooled over the same {config.eval_patches} fixed patches of the `{split}` split "
        f"(negatives per positive: {config.eval_neg_ratio:g}), threshold 0.5; object F1 matches objects at IoU >= 0.4.",
        f"GFLOP/MP: torch FlopCounterMode, one 1 x C x {config.measure_size_px} x {config.measure_size_px} forward "
        f"pass (multiply-add = 2 FLOP). CPU MP/s: float32 forward pass on {config.speed_threads} threads, best of "
        f"{config.speed_repeats}, on {machine_description()}.",
    ]


def benchmark_models(config: BenchmarkConfig, callbacks: Sequence[L.Callback] = (),
                     overwrite: bool = True) -> BenchmarkResult:
    """Train, score and measure every architecture x encoder combination (and the ablations); write table and figure.

    Without `overwrite` (the command line's default) an existing output folder is refused as
    `check_comparison_folder` says; with it (the library's) every run is trained afresh, unless `config.resume`
    continues an interrupted comparison.
    """
    config.validate()
    out = check_comparison_folder(config, overwrite)
    retrain = overwrite and not config.resume  # as in `train`, resuming wins over replacing
    runs = config.runs()
    for run in runs:
        config.train_config(run).validate()  # a bad name fails before hours of training
    split = evaluation_split(config.manifest)
    check_writable(out)
    make_output_folder(out)
    for name in _RESULT_FILES:
        (out / name).unlink(missing_ok=True)  # until every run is done again, the folder holds an interrupted one
    with atomic_path(out / SETTINGS_FILE) as tmp:
        tmp.write_text(config.to_json() + "\n")
    costs = _CostCache(config.measure_size_px, config.speed_threads, config.speed_repeats)
    records: dict[str, RunRecord] = {}
    trained: list[str] = []
    skipped: list[str] = []
    threads_before = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        for run in runs:
            if run.name in records:
                continue  # the same settings in another study: trained once
            records[run.name], was_trained = _train_and_record(config, run, split, costs, callbacks,
                                                                 retrain)
            (trained if was_trained else skipped).append(run.name)
    finally:
        torch.set_num_threads(threads_before)
    rows = [BenchmarkRow.of(run, records[run.name]) for run in runs]
    notes = _notes(config, split, config.train_config(runs[0]))
    table_md, table_csv = write_tables(rows, out / TABLE_MD, out / TABLE_CSV, notes)
    figure = write_figure(rows, out / FIGURE_FILE)
    log.info("comparison of %d runs written to %s (%d trained, %d reused)", len(records), out, len(trained),
             len(skipped))
    return BenchmarkResult(rows, table_md, table_csv, figure, trained, skipped)
