"""`massmap predict-batch`: map many scenes on a Dask cluster and print the summary table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import typer

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
    out_option,
)
from massmap.errors import BadInputError
from massmap.log import console

_SHORT_ORBIT = {"ascending": "asc", "descending": "desc"}


def _fmt(value: float, digits: int) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"  # NaN (skipped before timing, failed) prints as -


@command("predict-batch")
def predict_batch_command(
    inputs: list[Path] | None = typer.Argument(
        None, metavar="INPUTS", help="Phase rasters, folders (a LiCSAR frame or GEOC folder, HyP3 products), "
        "HyP3 zips or MintPy ifgramStack.h5 (every pair); coherence, dates and orbit found from product naming."),
    catalog: Path | None = typer.Option(
        None, "--catalog", metavar="PATH",
        help="CSV of scenes: phase (required), coherence, dem, los, orbit, date1, date2, band, coherence_band, rewrap, "
        "zero_nodata; paths relative to it."),
    out_dir: Path = out_option(..., "Folder of per-scene outputs, catalogue.gpkg and summary.csv.", "--out-dir"),
    scheduler: str | None = typer.Option(
        None, "--scheduler", metavar="ADDRESS", help="Existing Dask scheduler, e.g. tcp://host:8786."),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", help="Local single-threaded worker processes (default: cores)."),
    model: str = ModelOption,
    threshold: float | None = ThresholdOption,
    min_area: float = MinAreaOption,
    backend: str = BackendOption,
    tile_px: int | None = TileOption,
    overlap: float = OverlapOption,
    tta: bool = TtaOption,
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
    from rich.console import Console
    from rich.table import Table

    from massmap.batch import predict_batch, read_catalog, scenes_from_paths
    from massmap.batch.merge import summary_frame, summary_totals
    from massmap.predict.settings import PredictSettings

    if bool(inputs) == bool(catalog):
        raise BadInputError("give either phase rasters or --catalog LIST.csv (one of them)")
    reading: dict[str, Any] = dict(band=band, rewrap=rewrap, coherence_band=coherence_band, zero_nodata=zero_nodata)
    if catalog:
        # The catalogue's own columns win over the command line's options.
        scenes = [replace(e, **{k: v for k, v in reading.items() if getattr(e, k) in (None, False)})
                  for e in read_catalog(catalog)]
    else:
        scenes = scenes_from_paths(inputs or [], **reading)
    settings = PredictSettings(tile_px=tile_px, overlap=overlap, backend=backend, threshold=threshold,
                               min_area_m2=min_area, tta=tta)
    result = predict_batch(scenes, out_dir, model=model, settings=settings, scheduler=scheduler, n_workers=workers,
                           progress=not quiet, quiet=quiet, report=report, aoi=aoi)
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
            status = f"[red]{row.status}[/]" if row.status == "failed" else row.status
            rich_table.add_row(row.scene, _SHORT_ORBIT.get(row.orbit, row.orbit), dates, status, str(row.polygons),
                               _fmt(row.detected_area_m2, 0), _fmt(row.scene_area_km2, 2), _fmt(row.seconds, 1))
        totals = summary_totals(table)
        out = Console(soft_wrap=True)
        out.print(rich_table)
        out.print(
            f"{totals['mapped']} mapped, {totals['skipped']} already complete, {totals['failed']} failed; "
            f"{totals['polygons']} polygons, {_fmt(totals['detected_area_m2'], 0)} m2 detected over "
            f"{_fmt(totals['scene_area_km2'], 1)} km2; {_fmt(totals['seconds_per_scene'], 1)} s per mapped scene; "
            f"{result.seconds:.1f} s in all"
        )
        if result.catalogue_path:
            out.print(f"catalogue: {result.catalogue_path}   summary: {result.summary_path}"
                      + (f"   report: {result.out_dir / 'report.html'}" if report else ""))
    if result.failed:
        for failed in result.failed:
            console.print(f"[bold red]error:[/] {failed.entry.phase}: {failed.error}", markup=True, highlight=False)
        raise typer.Exit(1)
