"""An area of interest: the part of a scene's grid that polygons in any vector format and CRS cover.

The scene is then read as the window around the area (its own smaller grid), and pixels outside the polygons
are nodata, so tiles outside are never run and memory follows the window, not the scene.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import shapely
from rasterio.features import geometry_mask
from rasterio.windows import Window, from_bounds
from rasterio.windows import transform as window_transform

from massmap.errors import BadInputError
from massmap.grid import Grid


def read_aoi(path: str | os.PathLike, grid: Grid) -> tuple[shapely.Geometry, Window]:
    """The area's polygons on the scene's CRS (one geometry) and the grid window around them (clipped to the grid)."""
    from massmap.io.labels import read_polygons

    path = Path(path)
    if grid.crs is None:
        raise BadInputError(f"{path}: an area of interest needs a georeferenced scene; this one has no CRS")
    polygons = read_polygons(path, grid)
    polygons = polygons[polygons.geometry.notna() & ~polygons.geometry.is_empty]
    areal = polygons[polygons.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if areal.empty:
        raise BadInputError(f"{path}: no polygon in the area of interest")
    area = shapely.union_all(areal.geometry.to_numpy())
    w = from_bounds(*area.bounds, transform=grid.transform)
    row0, col0 = max(math.floor(w.row_off), 0), max(math.floor(w.col_off), 0)
    row1 = min(math.ceil(w.row_off + w.height), grid.height)
    col1 = min(math.ceil(w.col_off + w.width), grid.width)
    if row1 <= row0 or col1 <= col0:
        raise BadInputError(f"{path}: the area of interest does not overlap the scene")
    return area, Window(col0, row0, col1 - col0, row1 - row0)


def cropped_grid(grid: Grid, window: Window) -> Grid:
    """The grid of a window of `grid`."""
    return Grid(int(window.height), int(window.width), window_transform(window, grid.transform), grid.crs,
                grid.pixel_size_m)


def outside(area: shapely.Geometry, grid: Grid, window: Window) -> np.ndarray:
    """True for the pixels of `window` (on `grid`) whose centres lie outside the area."""
    shape = (int(window.height), int(window.width))
    return geometry_mask([area], out_shape=shape, transform=window_transform(window, grid.transform))
