"""`massmap predict-stack`: map the interferograms of one frame as a stack (persistence, or phase-gradient stacking)."""

from __future__ import annotations

from pathlib import Path

import typer

from massmap.cli.app import command
from massmap.cli.options import (
    BackendOption,
    MinAreaOption,
    ModelOption,
    OverwriteOption,
    QuietOption,
    ThresholdOption,
    out_option,
)
from massmap.stack.settings import DEFAULT_MIN_PERSISTENCE, DEFAULT_PGS_SIGMAS, METHODS, MIN_COHERENCE


@command("predict-stack")
def predict_stack_command(
    inputs: list[Path] = typer.Argument(..., metavar="INPUTS...", help=(
        "Interferograms of one frame: phase files, folders of products (LiCSAR GEOC, HyP3, massmap) or catalog CSVs "
        "(as predict-batch --catalog reads: phase, coherence, date1, date2, ...). Dates come from the names or the "
        "catalog.")),
    out: Path = out_option(..., "Output folder: stack_METHOD.tif/.gpkg/.json (and pairs/ for the model)."),
    method: str = typer.Option(METHODS[0], "--method", help=f"{METHODS[0]} (each pair mapped, detections fused) or "
                               f"{METHODS[1]} (phase-gradient stacking, no model)."),
    min_persistence: float = typer.Option(DEFAULT_MIN_PERSISTENCE, "--min-persistence",
                                          help="Share of the pairs judging a place that must detect it."),
    model: str = ModelOption,
    threshold: float | None = ThresholdOption,
    min_area: float | None = MinAreaOption,
    min_coherence: float = typer.Option(MIN_COHERENCE, "--min-coherence",
                                        help="Coherence from which a pair can judge a pixel."),
    pgs_sigmas: float = typer.Option(DEFAULT_PGS_SIGMAS, "--pgs-sigmas",
                                     help="PGS level: robust standard deviations above the frame's median."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Existing Dask scheduler, e.g. tcp://host:8786."),
    workers: int | None = typer.Option(None, "--workers",
                                       help="Local single-threaded worker processes (default: cores)."),
    backend: str = BackendOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Map many interferograms of one frame together: what persists from pair to pair, not each pair alone."""
    from massmap.log import console
    from massmap.stack.pairs import stack_span
    from massmap.stack.run import predict_stack

    result = predict_stack(inputs, out, method=method, min_persistence=min_persistence, model=model,
                           threshold=threshold, min_area_m2=min_area, min_coherence=min_coherence,
                           pgs_sigmas=pgs_sigmas, backend=backend, scheduler=scheduler, n_workers=workers,
                           progress=not quiet, quiet=quiet, overwrite=overwrite)
    if not quiet:
        first, last = stack_span(result.fused.pairs)
        console.print(f"{len(result.fused.pairs)} pairs ({first} to {last}), method {method}: "
                      f"{len(result.polygons)} polygons; {result.seconds:.1f} s "
                      f"({result.seconds_per_pair:.1f} s per pair)")
        console.print(f"polygons: {result.paths['polygons']}   layers: {result.paths['raster']}")
    if result.failed:
        console.print(f"[bold red]error:[/] {len(result.failed)} pairs failed: {', '.join(result.failed)}",
                      markup=True, highlight=False)
        raise typer.Exit(1)
