"""Label polygons of simulated movements: where their coherent deformation phase is visible."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.features import shapes
from shapely.geometry import MultiPolygon, shape
from shapely.ops import unary_union

from massmap.area import geodesic_area_m2
from massmap.grid import Grid

LABEL_COLUMNS = ("kind", "coherent", "max_los_mm", "area_m2")


def empty_labels(grid: Grid) -> gpd.GeoDataFrame:
    """A label frame with no rows but the full schema, in the grid's CRS."""
    frame = pd.DataFrame({"kind": pd.Series(dtype=str), "coherent": pd.Series(dtype=bool),
                          "max_los_mm": pd.Series(dtype=np.float64), "area_m2": pd.Series(dtype=np.float64)})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=grid.crs), crs=grid.crs)


def vectorize_movements(
    owner: np.ndarray, visible: np.ndarray, grid: Grid, movements: list[dict], extra: tuple[str, ...] = ()
) -> gpd.GeoDataFrame:
    """One MultiPolygon row per movement over its visible pixels (`owner` holds movement index + 1).

    Attributes `kind`, `coherent`, `max_los_mm` and the `extra` keys come from the movement dicts; `area_m2`
    is geodesic.
    """
    ids = np.where(visible, owner, 0).astype(np.int32)
    parts: dict[int, list] = {}
    for geom, value in shapes(ids, mask=ids > 0, transform=grid.transform, connectivity=4):
        parts.setdefault(int(value), []).append(shape(geom))
    if not parts:
        return empty_labels(grid)
    rows, geoms = [], []
    for value in sorted(parts):
        movement = movements[value - 1]
        merged = unary_union(parts[value])
        geoms.append(merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged]))
        rows.append(dict(kind=movement["kind"], coherent=bool(movement["coherent"]),
                         max_los_mm=float(movement["max_los_mm"]), **{k: movement[k] for k in extra}))
    labels = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=grid.crs)
    labels["area_m2"] = geodesic_area_m2(labels.geometry, grid.pixel_size_m)
    return labels[list(LABEL_COLUMNS) + list(extra) + ["geometry"]]
