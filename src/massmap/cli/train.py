"""`massmap train`: train (or fine-tune) a segmentation model on a manifest of mapped interferograms."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from massmap.cli.app import command
from massmap.cli.options import QuietOption
from massmap.inputs import CHANNELS, ENCODINGS


@command("train")
def train_command(
    manifest: Path = typer.Option(..., "--manifest",
                                  help="CSV of scenes: phase, coherence, labels, split, dem, negative, los, traps."),
    out: Path = typer.Option(..., "--out", help="Model folder to write (model.safetensors, card.json, log, curve)."),
    arch: str = typer.Option("unetplusplus", "--arch", help="Any segmentation-models-pytorch architecture."),
    encoder: str = typer.Option("resnet18", "--encoder", help="smp encoder (random weights; nothing is downloaded)."),
    init: str | None = typer.Option(None, "--init",
                                    help="Start from a model: 'default' (the shipped one) or a folder."),
    freeze_encoder: bool = typer.Option(False, "--freeze-encoder", help="Train only the decoder (very few labels)."),
    encoding: str = typer.Option("sincos", "--encoding", help="Wrapped phase as " + ", ".join(ENCODINGS) + "."),
    coherence: bool = typer.Option(True, "--coherence/--no-coherence", help="Add the coherence channel."),
    slope: bool = typer.Option(False, "--slope", help="Add terrain slope from each scene's DEM."),
    los: bool = typer.Option(False, "--los", help="Add the line-of-sight share of downslope motion (needs the "
                             "manifest's dem and los columns: a 3-band ENU GeoTIFF, LiCSAR .geo.E/N/U.tif or HyP3 "
                             "_lv_theta/_lv_phi.tif)."),
    channels: str | None = typer.Option(None, "--channels", help="Input channels by name, comma-separated, "
                                        "instead of --encoding/--coherence/--slope/--los; registered (massmap.inputs): "
                                        + ", ".join(CHANNELS) + "."),
    patch_size: int = typer.Option(256, "--patch-size", help="Patch side in pixels (a multiple of 32)."),
    neg_ratio: float = typer.Option(0.0, "--neg-ratio", help="Negative patches per positive (0: positives only)."),
    hard_negatives: bool = typer.Option(True, "--hard-negatives/--no-hard-negatives",
                                        help="Draw negatives from scenes the manifest marks as hard negatives "
                                             "and from the trap pixels of its traps rasters."),
    where: str | None = typer.Option(None, "--where", help="Keep label polygons matching this OGR SQL filter."),
    augment: bool = typer.Option(True, "--augment/--no-augment",
                                 help="Flips, rotations, phase offset, conjugation, noise."),
    loss: str = typer.Option("bce-dice", "--loss",
                             help="bce-dice, object-bce-dice (small patterns weighted up), focal or lovasz."),
    lr: float = typer.Option(1e-3, "--lr", help="Peak learning rate of AdamW."),
    schedule: str = typer.Option("cosine", "--schedule", help="Learning-rate schedule: cosine or onecycle."),
    batch_size: int = typer.Option(8, "--batch-size", help="Patches per step."),
    epochs: int = typer.Option(50, "--epochs", help="Maximum number of epochs."),
    patches_per_epoch: int = typer.Option(512, "--patches-per-epoch", help="Patches sampled per epoch."),
    val_patches: int = typer.Option(64, "--val-patches", help="Validation patches (fixed set) per epoch."),
    max_minutes: float | None = typer.Option(None, "--max-minutes",
                                             help="Time budget of the whole run, resumes included."),
    patience: int = typer.Option(10, "--patience", help="Epochs without improvement before stopping early."),
    monitor: str = typer.Option("val_iou", "--monitor",
                                help="Metric choosing the best checkpoint (val_iou, val_object_f1, ...)."),
    seed: int = typer.Option(0, "--seed", help="Seed of sampling, augmentation and initialisation."),
    workers: int = typer.Option(2, "--workers", help="Data-loading worker processes (0: in the main process)."),
    devices: str = typer.Option("auto", "--devices", help="Devices (processes) per node."),
    num_nodes: int = typer.Option(1, "--num-nodes", help="Number of nodes."),
    strategy: str = typer.Option("auto", "--strategy", help="Lightning strategy, e.g. ddp."),
    precision: str = typer.Option("32-true", "--precision", help="32-true, or bf16-mixed (faster on CPUs with BF16)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run from OUT/checkpoints/last.ckpt."),
    pixel_size: float | None = typer.Option(None, "--pixel-size", help="Pixel size in m for rasters without a CRS."),
    quiet: bool = QuietOption,
) -> None:
    """Train a model on mapped interferograms and write it, with its card, into a model folder."""
    from massmap.train import TrainConfig, train

    if quiet:
        logging.getLogger("lightning").setLevel(logging.ERROR)
    config = TrainConfig(
        manifest=str(manifest), out=str(out), arch=arch, encoder=encoder, init=init, freeze_encoder=freeze_encoder,
        encoding=encoding, coherence=coherence, slope=slope, los=los,
        inputs=[c.strip() for c in channels.split(",") if c.strip()] if channels else None,
        patch_size=patch_size, neg_ratio=neg_ratio,
        hard_negatives=hard_negatives, where=where, augment=augment, loss=loss, lr=lr, schedule=schedule,
        batch_size=batch_size, epochs=epochs, patches_per_epoch=patches_per_epoch, val_patches=val_patches,
        max_minutes=max_minutes, patience=patience, monitor=monitor, seed=seed, workers=workers,
        devices=int(devices) if devices.isdigit() else devices, num_nodes=num_nodes, strategy=strategy,
        precision=precision, resume=resume, progress=not quiet, pixel_size_m=pixel_size,
    )
    result = train(config)
    if quiet:
        return
    table = Table(title=f"model {result.out}", show_header=False)
    table.add_row("architecture", f"{result.card.arch} / {result.card.encoder}")
    table.add_row("channels", ", ".join(result.card.channels))
    table.add_row("epochs, steps", f"{result.epochs}, {result.global_step}")
    for key, value in result.card.metrics.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    Console(soft_wrap=True).print(table)
