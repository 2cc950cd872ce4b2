"""Output formats by file suffix: what each vector and raster output is written as, or a one-line refusal.

One registry serves every command that writes polygons or rasters, so `-o out.csv` never becomes a
GeoPackage named .csv.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from massmap.errors import OutputError


@dataclass(frozen=True)
class VectorFormat:
    """A vector format massmap writes: its name, file suffixes, OGR driver and the files beside the main one."""

    name: str
    suffixes: tuple[str, ...]
    driver: str
    sidecars: tuple[str, ...] = ()


VECTOR_FORMATS = (
    VectorFormat("GeoPackage", (".gpkg",), "GPKG"),
    VectorFormat("GeoJSON", (".geojson", ".json"), "GeoJSON"),
    VectorFormat("FlatGeobuf", (".fgb",), "FlatGeobuf"),
    VectorFormat("Shapefile", (".shp",), "ESRI Shapefile", (".shx", ".dbf", ".prj", ".cpg")),
    # GDAL builds often lack the Parquet driver: geopandas writes GeoParquet through pyarrow instead.
    VectorFormat("GeoParquet", (".parquet", ".geoparquet"), "Parquet"),
    VectorFormat("KML", (".kml",), "KML"),
)
# Rasters are written as (Cloud-Optimised) GeoTIFFs.
RASTER_SUFFIXES = (".tif", ".tiff")


def _suffix(path: str | os.PathLike) -> str:
    return Path(path).suffix.lower()


def vector_format(path: str | os.PathLike) -> VectorFormat:
    """The vector format a polygon output's suffix names; refuse a suffix massmap cannot write."""
    suffix = _suffix(path)
    for fmt in VECTOR_FORMATS:
        if suffix in fmt.suffixes:
            return fmt
    known = ", ".join(f"{s} ({f.name})" for f in VECTOR_FORMATS for s in f.suffixes[:1])
    what = f"'{suffix}'" if suffix else "a name without a suffix"
    raise OutputError(f"{path}: cannot write polygons as {what}; use {known}")


def check_raster_output(path: str | os.PathLike) -> Path:
    """Refuse a raster output whose suffix is not a GeoTIFF's (.tif, .tiff)."""
    suffix = _suffix(path)
    if suffix not in RASTER_SUFFIXES:
        what = f"'{suffix}'" if suffix else "a name without a suffix"
        raise OutputError(f"{path}: rasters are written as Cloud-Optimised GeoTIFF, not {what}; name it .tif")
    return Path(path)


def output_files(path: str | os.PathLike) -> list[Path]:
    """Every file an output of this name occupies: the file itself, and a Shapefile's sidecars."""
    path = Path(path)
    sidecars: tuple[str, ...] = ()
    for fmt in VECTOR_FORMATS:
        if _suffix(path) in fmt.suffixes:
            sidecars = fmt.sidecars
    return [path] + [path.with_suffix(s) for s in sidecars]
