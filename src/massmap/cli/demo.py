"""`massmap demo`: the main job on an embedded default, with no user data."""

from __future__ import annotations

from pathlib import Path

import typer

from massmap.cli.app import command
from massmap.cli.options import BackendOption, ModelOption, OverwriteOption, QuietOption, TileOption, out_option
from massmap.constants import DEMO_SEED, DEMO_SIZE


@command("demo")
def demo(
    out: Path = out_option(Path("massmap-demo"), "Folder for the report, polygons and probability COG."),
    seed: int = typer.Option(DEMO_SEED, "--seed", help="Seed of the simulated scene."),
    size: int = typer.Option(DEMO_SIZE, "--size", metavar="PX", help="Scene side in pixels (20 m each)."),
    model: str = ModelOption,
    backend: str = BackendOption,
    tile_px: int | None = TileOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Simulate a scene, map it with the shipped model, evaluate against its labels and write an HTML report."""
    from rich.console import Console

    from massmap.demo import run_demo
    from massmap.predict.settings import PredictSettings

    settings = PredictSettings(backend=backend, tile_px=tile_px)
    result = run_demo(out, seed=seed, size=size, model=model, settings=settings, progress=not quiet,
                      overwrite=overwrite)
    if quiet:
        return
    px, ob = result.metrics["pixel"], result.metrics["object"]
    console = Console()
    console.print(f"pixel IoU {px['iou']:.3f}, Dice {px['dice']:.3f}; object precision {ob['precision']:.3f}, "
                  f"recall {ob['recall']:.3f}, F1 {ob['f1']:.3f} at IoU >= {ob['iou_threshold']:g} "
                  f"({result.seconds:.1f} s)")
    console.print(f"report: {result.report.resolve()}")
