"""The batch's products: one catalogue of every polygon with its scene, dates and orbit; a summary table."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from massmap.atomic import atomic_path
from massmap.batch.catalog import SceneEntry
from massmap.io.labels import read_polygons
from massmap.io.write import write_vector
from massmap.log import get_logger

if TYPE_CHECKING:
    from massmap.batch.run import SceneOutcome

log = get_logger(__name__)

SUMMARY_COLUMNS = ["scene", "phase", "orbit", "date1", "date2", "status", "polygons", "detected_area_m2",
                   "scene_area_km2", "seconds", "worker", "error"]
# Catalogues of scenes in different CRSs are merged in WGS84 longitude/latitude.
COMMON_CRS = "EPSG:4326"


def _iso(date) -> str:
    return date.isoformat() if date else ""


def merge_catalogue(scenes: Sequence[tuple[SceneEntry, Path]], path: str | os.PathLike) -> Path:
    """Merge each scene's polygon file into one GeoPackage with columns scene, date1, date2, orbit added.

    Scenes sharing one CRS keep it; otherwise every scene is reprojected to WGS84. Scenes without a CRS
    (pixel units) cannot sit with georeferenced ones and are left out with a warning.
    """
    frames = []
    for entry, polygons in scenes:
        gdf = read_polygons(polygons)
        gdf.insert(0, "scene", entry.scene_id)
        gdf.insert(1, "date1", _iso(entry.date1))
        gdf.insert(2, "date2", _iso(entry.date2))
        gdf.insert(3, "orbit", entry.orbit or "")
        frames.append(gdf)
    crss = {CRS(f.crs).to_wkt() if f.crs is not None else None for f in frames}
    if None in crss and len(crss) > 1:
        left_out = [f["scene"].iloc[0] for f in frames if f.crs is None and len(f)]
        log.warning("scenes without a CRS left out of the catalogue: %s", ", ".join(left_out) or "(none with polygons)")
        frames = [f for f in frames if f.crs is not None]
        crss.discard(None)
    target = None if not frames or frames[0].crs is None else (frames[0].crs if len(crss) == 1 else COMMON_CRS)
    if target is not None:
        frames = [f.to_crs(target) for f in frames]
    merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=target)
    return write_vector(merged, path, layer="catalogue")


def summary_frame(outcomes: Sequence[SceneOutcome]) -> pd.DataFrame:
    """One row per scene: status, polygons, detected area (m2), scene area (km2), seconds, worker, error."""
    rows = [
        dict(scene=o.entry.scene_id, phase=str(o.entry.phase), orbit=o.entry.orbit or "", date1=_iso(o.entry.date1),
             date2=_iso(o.entry.date2), status=o.status, polygons=o.n_polygons if o.has_output else None,
             detected_area_m2=round(o.detected_area_m2, 1) if o.has_output else None,
             scene_area_km2=round(o.scene_area_km2, 4),
             seconds=round(o.seconds, 2), worker=o.worker, error=o.error)
        for o in outcomes
    ]
    # Scenes without output have no polygon count or area (empty in the CSV, "-" on screen), not 0.
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table["polygons"] = table["polygons"].astype("Int64")
    table["detected_area_m2"] = table["detected_area_m2"].astype(float)
    return table


def write_summary(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the summary table as CSV, atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
    return Path(path)


def summary_totals(table: pd.DataFrame) -> dict:
    """Totals of a summary: scenes by status, polygons, areas and mean seconds per mapped scene."""
    mapped = table[table["status"] == "mapped"]
    return dict(
        scenes=len(table), mapped=int((table["status"] == "mapped").sum()),
        skipped=int((table["status"] == "skipped").sum()), failed=int((table["status"] == "failed").sum()),
        polygons=int(table["polygons"].fillna(0).sum()), detected_area_m2=float(table["detected_area_m2"].sum()),
        scene_area_km2=float(table["scene_area_km2"].fillna(0).sum()),
        seconds_per_scene=float(mapped["seconds"].mean()) if len(mapped) else float("nan"),
    )
