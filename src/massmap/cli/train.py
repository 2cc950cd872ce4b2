"""`massmap train`: train (or fine-tune) a segmentation model on a manifest of mapped interferograms."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from massmap.cli.app import command
from massmap.cli.options import (
    LabelsWhereOption,
    OverwriteOption,
    PatchesPerStepOption,
    PatchSizeOption,
    PixelSizeOption,
    PrecisionOption,
    QuietOption,
    out_option,
)
from massmap.errors import BadInputError
from massmap.inputs import CHANNELS, ENCODINGS
from massmap.log import quiet_lightning
from massmap.settings_json import FieldDefaults
from massmap.train.config import MONITORS, SCHEDULES, TrainConfig

TRAIN = FieldDefaults(TrainConfig)


@command("train")
def train_command(
    ctx: typer.Context,
    manifest: Path = typer.Option(..., "--manifest",
                                  help="CSV of scenes: phase, coherence, labels, split, dem, negative, los, traps."),
    out: Path = out_option(..., "Model folder to write (model.safetensors, card.json, log, curve)."),
    arch: str = typer.Option(TRAIN.arch, "--arch", help="Any segmentation-models-pytorch architecture."),
    encoder: str = typer.Option(TRAIN.encoder, "--encoder",
                                help="smp encoder (random weights; nothing is downloaded)."),
    init: str | None = typer.Option(
        TRAIN.init, "--init", help="Fine-tune a model: 'default' (the shipped one) or a folder. Options not given "
        "take the fine-tuning recipe's values (massmap.train.recipe) and the model's patch size and channels."),
    freeze_encoder: bool = typer.Option(TRAIN.freeze_encoder, "--freeze-encoder",
                                        help="Train only the decoder (very few labels)."),
    freeze_epochs: int = typer.Option(TRAIN.freeze_epochs, "--freeze-epochs",
                                      help="Keep the encoder frozen for the first N epochs."),
    scene_validation: bool = typer.Option(
        TRAIN.scene_validation, "--scene-validation/--patch-validation",
        help="Map the val scenes whole each epoch as predict does (val_scene_* figures, --monitor val_scene_score) "
             "and store their best threshold and minimum area in the card."),
    encoding: str = typer.Option(TRAIN.encoding, "--encoding", help="Wrapped phase as " + ", ".join(ENCODINGS) + "."),
    coherence: bool = typer.Option(TRAIN.coherence, "--coherence/--no-coherence", help="Add the coherence channel."),
    slope: bool = typer.Option(TRAIN.slope, "--slope", help="Add terrain slope from each scene's DEM."),
    los: bool = typer.Option(TRAIN.los, "--los", help="Add the line-of-sight share of downslope motion (needs the "
                             "manifest's dem and los columns: a 3-band ENU GeoTIFF, LiCSAR .geo.E/N/U.tif or HyP3 "
                             "_lv_theta/_lv_phi.tif)."),
    channels: str | None = typer.Option(TRAIN.inputs, "--channels", help="Input channels by name, comma-separated, "
                                        "instead of --encoding/--coherence/--slope/--los; registered (massmap.inputs): "
                                        + ", ".join(CHANNELS) + "."),
    patch_size: int = PatchSizeOption,
    crop_sizes: str | None = typer.Option(
        TRAIN.crop_sizes, "--crop-sizes", metavar="PX,PX",
        help="Cut each training batch to one of these sizes (at most --patch-size), so the model maps alike with "
        "any tile size, e.g. 128,256."),
    neg_ratio: float = typer.Option(TRAIN.neg_ratio, "--neg-ratio",
                                    help="Negative patches per positive (0: positives only)."),
    hard_negatives: bool = typer.Option(TRAIN.hard_negatives, "--hard-negatives/--no-hard-negatives",
                                        help="Draw negatives from scenes the manifest marks as hard negatives "
                                             "and from the trap pixels of its traps rasters."),
    where: str | None = LabelsWhereOption,
    augment: bool = typer.Option(TRAIN.augment, "--augment/--no-augment",
                                 help="Flips, 90-degree rotations and conjugation (they keep the labels true)."),
    loss: str = typer.Option(TRAIN.loss, "--loss", help="bce-dice, object-bce-dice (small patterns weighted up), "
                             "bce-image-dice (Dice per patch), focal or lovasz."),
    lr: float = typer.Option(TRAIN.lr, "--lr", help="Peak learning rate of AdamW."),
    schedule: str = typer.Option(TRAIN.schedule, "--schedule",
                                 help="Learning-rate schedule: " + " or ".join(SCHEDULES) + "."),
    batch_size: int = PatchesPerStepOption,
    epochs: int = typer.Option(TRAIN.epochs, "--epochs", help="Maximum number of epochs."),
    patches_per_epoch: int = typer.Option(TRAIN.patches_per_epoch, "--patches-per-epoch",
                                          help="Patches sampled per epoch."),
    val_patches: int = typer.Option(TRAIN.val_patches, "--val-patches",
                                    help="Validation patches (fixed set) per epoch."),
    max_minutes: float | None = typer.Option(TRAIN.max_minutes, "--max-minutes",
                                             help="Time budget of the whole run, resumes included."),
    patience: int = typer.Option(TRAIN.patience, "--patience",
                                 help="Epochs without improvement before stopping early."),
    monitor: str = typer.Option(TRAIN.monitor, "--monitor",
                                help="Metric choosing the best checkpoint: " + ", ".join(MONITORS) + "."),
    seed: int = typer.Option(TRAIN.seed, "--seed", help="Seed of sampling, augmentation and initialisation."),
    workers: int = typer.Option(TRAIN.workers, "--workers",
                                help="Data-loading worker processes (0: in the main process)."),
    devices: str = typer.Option(str(TRAIN.devices), "--devices", help="Devices (processes) per node."),
    num_nodes: int = typer.Option(TRAIN.num_nodes, "--num-nodes", help="Number of nodes."),
    strategy: str = typer.Option(TRAIN.strategy, "--strategy", help="Lightning strategy, e.g. ddp."),
    precision: str = PrecisionOption,
    resume: bool = typer.Option(TRAIN.resume, "--resume",
                                help="Continue an interrupted run from OUT/checkpoints/last.ckpt."),
    pixel_size: float | None = PixelSizeOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Train a model on mapped interferograms and write it, with its card, into a model folder."""
    from massmap.train import apply_recipe, train

    if quiet:
        quiet_lightning()
    config = TrainConfig(
        manifest=str(manifest), out=str(out), arch=arch, encoder=encoder, init=init, freeze_encoder=freeze_encoder,
        encoding=encoding, coherence=coherence, slope=slope, los=los,
        inputs=[c.strip() for c in channels.split(",") if c.strip()] if channels else None,
        patch_size=patch_size, crop_sizes=_sizes(crop_sizes), neg_ratio=neg_ratio,
        hard_negatives=hard_negatives, where=where, augment=augment, loss=loss, lr=lr, schedule=schedule,
        batch_size=batch_size, epochs=epochs, patches_per_epoch=patches_per_epoch, val_patches=val_patches,
        max_minutes=max_minutes, patience=patience, monitor=monitor, seed=seed, workers=workers,
        devices=int(devices) if devices.isdigit() else devices, num_nodes=num_nodes, strategy=strategy,
        precision=precision, resume=resume, progress=not quiet, pixel_size_m=pixel_size,
        freeze_epochs=freeze_epochs, scene_validation=scene_validation,
    )
    # Options the user typed win over the recipe's; click's context names the source of each value.
    renamed = {"pixel_size": "pixel_size_m", "channels": "inputs"}
    given = {renamed.get(name, name) for name in ctx.params
             if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")}
    config = apply_recipe(config, given)
    result = train(config, overwrite=overwrite)
    if quiet:
        return
    table = Table(title=f"model {result.out}", show_header=False)
    table.add_row("architecture", f"{result.card.arch} / {result.card.encoder}")
    table.add_row("channels", ", ".join(result.card.channels))
    table.add_row("epochs, steps", f"{result.epochs}, {result.global_step}")
    for key, value in result.card.metrics.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    Console(soft_wrap=True).print(table)


def _sizes(text: str | None) -> list[int] | None:
    """Comma-separated pixel sizes as integers; a one-line error for anything else."""
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise BadInputError(f"--crop-sizes {text!r} is not a comma-separated list of pixel sizes") from None
