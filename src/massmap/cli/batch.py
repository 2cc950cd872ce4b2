"""`massmap predict-batch` and `merge-batch`: map many scenes on a Dask cluster, merge shares, print the summary."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from massmap.batch.catalog import CATALOG_COLUMNS
from massmap.batch.settings import DEFAULT_DEVICE, DEFAULT_THREADS_PER_SCENE, JobSettings
from massmap.cli.app import command
from massmap.cli.options import (
    AoiOption,
    BackendOption,
    BandOption,
    CoherenceBandOption,
    MinAreaOption,
    ModelOption,
    OverlapOption,
    QuietOption,
    RewrapOption,
    ThresholdOption,
    TileOption,
    TtaOption,
    ZeroNodataOption,
    device_option,
    out_option,
)
from massmap.errors import BadInputError
from massmap.log import console
from massmap.settings_json import FieldDefaults

if TYPE_CHECKING:
    from massmap.batch.run import BatchResult

JOBS = FieldDefaults(JobSettings)
_SHORT_ORBIT = {"ascending": "asc", "descending": "desc"}
InputsArgument = typer.Argument(
    None, metavar="INPUTS", help="Phase rasters, folders (a LiCSAR frame or GEOC folder, HyP3 products), "
    "HyP3 zips or MintPy ifgramStack.h5 (every pair); coherence, dates and orbit found from product naming.")
CatalogOption = typer.Option(
    None, "--catalog", metavar="PATH",
    help=f"CSV of scenes: {CATALOG_COLUMNS[0]} (required), {', '.join(CATALOG_COLUMNS[1:])}; paths relative to it.")
OutDirOption = out_option(..., "Folder of per-scene outputs, catalogue.gpkg and summary.csv.", "--out-dir")


def _fmt(value: float, digits: int) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"  # NaN (skipped before timing, failed) prints as -


def _scenes(inputs: list[Path] | None, catalog: Path | None, **reading: Any) -> list:
    """The batch's scenes, from paths or a catalog CSV (exactly one of them)."""
    from massmap.batch import read_catalog, scenes_from_paths

    if bool(inputs) == bool(catalog):
        raise BadInputError("give either phase rasters or --catalog LIST.csv (one of them)")
    if catalog:
        # The catalog's own columns win over the command line's options.
        return [replace(e, **{k: v for k, v in reading.items() if getattr(e, k) in (None, False)})
                for e in read_catalog(catalog)]
    return scenes_from_paths(inputs or [], **reading)


