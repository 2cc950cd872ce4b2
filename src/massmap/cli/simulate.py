"""`massmap simulate`: write a labelled synthetic Sentinel-1 training and test set with its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from massmap.cli.app import command
from massmap.cli.options import QuietOption
from massmap.log import console

if TYPE_CHECKING:
    from massmap.simulate.config import SimulationConfig


@command("simulate")
def simulate(
    out: Path = typer.Option(..., "--out", help="Output folder (created if missing)."),
    n_scenes: int = typer.Option(..., "--n-scenes", help="Number of scenes to simulate."),
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed writes the same bytes."),
    size: int = typer.Option(1024, "--size", help="Scene size in pixels (square)."),
    pixel_size: float = typer.Option(20.0, "--pixel-size", help="Pixel size in m."),
    crs: str | None = typer.Option(None, "--crs", help="Projected CRS of the scenes (default EPSG:32632; with --dem, "
                                   "the UTM zone of the DEM's centre)."),
    dem: Path | None = typer.Option(None, "--dem", help="Real DEM (GeoTIFF or SRTM .hgt) instead of fractal terrain."),
    orbit: str = typer.Option("random", "--orbit", help="ascending, descending or random."),
    atmosphere_scale: float = typer.Option(1.0, "--atmosphere-scale",
                                           help="Multiplies turbulent and stratified strength."),
    hard_negative_fraction: float = typer.Option(0.15, "--hard-negative-fraction", help="Share of motion-free scenes."),
    label_rule: str = typer.Option("detectable", "--label-rule", help="detectable: outline motion wherever its "
                                   "phase stands 2 sigma above the noise of the observed coherence, the rest of the "
                                   "motion as ignored rows; visible: the older rule (half a fringe over 12 px)."),
    split: str = typer.Option("auto", "--split", help="auto (about 80/10/10), train, val or test."),
    stack: int | None = typer.Option(
        None, "--stack", help="Simulate stacks instead: --n-scenes frames, each over N acquisition dates paired in a "
        "short-baseline network (6-48 days), with labels per pair and per stack."),
    quiet: bool = QuietOption,
) -> None:
    """Simulate wrapped interferograms of mountains with labelled mass movements, and a manifest over them."""
    from massmap.simulate.config import SimulationConfig
    from massmap.simulate.dataset import simulate_dataset

    config = SimulationConfig(
        size=size, pixel_size_m=pixel_size, crs=crs or ("auto" if dem else "EPSG:32632"), orbit=orbit,
        atmosphere_scale=atmosphere_scale, hard_negative_fraction=hard_negative_fraction,
        dem_path=str(dem) if dem else None, label_rule=label_rule,
    )
    if stack is not None:
        _simulate_stacks(out, n_scenes, seed, config, stack, split, quiet)
        return
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=True) as progress:
        task = progress.add_task("scenes", total=n_scenes)
        manifest = simulate_dataset(out, n_scenes, seed, config, split=split,
                                    on_scene=lambda _: progress.advance(task))
    if not quiet:
        console.print(f"{n_scenes} scenes written; manifest {manifest}")


def _simulate_stacks(out: Path, n_stacks: int, seed: int, config: SimulationConfig, n_dates: int, split: str,
                     quiet: bool) -> None:
    """`simulate --stack N`: `n_stacks` frames of `n_dates` acquisitions each."""
    from massmap.simulate.stack import StackConfig
    from massmap.simulate.stack_dataset import simulate_stacks

    stack_config = StackConfig(scene=config, n_dates=n_dates)
    with Progress(TextColumn("simulating pairs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=True) as progress:
        task = progress.add_task("pairs", total=None)
        stacks = simulate_stacks(out, n_stacks, seed, stack_config, split=split, on_pair=lambda: progress.advance(task))
    if not quiet:
        console.print(f"{n_stacks} stacks of {n_dates} dates written; stacks {stacks}, manifest of pairs "
                      f"{stacks.with_name('manifest.csv')}")
