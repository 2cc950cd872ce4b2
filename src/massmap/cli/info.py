"""`massmap info`: what a scene is, on which grid, and how reliable its phase looks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from massmap.cli.app import QuietOption, command
from massmap.scene_info import scene_info


@command("info")
def info(
    scene: Path = typer.Argument(..., help="Wrapped phase (radians) or complex interferogram raster, a LiCSAR pair "
                                 "folder, a HyP3 product folder or zip, or ifgramStack.h5::YYYYMMDD_YYYYMMDD."),
    coherence: Path | None = typer.Option(None, "--coherence",
                                          help="Coherence raster (found from product naming if omitted)."),
    band: int | None = typer.Option(None, "--band", help="Band holding the phase in a multi-band raster."),
    rewrap: bool = typer.Option(False, "--rewrap", help="Wrap an unwrapped phase into [-pi, pi) first."),
    pixel_size: float | None = typer.Option(None, "--pixel-size", help="Pixel size in m for rasters without a CRS."),
    coherence_band: int | None = typer.Option(
        None, "--coherence-band", help="Band holding coherence in a multi-band coherence raster."),
    zero_nodata: bool | None = typer.Option(
        None, "--zero-nodata/--keep-zero", help="Treat 0 in phase and coherence as nodata (default: as the product "
        "does; LiCSAR and HyP3 do)."),
    quiet: bool = QuietOption,
) -> None:
    """Print a scene's grid, input kind, phase range, coherence statistics and nodata fraction."""
    facts = scene_info(scene, coherence, band=band, rewrap=rewrap, pixel_size_m=pixel_size, zero_nodata=zero_nodata,
                       coherence_band=coherence_band)
    table = Table(title=str(scene), show_header=False)
    for key, value in facts.as_rows():
        table.add_row(key, value)
    Console(soft_wrap=True).print(table)