def _print_result(result: BatchResult, quiet: bool, report: bool = False) -> None:
    """The per-scene table and totals (unless quiet), then one error line per failed or missing scene."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from massmap.batch.merge import summary_frame, summary_totals

    table = summary_frame(result.outcomes)
    if not quiet:
        rich_table = Table(title=f"{len(table)} scenes -> {result.out_dir}")
        columns: list[tuple[str, Literal["left", "right"]]] = [
            ("scene", "left"), ("orbit", "left"), ("dates", "left"), ("status", "left"), ("polygons", "right"),
            ("detected m2", "right"), ("km2", "right"), ("s", "right")]
        for col, justify in columns:
            # Long product names fold onto further lines rather than being cut.
            rich_table.add_column(col, justify=justify, overflow="fold" if col == "scene" else "ellipsis",
                                  min_width=24 if col == "scene" else None, no_wrap=col != "scene")
        for row in table.itertuples():
            dates = f"{row.date1}/{row.date2}".replace("-", "") if row.date1 or row.date2 else ""
            status = f"[red]{row.status}[/]" if row.status in ("failed", "missing") else row.status
            polygons = "-" if pd.isna(row.polygons) else str(row.polygons)
            rich_table.add_row(row.scene, _SHORT_ORBIT.get(row.orbit, row.orbit), dates, status, polygons,
                               _fmt(row.detected_area_m2, 0), _fmt(row.scene_area_km2, 2), _fmt(row.seconds, 1))
        totals = summary_totals(table)
        missing = int((table["status"] == "missing").sum())
        out = Console(soft_wrap=True)
        out.print(rich_table)
        out.print(
            f"{totals['mapped']} mapped, {totals['skipped']} already complete, {totals['failed']} failed"
            + (f", {missing} missing" if missing else "") + "; "
            f"{totals['polygons']} polygons, {_fmt(totals['detected_area_m2'], 0)} m2 detected over "
            f"{_fmt(totals['scene_area_km2'], 1)} km2; {_fmt(totals['seconds_per_scene'], 1)} s per mapped scene; "
            f"{result.seconds:.1f} s in all"
        )
        if result.catalogue_path:
            out.print(f"catalogue: {result.catalogue_path}   summary: {result.summary_path}"
                      + (f"   report: {result.out_dir / 'report.html'}" if report else ""))
    failed = [o for o in result.outcomes if o.status in ("failed", "missing")]
    for outcome in failed:
        console.print(f"[bold red]error:[/] {outcome.error}", markup=True, highlight=False)
    if failed:
        raise typer.Exit(1)


@command("predict-batch")
def predict_batch_command(
    inputs: list[Path] | None = InputsArgument,
    catalog: Path | None = CatalogOption,
    out_dir: Path = OutDirOption,
    scheduler: str | None = typer.Option(
        None, "--scheduler", metavar="ADDRESS", help="Existing Dask scheduler, e.g. tcp://host:8786."),
    scheduler_file: Path | None = typer.Option(
        None, "--scheduler-file", metavar="PATH", help="Scheduler file of a running cluster (dask-mpi, `dask scheduler "
        "--scheduler-file`)."),
    cluster: str | None = typer.Option(
        None, "--cluster", help="Start workers as batch jobs through dask-jobqueue: slurm, pbs or lsf."),
    jobs: int = typer.Option(JOBS.jobs, "--jobs", help="With --cluster: number of jobs (one worker each)."),
    cores_per_job: int = typer.Option(
        JOBS.cores, "--cores-per-job",
        help="With --cluster: cores of each job; its worker maps cores / threads-per-scene scenes at once."),
    memory_per_job: str = typer.Option(JOBS.memory, "--memory-per-job", help="With --cluster: memory of each job."),
    walltime: str | None = typer.Option(
        JOBS.walltime, "--walltime", help="With --cluster: wall time of each job, HH:MM:SS."),
    queue: str | None = typer.Option(JOBS.queue, "--queue", help="With --cluster: queue (SLURM partition)."),
    account: str | None = typer.Option(
        JOBS.account, "--account", help="With --cluster: account (LSF project) to charge."),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", help="Local single-threaded worker processes (default: cores)."),
    shard: str | None = typer.Option(
        None, "--shard", help="Map share K/N of the scenes only (default: from SLURM_ARRAY_TASK_ID in a job array); "
        "then run merge-batch once."),
    model: str = ModelOption,
    threshold: float | None = ThresholdOption,
    min_area: float | None = MinAreaOption,
    backend: str = BackendOption,
    tile_px: int | None = TileOption,
    overlap: float = OverlapOption,
    tta: bool = TtaOption,
    device: str = device_option(DEFAULT_DEVICE),
    threads_per_scene: int = typer.Option(
        DEFAULT_THREADS_PER_SCENE, "--threads-per-scene",
        help="Threads GDAL, torch and ONNX Runtime use for one scene."),
    band: int | None = BandOption,
    rewrap: bool = RewrapOption,
    coherence_band: int | None = CoherenceBandOption,
    zero_nodata: bool | None = ZeroNodataOption,
    aoi: Path | None = AoiOption,
    report: bool = typer.Option(
        False, "--report", help="Also write each scene's HTML page (<id>_report.html) and report.html, a summary "
        "page of thumbnails linking to them."),
    quiet: bool = QuietOption,
) -> None:
    """Map many scenes, one Dask task per scene; a rerun skips scenes whose outputs are complete."""
    from massmap.batch import predict_batch
    from massmap.batch.run import parse_shard
    from massmap.predict.settings import PredictSettings

    shard_k_n = parse_shard(shard)
    scenes = _scenes(inputs, catalog, band=band, rewrap=rewrap, coherence_band=coherence_band,
                     zero_nodata=zero_nodata)
    settings = PredictSettings(tile_px=tile_px, overlap=overlap, backend=backend, threshold=threshold,
                               min_area_m2=min_area, tta=tta)
    jobs_settings = JobSettings(jobs=jobs, cores=cores_per_job, memory=memory_per_job, walltime=walltime,
                                queue=queue, account=account) if cluster else None
    result = predict_batch(scenes, out_dir, model=model, settings=settings, scheduler=scheduler, n_workers=workers,
                           progress=not quiet, quiet=quiet, report=report, aoi=aoi, shard=shard_k_n,
                           scheduler_file=scheduler_file, cluster=cluster, jobs=jobs_settings, device=device,
                           threads_per_scene=threads_per_scene)
    _print_result(result, quiet, report)


@command("merge-batch")
def merge_batch_command(
    inputs: list[Path] | None = InputsArgument,
    catalog: Path | None = CatalogOption,
    out_dir: Path = OutDirOption,
    model: str = ModelOption,
    quiet: bool = QuietOption,
) -> None:
    """Write the catalogue and summary of a batch mapped in shares (--shard, job arrays), once every share is done."""
    from massmap.batch.run import merge_batch

    _print_result(merge_batch(_scenes(inputs, catalog), out_dir, model=model), quiet)
