"""`massmap benchmark-models`: compare architectures x encoders (and two ablations) under one training budget."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from massmap.cli.app import command
from massmap.cli.options import (
    LabelsWhereOption,
    OverwriteOption,
    PatchesPerStepOption,
    PatchSizeOption,
    PrecisionOption,
    QuietOption,
    out_option,
)
from massmap.compare.config import BenchmarkConfig
from massmap.log import quiet_lightning
from massmap.settings_json import FieldDefaults

BENCH = FieldDefaults(BenchmarkConfig)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


@command("benchmark-models")
def benchmark_models_command(
    manifest: Path = typer.Option(..., "--manifest", help="CSV of scenes (train, val and ideally test splits)."),
    archs: str = typer.Option(",".join(BENCH.archs), "--archs",
                              help="Comma-separated smp architectures."),
    encoders: str = typer.Option(",".join(BENCH.encoders), "--encoders",
                                 help="Comma-separated smp encoders (random weights)."),
    budget_minutes: float = typer.Option(..., "--budget-minutes", help="Training time of every run, in minutes."),
    out: Path = out_option(Path("benchmark"), "Folder for table.md, table.csv, figure.png and one model folder per "
                           "run."),
    patch_size: int = PatchSizeOption,
    batch_size: int = PatchesPerStepOption,
    seed: int = typer.Option(BENCH.seed, "--seed",
                             help="One seed for every run: sampling, augmentation, initialisation."),
    where: str | None = LabelsWhereOption,
    ablations: bool = typer.Option(BENCH.ablations, "--ablations/--no-ablations",
                                   help="Also run the positive:negative ratio and input-encoding ablations."),
    ablation_arch: str = typer.Option(BENCH.ablation_arch, "--ablation-arch",
                                      help="Architecture of the ablation runs."),
    ablation_encoder: str = typer.Option(BENCH.ablation_encoder, "--ablation-encoder",
                                         help="Encoder of the ablation runs."),
    precision: str = PrecisionOption,
    epochs: int = typer.Option(BENCH.epochs, "--epochs",
                               help="At most this many epochs per run (the budget usually ends first)."),
    patches_per_epoch: int = typer.Option(BENCH.patches_per_epoch, "--patches-per-epoch",
                                          help="Patches per epoch (validation after each)."),
    val_patches: int = typer.Option(BENCH.val_patches, "--val-patches",
                                    help="Validation patches per epoch (they choose the best checkpoint)."),
    eval_patches: int = typer.Option(BENCH.eval_patches, "--eval-patches",
                                     help="Fixed held-out patches every model is scored on."),
    workers: int = typer.Option(BENCH.workers, "--workers", help="Data-loading worker processes per run."),
    measure_size: int = typer.Option(BENCH.measure_size_px, "--measure-size",
                                     help="Input side (px) for GFLOP/MP and CPU MP/s."),
    speed_threads: int = typer.Option(BENCH.speed_threads, "--speed-threads",
                                      help="CPU threads of the speed measurement."),
    threads: int | None = typer.Option(BENCH.threads, "--threads",
                                       help="Torch threads for training (default: torch's choice)."),
    resume: bool = typer.Option(BENCH.resume, "--resume",
                                help="Continue an interrupted comparison in OUT: finished runs are kept, an "
                                "unfinished one continues from its last checkpoint."),
    recipe: Path | None = typer.Option(BENCH.recipe, "--recipe",
                                       help="Training settings every run starts from (a model's train_config.json): "
                                       "loss, schedule, learning rate, crop sizes, inputs, negatives per positive."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Train each architecture x encoder under the same budget, score them alike, and write a table and a figure."""
    from massmap.compare import benchmark_models

    if quiet:
        quiet_lightning()
    config = BenchmarkConfig(
        manifest=str(manifest), out=str(out), archs=_names(archs), encoders=_names(encoders),
        budget_minutes=budget_minutes, patch_size=patch_size, batch_size=batch_size, seed=seed, where=where,
        ablations=ablations, ablation_arch=ablation_arch, ablation_encoder=ablation_encoder, precision=precision,
        epochs=epochs, patches_per_epoch=patches_per_epoch, val_patches=val_patches, eval_patches=eval_patches,
        workers=workers, measure_size_px=measure_size, speed_threads=speed_threads, threads=threads,
        resume=resume, progress=not quiet, recipe=str(recipe) if recipe else None,
    )
    result = benchmark_models(config, overwrite=overwrite)
    if quiet:
        return
    console = Console(soft_wrap=True)
    console.print(result.table_md.read_text(), markup=False, highlight=False)
    console.print(f"table: {result.table_md}, {result.table_csv}; figure: {result.figure}")
