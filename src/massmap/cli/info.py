"""`massmap info`: what a scene is, on which grid, and how reliable its phase looks."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from massmap.cli.app import command
from massmap.cli.options import (
    BandOption,
    CoherenceBandOption,
    CoherenceOption,
    PixelSizeOption,
    QuietOption,
    RewrapOption,
    SceneArgument,
    ZeroNodataOption,
)


@command("info")
def info(
    scene: Path = SceneArgument,
    coherence: Path | None = CoherenceOption,
    band: int | None = BandOption,
    rewrap: bool = RewrapOption,
    pixel_size: float | None = PixelSizeOption,
    coherence_band: int | None = CoherenceBandOption,
    zero_nodata: bool | None = ZeroNodataOption,
    quiet: bool = QuietOption,
) -> None:
    """Print a scene's grid, input kind, phase range, coherence statistics and nodata fraction."""
    from massmap.scene_info import scene_info

    facts = scene_info(scene, coherence, band=band, rewrap=rewrap, pixel_size_m=pixel_size, zero_nodata=zero_nodata,
                       coherence_band=coherence_band)
    table = Table(title=str(scene), show_header=False)
    for key, value in facts.as_rows():
        table.add_row(key, value)
    Console(soft_wrap=True).print(table)
