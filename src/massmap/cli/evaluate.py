"""`massmap evaluate`, `agreement` and `inventory-stats`: measure delineations and print the headline figures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from massmap.cli.app import command
from massmap.cli.options import OverwriteOption, QuietOption
from massmap.constants import INVENTORY_BOOTSTRAP, OBJECT_IOU_THRESHOLD

JsonOption = typer.Option(None, "--json", help="Write the full result as JSON to this file.")
ReportOption = typer.Option(None, "--report",
                            help="Write a self-contained HTML report (figures embedded) to this file.")
GridOption = typer.Option(..., "--grid", help="Scene (or any raster) whose grid and valid pixels the scores use.")


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _api():
    """massmap.evaluate.run, imported when a command runs (geopandas and matplotlib are slow to import)."""
    from massmap.evaluate import run

    return run


def _print(table: Table, quiet: bool) -> None:
    if not quiet:
        Console(soft_wrap=True).print(table)


@command("evaluate")
def evaluate(
    pred: Path = typer.Argument(
        ..., metavar="PRED", help="Predicted delineation: polygons (any vector format, any CRS) or a mask raster."),
    truth: Path = typer.Argument(..., metavar="TRUTH", help="Reference delineation: polygons or a mask raster."),
    grid: Path = GridOption,
    iou_threshold: float = typer.Option(OBJECT_IOU_THRESHOLD, "--iou-threshold",
                                        help="IoU at which two objects match."),
    where: str | None = typer.Option(None, "--where", help="OGR SQL filter on the reference polygons."),
    json_out: Path | None = JsonOption,
    report: Path | None = ReportOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Score a prediction against reference labels: pixel IoU/Dice/precision/recall and matched objects."""
    result = _api().evaluate(pred, truth, grid, iou_threshold, where, json_path=json_out, report_path=report,
                                 overwrite=overwrite)
    px, ob = result["pixel"], result["object"]
    table = Table(title=f"{pred.name} against {truth.name}")
    table.add_column("level", no_wrap=True)
    for col in ("IoU", "Dice", "precision", "recall", "F1", "matched"):
        table.add_column(col, justify="right")
    table.add_row("pixel", _num(px["iou"]), _num(px["dice"]), _num(px["precision"]), _num(px["recall"]), "", "")
    table.add_row(f"object, IoU >= {ob['iou_threshold']:g}", "", "", _num(ob["precision"]), _num(ob["recall"]),
                  _num(ob["f1"]), f"{ob['tp']}/{ob['n_truth']} true, {ob['n_pred']} pred")
    _print(table, quiet)


@command("agreement")
def agreement(
    paths: list[Path] = typer.Argument(..., metavar="DELINEATIONS", help=(
        "Delineations of one scene: one vector file per mapper (or one with --by).")),
    grid: Path = GridOption,
    where: str | None = typer.Option(None, "--where", help="OGR SQL filter on every mapper's polygons."),
    by: str | None = typer.Option(None, "--by", help="Column naming the mapper, to split files into delineations."),
    class_column: str | None = typer.Option(
        None, "--class-column", help="Class column (e.g. coherent): also score agreement with the class distinction."),
    candidate: Path | None = typer.Option(
        None, "--candidate", help="A delineation (e.g. the model's) to place within the experts' spread."),
    consensus: Path | None = typer.Option(
        None, "--consensus", help="Write majority-vote and STAPLE consensus (.tif bands or polygons)."),
    json_out: Path | None = JsonOption,
    report: Path | None = ReportOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Agreement between mappers: pairwise IoU/Dice matrices, consensus (majority, STAPLE), a candidate among them."""
    result = _api().agreement(paths, grid, where, by, class_column, candidate,
                                  consensus_path=consensus, json_path=json_out, report_path=report,
                                  overwrite=overwrite)
    table = Table(title=f"agreement of {result['n_mappers']} delineations")
    table.add_column("", no_wrap=True)
    for col in ("IoU mean \u00b1 std", "IoU range", "Dice mean \u00b1 std", "Dice range"):
        table.add_column(col, justify="right", no_wrap=True)
    views = [("experts", result["without_classes"])]
    if result["with_classes"] is not None:
        views.append(("experts, classes", result["with_classes"]))
    rows = [(label, b["iou"], b["dice"]) for label, b in views]
    if result["candidate"] is not None:
        for key, label in (("without_classes", ""), ("with_classes", ", classes")):
            p = result["candidate"][key]
            if p is not None:
                rows.append((f"{result['candidate']['name']} vs experts{label}", p["iou"], p["dice"]))
    for label, i, d in rows:
        table.add_row(label, f"{_num(i['mean'])} \u00b1 {_num(i['std'])}", f"{_num(i['min'], 2)}-{_num(i['max'], 2)}",
                      f"{_num(d['mean'])} \u00b1 {_num(d['std'])}", f"{_num(d['min'], 2)}-{_num(d['max'], 2)}")
    _print(table, quiet)


@command("inventory-stats")
def inventory_stats(
    inventory: Path = typer.Argument(..., metavar="INVENTORY", help="Inventory polygons (any vector format, any CRS)."),
    where: str | None = typer.Option(None, "--where", help="OGR SQL filter on the polygons."),
    bootstrap: int = typer.Option(INVENTORY_BOOTSTRAP, "--bootstrap", min=0,
                                  help="Bootstrap resamples for the power-law intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    json_out: Path | None = JsonOption,
    report: Path | None = ReportOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Magnitude-frequency statistics of an inventory: density of areas, rollover, power-law tail, inverse gamma."""
    result = _api().inventory_stats(inventory, where, bootstrap, seed, json_path=json_out, report_path=report,
                                        overwrite=overwrite)
    pl, ig = result["power_law"], result["inverse_gamma"]
    table = Table(title=f"{inventory.name}: {result['n_objects']} polygons", show_header=False)
    ci = pl["alpha_ci"]
    rows = [
        ("rollover (m2)", "-" if result["rollover_m2"] is None else f"{result['rollover_m2']:,.0f}"),
        ("power-law alpha", _num(pl["alpha"]) + ("" if not ci else f"  ({ci[0]:.3f}-{ci[1]:.3f})")),
        ("A_min, KS (m2)", "-" if pl["xmin_m2"] is None else f"{pl['xmin_m2']:,.0f}"),
        ("objects in tail", str(pl["n_tail"])),
        ("inverse gamma rho, a (m2), s (m2)", "-" if ig["rho"] is None
         else f"{ig['rho']:.3f}, {ig['a_m2']:,.0f}, {ig['s_m2']:,.0f}"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    _print(table, quiet)
