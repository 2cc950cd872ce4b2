"""`train`: fit a segmentation model on a manifest's scenes and write it, with its card, into a model folder.

The folder holds `model.safetensors` + `card.json` (what prediction loads), `train_config.json`, the per-epoch
`training_log.csv` and `learning_curve.png`, and Lightning checkpoints in `checkpoints/` (`last.ckpt` after
every epoch, `best.ckpt` by the monitored metric), from which `resume=True` continues an interrupted run.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint, RichProgressBar

from massmap import __version__
from massmap.atomic import check_writable
from massmap.data.sampling import SceneIndex, build_scene_index
from massmap.errors import BadInputError, OutputError
from massmap.inputs import get_channel
from massmap.io.manifest import ManifestRow, read_manifest
from massmap.log import get_logger
from massmap.models.adapt import adapt_input_channels
from massmap.models.card import ModelCard
from massmap.models.factory import create_network
from massmap.models.store import CARD_FILE, WEIGHTS_FILE, load_model, read_card, resolve_model_dir, save_model
from massmap.train.callbacks import EpochLog, StopWhenInterrupted
from massmap.train.config import CONFIG_FILE, TrainConfig
from massmap.train.curves import CURVE_FILE, LOG_FILE, best_row, read_log
from massmap.train.datamodule import PatchDataModule
from massmap.train.freeze import EncoderWarmup
from massmap.train.module import SegmentationModule
from massmap.train.scene_validation import SceneValidation, record_fine_tuning

log = get_logger(__name__)
# Below this many validation scenes the picked operating point is noise: fine-tuning on 10 labelled patches (2 for
# validation) picked threshold 0.1 and no minimum area and made the map worse (benchmarks/finetune_gain.py).
MIN_VALIDATION_SCENES = 5

CHECKPOINT_DIR = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"
BEST_NAME = "best"
# Settings that define the network; a resumed run must keep them.
_MODEL_SETTINGS = ("arch", "encoder", "encoding", "coherence", "slope", "los", "inputs", "init")


@dataclass
class TrainResult:
    """What a run produced: the model folder, its card, the best checkpoint, and how far training went."""

    out: Path
    card: ModelCard
    best_checkpoint: Path | None
    epochs: int
    global_step: int


def initial_network(config: TrainConfig) -> tuple[torch.nn.Module, str, str, tuple[str, ...]]:
    """The network to start from (fresh, or the `init` model) with its architecture, encoder and channels.

    A model given by `init` keeps its own architecture and input channels, so prediction reads it right, unless
    `inputs` names the channels: then its first convolution is adapted to them (`adapt_input_channels`).
    """
    if config.init:
        loaded = load_model(config.init, device="cpu")
        card = loaded.card
        if config.inputs and tuple(config.inputs) != tuple(card.channels):
            net = adapt_input_channels(loaded.net, tuple(card.channels), config.channels)
            log.info("--init %s: input channels %s adapted to %s", config.init, ",".join(card.channels),
                     ",".join(config.channels))
            return net.train(), card.arch, card.encoder, config.channels
        wanted = (config.arch, config.encoder, config.channels)
        if wanted != (card.arch, card.encoder, tuple(card.channels)):
            log.warning("--init %s: fine-tuning its %s/%s on channels %s (the model's own, not the options')",
                        config.init, card.arch, card.encoder, ",".join(card.channels))
        return loaded.net.train(), card.arch, card.encoder, tuple(card.channels)
    net = create_network(config.arch, config.encoder, len(config.channels))
    return net.to(memory_format=torch.channels_last), config.arch, config.encoder, config.channels


def publish_model(net: torch.nn.Module, card: ModelCard, out: Path) -> Path:
    """Write model.safetensors and card.json into an existing run folder, each file replaced atomically."""
    staging = out / ".model.partial"
    shutil.rmtree(staging, ignore_errors=True)
    save_model(net, card, staging)
    try:
        for name in (WEIGHTS_FILE, CARD_FILE):
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def checkpoint_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The network's weights inside a Lightning checkpoint of a SegmentationModule."""
    state = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
    return {k.removeprefix("net."): v for k, v in state.items() if k.startswith("net.")}


