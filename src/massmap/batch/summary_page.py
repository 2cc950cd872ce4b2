"""The batch's summary page: a thumbnail of every mapped scene (probability with outlines) linking to its own page."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import rasterio

from massmap.grid import Grid
from massmap.io.labels import read_polygons
from massmap.log import get_logger

if TYPE_CHECKING:
    from massmap.batch.run import SceneOutcome

log = get_logger(__name__)


def write_summary_page(outcomes: Sequence[SceneOutcome], out_dir: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Write the summary page of a batch: one thumbnail per scene with output, linked to `<id>_report.html` when
    that page exists, and a table of the scenes that failed."""
    from massmap.batch.run import polygons_path, probability_path, report_path
    from massmap.scene_report import summary_report, thumbnail_png

    out_dir = Path(out_dir)
    items = []
    for o in outcomes:
        if not o.has_output:
            continue
        e = o.entry
        prob = probability_path(out_dir, e.scene_id)
        with rasterio.open(prob) as src:
            grid = Grid(src.height, src.width, src.transform, src.crs)
        polygons = read_polygons(polygons_path(out_dir, e.scene_id))
        dates = f"{e.date1:%Y-%m-%d} to {e.date2:%Y-%m-%d}" if e.date1 and e.date2 else ""
        caption = "\n".join(x for x in (e.scene_id, dates, e.orbit or "", f"{o.n_polygons} detections, "
                                        f"{o.detected_area_m2 / 1e6:,.3f} km2") if x)
        page = report_path(out_dir, e.scene_id)
        items.append((thumbnail_png(prob, polygons, grid), caption, page.name if page.exists() else None))
    mapped = sum(o.has_output for o in outcomes)
    report = summary_report(items, f"massmap batch: {len(outcomes)} scenes",
                            f"{mapped} scenes with detections mapped; each thumbnail shows the probability "
                            "(dark 0, light 1) with the detections outlined in green, and opens the scene's page.")
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        report.add_heading("Failed scenes")
        report.add_table([{"scene": o.entry.scene_id, "error": o.error} for o in failed])
    return report.write(path)
