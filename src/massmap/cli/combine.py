"""`massmap combine`: merge ascending and descending detections over one area."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from massmap.cli.app import command
from massmap.cli.options import OverwriteOption, QuietOption, out_option
from massmap.constants import ORBIT_MATCH_MIN_IOU


@command("combine")
def combine(
    asc: Path = typer.Argument(..., metavar="ASC.gpkg", help="Polygons mapped in ascending-orbit interferograms."),
    desc: Path = typer.Argument(..., metavar="DESC.gpkg", help="Polygons mapped in descending-orbit interferograms."),
    out: Path = out_option(..., "Combined polygons in the ascending file's CRS, in the format the suffix names "
                           "(.gpkg, .geojson, .fgb, .shp, .parquet, .kml)."),
    dem: Path | None = typer.Option(None, "--dem",
                                    help="DEM: slope and aspect under each polygon give its visibility."),
    min_iou: float = typer.Option(ORBIT_MATCH_MIN_IOU, "--min-iou", help="IoU at which two outlines are one object."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Polygons seen in both orbits or in one only, with their IoU and (with --dem) each geometry's sensitivity."""
    from massmap.orbits import combine_orbit_files

    summary = combine_orbit_files(asc, desc, out, dem, min_iou, overwrite=overwrite)
    if not quiet:
        Console(soft_wrap=True).print(
            f"{summary.both} in both orbits, {summary.ascending_only} in ascending only, "
            f"{summary.descending_only} in descending only -> {summary.path}"
        )
