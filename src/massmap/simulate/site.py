"""Where a scene lies: a grid somewhere in the Alps, or a seeded window of a real DEM resampled to the grid."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.transform import from_origin
from rasterio.warp import reproject, transform_bounds
from scipy import ndimage
from shapely.geometry import box
from shapely.ops import transform as shapely_transform

from massmap.errors import BadInputError
from massmap.grid import Grid

# Synthetic scenes are centred in the Swiss and Italian Alps (longitude, latitude in degrees).
ALPS_LON = (6.8, 10.8)
ALPS_LAT = (45.9, 46.8)


def projected_crs(crs: str, source: str = "--crs") -> CRS:
    """Parse a CRS and require metres: the simulator's physics needs a projected grid."""
    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        raise BadInputError(f"{source}: {crs!r} is not a CRS") from None
    if not parsed.is_projected:
        raise BadInputError(f"{source}: {crs} is not a projected CRS in metres (try a UTM zone, e.g. EPSG:32632)")
    return parsed


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone holding a point."""
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


@lru_cache(maxsize=8)
def _to_crs(crs_wkt: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", CRS.from_wkt(crs_wkt), always_xy=True)


def synthetic_grid(rng: np.random.Generator, size: int, pixel_size_m: float, crs: str) -> tuple[Grid, dict]:
    """A north-up square grid of `size` pixels centred on a random point of the Alps, snapped to the pixel size."""
    target = projected_crs("EPSG:32632" if crs == "auto" else crs)
    lon, lat = float(rng.uniform(*ALPS_LON)), float(rng.uniform(*ALPS_LAT))
    x, y = _to_crs(target.to_wkt()).transform(lon, lat)
    half = size * pixel_size_m / 2
    left = np.floor((x - half) / pixel_size_m) * pixel_size_m
    top = np.floor((y + half) / pixel_size_m) * pixel_size_m
    grid = Grid(size, size, from_origin(left, top, pixel_size_m, pixel_size_m), target, pixel_size_m)
    return grid, dict(centre_lon=lon, centre_lat=lat, crs=target.to_string(), left=float(left), top=float(top))


def dem_window(
    rng: np.random.Generator, path: str | Path, size: int, pixel_size_m: float, crs: str
) -> tuple[np.ndarray, Grid, dict]:
    """Elevation (m, float32) of a seeded random square window of a DEM (GeoTIFF, SRTM .hgt, any GDAL raster),
    resampled bilinearly onto a `size` x `size` grid in `crs` ("auto": the UTM zone of the DEM's centre).

    Voids are filled from their nearest valid neighbour; a DEM smaller than the scene is refused.
    """
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: DEM not found")
    try:
        src = rasterio.open(path)
    except RasterioIOError:
        raise BadInputError(f"{path}: not a readable DEM raster") from None
    with src:
        if src.crs is None:
            raise BadInputError(f"{path}: DEM has no CRS")
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
        target = utm_crs((west + east) / 2, (south + north) / 2) if crs == "auto" else projected_crs(crs)
        to_target = Transformer.from_crs(src.crs, target, always_xy=True)
        footprint = shapely_transform(to_target.transform, box(*src.bounds).segmentize(
            max(src.bounds[2] - src.bounds[0], src.bounds[3] - src.bounds[1]) / 64))
        side = size * pixel_size_m
        minx, miny, maxx, maxy = footprint.bounds
        if maxx - minx < side or maxy - miny < side:
            raise BadInputError(f"{path}: DEM covers {(maxx - minx) / 1000:.1f} x {(maxy - miny) / 1000:.1f} km, "
                                f"smaller than the {side / 1000:.1f} km scene")
        for _ in range(200):
            left = np.floor(rng.uniform(minx, maxx - side) / pixel_size_m) * pixel_size_m
            top = np.floor(rng.uniform(miny + side, maxy) / pixel_size_m) * pixel_size_m
            if footprint.contains(box(left, top - side, left + side, top)):
                break
        else:
            raise BadInputError(f"{path}: no {side / 1000:.1f} km window fits inside the DEM")
        grid = Grid(size, size, from_origin(left, top, pixel_size_m, pixel_size_m), target, pixel_size_m)
        dem = np.full(grid.shape, np.nan, dtype=np.float32)
        reproject(rasterio.band(src, 1), dem, src_nodata=src.nodata, dst_transform=grid.transform,
                  dst_crs=grid.crs, dst_nodata=np.nan, resampling=Resampling.bilinear)
    voids = ~np.isfinite(dem)
    if voids.all():
        raise BadInputError(f"{path}: the chosen window holds no valid elevations")
    if voids.any():
        nearest = ndimage.distance_transform_edt(voids, return_distances=False, return_indices=True)
        dem = dem[tuple(nearest)]
    params = dict(dem_path=str(path), crs=target.to_string(), left=float(left), top=float(top),
                  void_fraction=float(voids.mean()))
    return dem.astype(np.float32), grid, params
