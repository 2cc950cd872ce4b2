"""Expert labels: polygons in any vector format and CRS, or a mask raster, brought onto a scene grid."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.features import rasterize
from rasterio.warp import reproject
from shapely import make_valid

from massmap.errors import BadInputError
from massmap.grid import Grid
from massmap.io.styling import data_layer
from massmap.log import get_logger

log = get_logger(__name__)

RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img", ".hgt", ".nc"}


def is_raster_path(path: str | os.PathLike) -> bool:
    """True when a label file is a mask raster rather than a vector file (by extension)."""
    return Path(path).suffix.lower() in RASTER_SUFFIXES


def read_polygons(path: str | os.PathLike, grid: Grid | None = None, where: str | None = None) -> gpd.GeoDataFrame:
    """Read label polygons with their attributes, optionally filtered by an OGR SQL `where`, in the grid's CRS.

    Invalid geometries are repaired with shapely's make_valid (with a warning); empty files give an empty frame.
    """
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: file not found")
    try:
        # A GeoPackage styled for QGIS also holds its layer_styles table: read the data layer.
        gdf = gpd.read_file(path, engine="pyogrio", where=where, layer=data_layer(path))
    except pyogrio.errors.DataSourceError as exc:
        raise BadInputError(f"{path}: not a readable vector file ({_short(exc)})") from None
    except (pyogrio.errors.DataLayerError, pyogrio.errors.FieldError, ValueError) as exc:
        if where:
            raise BadInputError(f"{path}: cannot apply --where {where!r} ({_short(exc)})") from None
        raise BadInputError(f"{path}: cannot read features ({_short(exc)})") from None
    gdf = gdf[gdf.geometry.notna()].copy() if len(gdf) else gdf
    invalid = ~gdf.geometry.is_valid if len(gdf) else np.zeros(0, bool)
    if invalid.any():
        log.warning("%s: %d invalid geometries repaired with make_valid", path, int(invalid.sum()))
        gdf.loc[invalid, "geometry"] = make_valid(gdf.geometry[invalid].to_numpy())
    if grid is not None and grid.crs is not None:
        if gdf.crs is None:
            log.warning("%s has no CRS: assumed to be in the scene's CRS", path)
            gdf = gdf.set_crs(grid.crs)
        elif gdf.crs != grid.crs:
            gdf = gdf.to_crs(grid.crs)
    return gdf


def _short(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def rasterize_polygons(gdf: gpd.GeoDataFrame, grid: Grid, values: np.ndarray | None = None) -> np.ndarray:
    """Burn polygons onto the grid: a uint8 mask, or int32 object ids when `values` is given (0 = background)."""
    dtype = "uint8" if values is None else "int32"
    geoms = [g for g in gdf.geometry if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(grid.shape, dtype=dtype)
    vals = np.ones(len(gdf), dtype=dtype) if values is None else np.asarray(values, dtype=dtype)
    pairs = [(g, int(v)) for g, v in zip(gdf.geometry, vals) if g is not None and not g.is_empty]
    return rasterize(pairs, out_shape=grid.shape, transform=grid.transform, fill=0, dtype=dtype)


def read_mask(path: str | os.PathLike, grid: Grid) -> np.ndarray:
    """Read a binary label mask raster onto the grid (nearest neighbour when its grid differs); uint8 0/1."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                if (ds.height, ds.width) == grid.shape and (grid.crs is None or ds.crs in (None, grid.crs)):
                    data = ds.read(1)
                else:
                    if grid.crs is None or ds.crs is None:
                        raise BadInputError(
                            f"{path}: mask is {ds.height} x {ds.width}, the scene {grid.height} x {grid.width}")
                    data = np.zeros(grid.shape, dtype=ds.dtypes[0])
                    reproject(rasterio.band(ds, 1), data, dst_transform=grid.transform, dst_crs=grid.crs,
                              resampling=Resampling.nearest)
                nodata = ds.nodata
    except RasterioIOError as exc:
        raise BadInputError(f"{path}: not a readable raster ({_short(exc)})") from None
    mask = data != 0
    if nodata is not None:
        mask &= data != nodata
    return mask.astype(np.uint8)


def label_mask(path: str | Path, grid: Grid, where: str | None = None) -> np.ndarray:
    """Labels as a uint8 mask on the grid, from polygons (rasterized) or from a mask raster."""
    if is_raster_path(path):
        if where:
            raise BadInputError(f"{path}: --where applies to polygon labels, not to a mask raster")
        return read_mask(path, grid)
    return rasterize_polygons(read_polygons(path, grid, where), grid)