def check_run_folder(config: TrainConfig, overwrite: bool = False) -> None:
    """Refuse, before any work, a model folder that is a file or the --init model, or that holds a model or an
    interrupted run's checkpoints which neither --resume nor --overwrite lets this run replace."""
    out = Path(config.out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: not a folder")
    if config.init and out.is_dir() and os.path.samefile(resolve_model_dir(config.init), out):
        raise OutputError(f"{out}: --out would overwrite the input --init model; choose another folder")
    if overwrite or not out.is_dir() or (config.resume and (out / CHECKPOINT_DIR / LAST_CHECKPOINT).exists()):
        return
    if (out / WEIGHTS_FILE).exists():
        raise OutputError(f"{out}: holds a model already; give --overwrite to replace it")
    checkpoints = out / CHECKPOINT_DIR
    if checkpoints.is_dir() and any(checkpoints.iterdir()):
        raise OutputError(f"{out}: holds an interrupted run's checkpoints; give --resume to continue it or "
                          "--overwrite to start afresh")


def _prepare_out(config: TrainConfig) -> tuple[Path, Path | None]:
    """Create the run folder; return it and the checkpoint to resume from (None for a fresh run)."""
    out = Path(config.out)
    check_writable(out)
    out.mkdir(exist_ok=True)
    if not os.access(out, os.W_OK):
        raise OutputError(f"{out}: model folder is not writable")
    ckpt_dir = out / CHECKPOINT_DIR
    last = ckpt_dir / LAST_CHECKPOINT
    if config.resume:
        if not last.exists():
            log.warning("%s: no checkpoint to resume from; starting a new run", last)
            return out, None
        stored = out / CONFIG_FILE
        if stored.exists():
            before = TrainConfig.read(stored)
            changed = [k for k in _MODEL_SETTINGS if getattr(before, k) != getattr(config, k)]
            if changed:
                raise BadInputError(f"{stored}: --resume with other model settings ({', '.join(changed)}) "
                                    "than the interrupted run; keep them, or train afresh without --resume")
        log.info("resuming from %s", last)
        return out, last
    if ckpt_dir.exists() and any(ckpt_dir.iterdir()):
        log.warning("%s: removing the checkpoints of an earlier run (pass --resume to continue it instead)", ckpt_dir)
        shutil.rmtree(ckpt_dir)
    (out / LOG_FILE).unlink(missing_ok=True)
    return out, None


# Manifest columns each terrain layer of `massmap.inputs` is read from.
_LAYER_COLUMNS = {"dem": ("dem",), "los": ("dem", "los")}


def _check_terrain_columns(config: TrainConfig, used: list[tuple[int, ManifestRow]]) -> None:
    """Refuse a channel that needs a DEM or the LOS geometry (`massmap.inputs`) when a used scene (line, row)
    lacks its dem or los file."""
    for name in config.channels:
        columns = sorted({c for layer in get_channel(name).layers for c in _LAYER_COLUMNS.get(layer, ())})
        for line, r in used:
            missing = [c for c in columns if getattr(r, c) is None]
            if missing:
                raise BadInputError(f"{config.manifest}: line {line}: the {name} channel needs the "
                                    f"{' and '.join(columns)} columns; {r.phase.name} has no {' and '.join(missing)}")


def split_scene_indexes(config: TrainConfig, rows: list[ManifestRow]) -> tuple[SceneIndex, SceneIndex | None]:
    """Indexes of the train and val scenes (hard negatives, whole scenes and trap pixels, left out unless
    wanted); None when not validating. `rows` are the manifest's, in file order."""
    used = [(line, r) for line, r in enumerate(rows, start=2)
            if r.split in ("train", "val") and (config.hard_negatives or not r.is_hard_negative)]
    train_rows = [r for _, r in used if r.split == "train"]
    val_rows = [r for _, r in used if r.split == "val"]
    if not train_rows:
        raise BadInputError(f"{config.manifest}: no scene in the train split")
    _check_terrain_columns(config, used)
    train = build_scene_index(train_rows, config.patch_size, config.where, config.pixel_size_m, config.hard_negatives)
    if train.n_objects == 0:
        where = f" matching --where {config.where!r}" if config.where else ""
        raise BadInputError(f"{config.manifest}: no labelled object{where} in the train split")
    val = None
    if val_rows and config.val_patches > 0:
        val = build_scene_index(val_rows, config.patch_size, config.where, config.pixel_size_m, config.hard_negatives)
        if val.n_objects == 0:
            log.warning("%s: no labelled object in the val split; validation is skipped", config.manifest)
            val = None
    elif config.val_patches > 0:
        log.warning("%s: no scene in the val split; validation is skipped", config.manifest)
    return train, val


def _training_data(config: TrainConfig, train: SceneIndex, val: SceneIndex | None, patches_seen: int) -> dict:
    n_pos = int(round(config.patches_per_epoch / (1.0 + config.neg_ratio)))
    n_neg = config.patches_per_epoch - n_pos
    n_hard = int(round(n_neg * config.hard_fraction)) if train.has_hard_negatives else 0
    return {
        "manifest": str(Path(config.manifest).resolve()),
        "train_scenes": [s.name for s in train.scenes],
        "val_scenes": [s.name for s in val.scenes] if val else [],
        "hard_negative_scenes": [s.name for s in train.scenes if s.is_hard_negative],
        "trap_scenes": [s.name for s, px in zip(train.scenes, train.trap_px) if len(px)],
        "train_objects": train.n_objects,
        "val_objects": val.n_objects if val else 0,
        "where": config.where,
        "patch_size": config.patch_size,
        "patches_per_epoch": config.patches_per_epoch,
        "positives_per_epoch": n_pos,
        "negatives_per_epoch": n_neg - n_hard,
        "hard_negatives_per_epoch": n_hard,
        "patches_seen": patches_seen,
    }


def _callbacks(config: TrainConfig, out: Path, monitor: str, mode: str) -> tuple[ModelCheckpoint, list]:
    checkpoint = ModelCheckpoint(
        dirpath=out / CHECKPOINT_DIR, filename=BEST_NAME, monitor=monitor, mode=mode, save_top_k=1,
        enable_version_counter=False, auto_insert_metric_name=False,
    )
    # Lightning's save_last only follows a saved best checkpoint; an unmonitored one is written every epoch,
    # so an interruption loses at most the epoch under way.
    last = ModelCheckpoint(dirpath=out / CHECKPOINT_DIR, filename=LAST_CHECKPOINT.removesuffix(".ckpt"),
                           monitor=None, save_top_k=1, enable_version_counter=False, auto_insert_metric_name=False)
    callbacks = [checkpoint, last, EarlyStopping(monitor=monitor, mode=mode, patience=config.patience),
                 EpochLog(out / LOG_FILE, out / CURVE_FILE), StopWhenInterrupted()]
    if config.progress:
        callbacks.append(RichProgressBar())
    return checkpoint, callbacks


def _scene_validation(config: TrainConfig, val: SceneIndex | None, card: ModelCard, out: Path
                      ) -> tuple[SceneValidation | None, dict]:
    """Whole-scene validation of the run when asked for and possible, and the starting model's figures there."""
    if not config.scene_validation:
        return None, {}
    if val is None:
        log.warning("no validation scenes: the card keeps the threshold %.2f and the default minimum area",
                    card.threshold)
        return None, {}
    if len(val.scenes) < MIN_VALIDATION_SCENES:
        log.warning("only %d validation scenes (%d polygons): the threshold and minimum area picked on them are "
                    "unreliable; give at least %d val rows, or set --threshold when mapping", len(val.scenes),
                    val.n_objects, MIN_VALIDATION_SCENES)
    scenes = SceneValidation.of_index(val, card, out, config.where, config.pixel_size_m)
    return scenes, scenes.before(config.init) if config.init else {}


def _model_card(config: TrainConfig, arch: str, encoder: str, channels: tuple[str, ...]) -> ModelCard:
    """The card of the network being trained; a fine-tuned one maps with its starting model's tile size, whatever
    the patch size it was fine-tuned on (smaller patches give more steps per CPU minute, not better context)."""
    card = ModelCard(arch=arch, encoder=encoder, channels=list(channels), patch_size=config.patch_size)
    if config.init:
        card.set_prediction_tile_px(read_card(config.init).prediction_tile_px)
    return card


def _progress(trainer: L.Trainer, last: Path) -> tuple[int, int]:
    """Epochs run and optimiser steps taken; from the last checkpoint when the trainer's state stayed in spawned
    processes (ddp_spawn)."""
    if trainer.global_step > 0 or not last.exists():
        return trainer.current_epoch, trainer.global_step
    state = torch.load(last, map_location="cpu", weights_only=False)
    return int(state["epoch"]) + 1, int(state["global_step"])


def _devices(value: int | str) -> int | str:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def cpu_has_native_bf16() -> bool:
    """True when this CPU runs bfloat16 convolutions natively (AVX512-BF16 or AMX), as oneDNN reports it."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def _warn_emulated_bf16(config: TrainConfig) -> None:
    on_cpu = config.accelerator == "cpu" or (config.accelerator == "auto" and not torch.cuda.is_available())
    if config.precision.startswith("bf16") and on_cpu and not cpu_has_native_bf16():
        log.warning("--precision %s: this CPU has no native bfloat16 (AVX512-BF16/AMX), so it is emulated and "
                    "about 10x slower than 32-true", config.precision)


def train(config: TrainConfig, callbacks: Sequence[L.Callback] = (), overwrite: bool = True) -> TrainResult:
    """Train a model as `config` says and write it (weights, card, log, learning curve) into `config.out`.

    `callbacks` are extra Lightning callbacks (notebooks, tests). Without `overwrite` (the command line's
    default), a folder holding a model, or checkpoints that `config.resume` does not continue, is refused.
    """
    config.validate()
    check_run_folder(config, overwrite)
    _warn_emulated_bf16(config)
    if config.init:
        resolve_model_dir(config.init)  # a missing model fails before anything is written
    # The manifest is read and the network built before the model folder is made: a refused manifest or
    # starting model leaves no empty folder.
    train_index, val_index = split_scene_indexes(config, read_manifest(config.manifest))
    # Seeded before the network is built: the seed fixes initialisation as well as sampling and augmentation.
    L.seed_everything(config.seed, workers=True, verbose=False)
    net, arch, encoder, channels = initial_network(config)
    created = not Path(config.out).exists()
    out, resume_from = _prepare_out(config)
    with _removed_unless_resumable(out, created):
        return _fit_and_write(config, callbacks, out, resume_from, train_index, val_index, net, arch, encoder,
                              channels)


@contextlib.contextmanager
def _removed_unless_resumable(out: Path, created: bool) -> Iterator[None]:
    """Remove the run's own model folder when the run fails or is interrupted before its first checkpoint (a
    full disk, Ctrl-C in the first epoch): nothing partial stays, and nothing could be resumed from it. A folder
    holding a checkpoint stays for `--resume`."""
    try:
        yield
    except BaseException:
        if created and not (out / CHECKPOINT_DIR / LAST_CHECKPOINT).exists():
            shutil.rmtree(out, ignore_errors=True)
        raise


def _fit_and_write(config: TrainConfig, callbacks: Sequence[L.Callback], out: Path, resume_from: Path | None,
                   train_index: SceneIndex, val_index: SceneIndex | None, net: torch.nn.Module, arch: str,
                   encoder: str, channels: tuple[str, ...]) -> TrainResult:
    """Fit the network in the prepared run folder and write the model, its card, log and curve there."""

    monitor, mode = config.monitor, config.monitor_mode
    if val_index is None and monitor.startswith("val_"):
        log.warning("no validation: the best checkpoint is chosen by training loss instead of %s", monitor)
        monitor, mode = "train_loss", "min"
    # Lightning names the epoch mean of a metric logged per step and per epoch with this suffix.
    ckpt_monitor = "train_loss_epoch" if monitor == "train_loss" else monitor
    (out / CONFIG_FILE).write_text(config.to_json() + "\n")

    steps_per_epoch = math.ceil(config.patches_per_epoch / config.batch_size)
    module = SegmentationModule(net, config, steps_per_epoch)
    data = PatchDataModule(train_index, val_index, channels, config)
    checkpoint, run_callbacks = _callbacks(config, out, ckpt_monitor, mode)
    if config.freeze_epochs and not config.freeze_encoder:
        run_callbacks.append(EncoderWarmup(config.freeze_epochs))
    base_card = _model_card(config, arch, encoder, channels)
    scenes, before = _scene_validation(config, val_index, base_card, out)
    if scenes is not None:
        run_callbacks.append(scenes)
    trainer = L.Trainer(
        accelerator=config.accelerator, devices=_devices(config.devices), num_nodes=config.num_nodes,
        strategy=config.strategy, precision=config.precision,  # type: ignore[arg-type]  # checked by TrainConfig
        max_epochs=config.epochs,
        max_time=timedelta(minutes=config.max_minutes) if config.max_minutes else None,
        callbacks=run_callbacks + list(callbacks), logger=False, use_distributed_sampler=False, num_sanity_val_steps=0,
        enable_progress_bar=config.progress, enable_model_summary=config.progress,
        log_every_n_steps=max(1, min(50, steps_per_epoch)), default_root_dir=out,
    )
    sigint = signal.getsignal(signal.SIGINT)
    try:
        trainer.fit(module, datamodule=data, ckpt_path=resume_from)
    except SystemExit as exc:
        # Lightning ends a run stopped by Ctrl-C with sys.exit(1), Ctrl-C ignored from then on: it is an interruption.
        if not isinstance(exc.__context__, KeyboardInterrupt):
            raise
        signal.signal(signal.SIGINT, sigint)
        raise KeyboardInterrupt from None

    best_path = Path(checkpoint.best_model_path) if checkpoint.best_model_path else None
    epochs_run, step = _progress(trainer, out / CHECKPOINT_DIR / LAST_CHECKPOINT)
    if not trainer.is_global_zero:
        return TrainResult(out, ModelCard(), best_path, epochs_run, step)
    if best_path is not None and best_path.exists():
        net.load_state_dict(checkpoint_weights(best_path))
    epochs_log = read_log(out / LOG_FILE)
    best = best_row(epochs_log, monitor, mode) or {}
    patches_seen = step * config.batch_size * trainer.world_size
    card = replace(
        base_card,
        training_data=_training_data(config, train_index, val_index, patches_seen),
        training={**config.to_dict(), "epochs_run": epochs_run, "global_step": step, "world_size": trainer.world_size},
        metrics={"monitor": monitor, **{k: v for k, v in best.items()
                                        if k == "epoch" or k.startswith(("val_", "train_"))
                                        and not (isinstance(v, float) and math.isnan(v))}},
        massmap_version=__version__,
    )
    if scenes is not None:
        after = scenes.pick(net.cpu())
        card.threshold, card.min_area_m2 = after.threshold, after.min_area_m2
        log.info("on the %d validation scenes mapped whole: threshold %.2f, minimum area %.0f m2, pixel IoU %.3f, "
                 "object F1 %.3f", after.scenes, after.threshold, after.min_area_m2, after.pixel_iou, after.object_f1)
        if config.init and val_index is not None:
            record_fine_tuning(card, config.init, train_index, val_index, before, after, config.pixel_size_m)
    publish_model(net.cpu(), card, out)
    log.info("model written to %s (best %s %.3f at epoch %s)", out, monitor, best.get(monitor, math.nan),
             best.get("epoch", "-"))
    return TrainResult(out, card, best_path, epochs_run, step)
