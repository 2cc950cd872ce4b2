"""Atomic writers for GeoTIFFs, Cloud-Optimised GeoTIFFs and vector layers on a massmap grid."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.shutil import copy as rio_copy

from massmap.atomic import atomic_path, check_writable
from massmap.grid import Grid
from massmap.io.formats import check_raster_output, vector_format


def raster_profile(grid: Grid, dtype: str, count: int = 1, nodata: float | None = None) -> dict:
    """A tiled, compressed GeoTIFF profile for `grid`."""
    tiled = grid.height >= 256 and grid.width >= 256
    profile = dict(
        driver="GTiff", height=grid.height, width=grid.width, count=count, dtype=dtype,
        crs=grid.crs, transform=grid.transform, nodata=nodata, compress="deflate",
        predictor=3 if np.dtype(dtype).kind == "f" else 2, tiled=tiled,
    )
    if tiled:
        profile.update(blockxsize=256, blockysize=256)
    return profile


def write_geotiff(path: str | os.PathLike, array: np.ndarray, grid: Grid, nodata: float | None = None) -> Path:
    """Write a 2-D array, or a (bands, rows, cols) stack, on `grid` to a compressed GeoTIFF, atomically."""
    bands = array if array.ndim == 3 else array[None]
    profile = raster_profile(grid, array.dtype.name, count=bands.shape[0], nodata=nodata)
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(bands)
    return Path(path)


def copy_as_cog(src_path: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Copy a GeoTIFF (with its tags) to a Cloud-Optimised GeoTIFF (tiled, deflate, overviews), atomically."""
    check_raster_output(path)
    with atomic_path(path) as tmp:
        rio_copy(
            str(src_path), str(tmp), driver="COG", compress="DEFLATE", blocksize=256,
            overview_resampling="AVERAGE", BIGTIFF="IF_SAFER",
        )
    return Path(path)


def write_cog(path: str | os.PathLike, array: np.ndarray, grid: Grid, nodata: float | None = None,
              descriptions: list[str] | None = None) -> Path:
    """Write a 2-D array, or a (bands, rows, cols) stack with optional band descriptions, on `grid` as a
    Cloud-Optimised GeoTIFF, atomically (the intermediate GeoTIFF is removed)."""
    path = check_writable(path)
    bands = array if array.ndim == 3 else array[None]
    with tempfile.TemporaryDirectory(prefix=".massmap-", dir=path.parent) as tmp:
        src = Path(tmp) / "bands.tif"
        profile = raster_profile(grid, array.dtype.name, count=bands.shape[0], nodata=nodata)
        with rasterio.open(src, "w", **profile) as dst:
            dst.write(bands)
            for k, name in enumerate(descriptions or [], start=1):
                dst.set_band_description(k, name)
        copy_as_cog(src, path)
    return path


def write_vector(
    gdf: gpd.GeoDataFrame, path: str | os.PathLike, layer: str | None = None, metadata: dict[str, str] | None = None,
) -> Path:
    """Write polygons in the format the suffix names (a Shapefile with all its sidecars), atomically.

    Empty layers keep their schema. `metadata` (provenance) goes into the dataset's metadata where the format
    has one (GeoPackage's gpkg_metadata, GeoParquet's file metadata).
    """
    path = Path(path)
    fmt = vector_format(path)
    with atomic_path(path) as tmp:
        if fmt.name == "GeoParquet":
            gdf.to_parquet(tmp, index=False)
            if metadata:
                _add_parquet_metadata(tmp, metadata)
        else:
            extra = {"metadata": metadata} if metadata and fmt.name == "GeoPackage" else {}
            with warnings.catch_warnings():
                # Shapefiles cut column names to 10 characters (uncertainty -> uncertaint), as users expect;
                # a scene without CRS gives polygons without one, as the command has already said.
                warnings.filterwarnings("ignore", message=".*(truncated|laundered|'crs' was not provided).*")
                gdf.to_file(tmp, driver=fmt.driver, layer=layer or path.stem, engine="pyogrio", **extra)
    return path


def _add_parquet_metadata(path: Path, metadata: dict[str, str]) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    ours = {f"massmap:{k}".encode(): str(v).encode() for k, v in metadata.items()}
    merged = {**(table.schema.metadata or {}), **ours}
    pq.write_table(table.replace_schema_metadata(merged), path)
