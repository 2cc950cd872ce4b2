"""`massmap simulate`: write a labelled synthetic Sentinel-1 training and test set with its manifest."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from massmap.cli.app import command
from massmap.cli.options import OverwriteOption, QuietOption, out_option
from massmap.log import console
from massmap.settings_json import FieldDefaults
from massmap.simulate.config import ORBITS, SimulationConfig, StackConfig

SIM = FieldDefaults(SimulationConfig)
STACK = FieldDefaults(StackConfig)


@command("simulate")
def simulate(
    out: Path = out_option(
        ..., "Output folder (created if missing; written whole or not at all, refused when not empty unless "
        "--overwrite)."),
    n_scenes: int = typer.Option(..., "--n-scenes", help="Number of scenes to simulate."),
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed writes the same bytes."),
    size: int = typer.Option(SIM.size, "--size", help="Scene size in pixels (square)."),
    pixel_size: float = typer.Option(SIM.pixel_size_m, "--pixel-size", help="Pixel size in m."),
    crs: str | None = typer.Option(None, "--crs", help=f"Projected CRS of the scenes (default {SIM.crs}; with --dem, "
                                   "the UTM zone of the DEM's centre)."),
    dem: Path | None = typer.Option(None, "--dem", help="Real DEM (GeoTIFF or SRTM .hgt) instead of fractal terrain."),
    orbit: str = typer.Option(SIM.orbit, "--orbit", help=", ".join(ORBITS[:-1]) + f" or {ORBITS[-1]}."),
    atmosphere_scale: float = typer.Option(SIM.atmosphere_scale, "--atmosphere-scale",
                                           help="Multiplies turbulent and stratified strength."),
    hard_negative_fraction: float = typer.Option(SIM.hard_negative_fraction, "--hard-negative-fraction",
                                                 help="Share of motion-free scenes."),
    label_rule: str = typer.Option(
        SIM.label_rule, "--label-rule", help=f"detectable: outline motion wherever its phase stands "
        f"{SIM.detection_sigmas:g} sigma above the noise of the observed coherence, the rest of the motion as ignored "
        f"rows; visible: the older rule (a peak of {SIM.min_pattern_phase_rad / (2 * math.pi):g} fringe over "
        f"{SIM.min_pattern_px} px)."),
    split: str = typer.Option("auto", "--split", help="auto (about 80/10/10), train, val or test."),
    stack: int | None = typer.Option(
        None, "--stack", help="Simulate stacks instead: --n-scenes frames, each over N acquisition dates paired in a "
        f"short-baseline network ({STACK.min_baseline_days}-{STACK.max_baseline_days} days), with labels per pair and "
        "per stack."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Simulate wrapped interferograms of mountains with labelled mass movements, and a manifest over them."""
    from massmap.simulate.dataset import simulate_dataset

    config = SimulationConfig(
        size=size, pixel_size_m=pixel_size, crs=crs or ("auto" if dem else SIM.crs), orbit=orbit,
        atmosphere_scale=atmosphere_scale, hard_negative_fraction=hard_negative_fraction,
        dem_path=str(dem) if dem else None, label_rule=label_rule,
    )
    if stack is not None:
        _simulate_stacks(out, n_scenes, seed, config, stack, split, quiet, overwrite)
        return
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=True) as progress:
        task = progress.add_task("scenes", total=n_scenes)
        manifest = simulate_dataset(out, n_scenes, seed, config, split=split,
                                    on_scene=lambda _: progress.advance(task), overwrite=overwrite)
    if not quiet:
        console.print(f"{n_scenes} scenes written; manifest {manifest}")


def _simulate_stacks(out: Path, n_stacks: int, seed: int, config: SimulationConfig, n_dates: int, split: str,
                     quiet: bool, overwrite: bool) -> None:
    """`simulate --stack N`: `n_stacks` frames of `n_dates` acquisitions each."""
    from massmap.simulate.stack_dataset import simulate_stacks

    stack_config = StackConfig(scene=config, n_dates=n_dates)
    with Progress(TextColumn("simulating pairs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=True) as progress:
        task = progress.add_task("pairs", total=None)
        stacks = simulate_stacks(out, n_stacks, seed, stack_config, split=split,
                                 on_pair=lambda: progress.advance(task), overwrite=overwrite)
    if not quiet:
        console.print(f"{n_stacks} stacks of {n_dates} dates written; stacks {stacks}, manifest of pairs "
                      f"{stacks.with_name('manifest.csv')}")
