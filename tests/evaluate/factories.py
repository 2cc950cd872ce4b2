"""Factories for the evaluation tests: a small UTM scene, rectangles in pixel units, vector files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from shapely.geometry import box

from massmap.grid import Grid

UTM = CRS.from_epsg(32632)
PIXEL_M = 10.0
ORIGIN = (400_000.0, 5_100_000.0)


def utm_grid(height: int = 64, width: int = 64) -> Grid:
    """A north-up UTM 32N grid with 10 m pixels (one pixel = 100 m2)."""
    return Grid(height, width, Affine(PIXEL_M, 0, ORIGIN[0], 0, -PIXEL_M, ORIGIN[1]), UTM)


def pixel_box(grid: Grid, row0: float, col0: float, row1: float, col1: float):
    """A rectangle covering rows row0..row1-1 and cols col0..col1-1 of the grid, in the grid's CRS."""
    x0, y0 = grid.transform @ (col0, row0)
    x1, y1 = grid.transform @ (col1, row1)
    return box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def write_scene(path: Path, grid: Grid, nodata_rows: slice | None = None) -> Path:
    """A wrapped-phase GeoTIFF on the grid, NaN (nodata) on `nodata_rows`."""
    rng = np.random.default_rng(0)
    phase = rng.uniform(-np.pi, np.pi, grid.shape).astype(np.float32)
    if nodata_rows is not None:
        phase[nodata_rows, :] = np.nan
    with rasterio.open(path, "w", driver="GTiff", height=grid.height, width=grid.width, count=1, dtype="float32",
                       crs=grid.crs, transform=grid.transform, nodata=float("nan")) as dst:
        dst.write(phase, 1)
    return path


def write_mask(path: Path, grid: Grid, mask: np.ndarray) -> Path:
    """A uint8 mask GeoTIFF on the grid."""
    with rasterio.open(path, "w", driver="GTiff", height=grid.height, width=grid.width, count=1, dtype="uint8",
                       crs=grid.crs, transform=grid.transform) as dst:
        dst.write(mask.astype(np.uint8), 1)
    return path


def write_polygons(path: Path, geoms: list, crs=UTM, to_crs=None, **columns) -> Path:
    """A vector file of the geometries (in `crs`), optionally reprojected to `to_crs` before writing."""
    gdf = gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)
    if to_crs is not None:
        gdf = gdf.to_crs(to_crs)
    gdf.to_file(path, engine="pyogrio")
    return path
