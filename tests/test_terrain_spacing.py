"""Terrain slope on a longitude/latitude grid uses the true east-west and north-south spacing."""

from __future__ import annotations

import numpy as np
from affine import Affine
from rasterio.warp import Resampling, reproject

from massmap.grid import Grid
from massmap.terrain import slope_aspect

# A LiCSAR grid: 0.001 degree at 46 N (77 m east-west, 111 m north-south).
GEO = Affine(0.001, 0, 7.30, 0, -0.001, 46.30)
UTM = Affine(20.0, 0, 365000.0, 0, -20.0, 5132000.0)


def _hill(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A smooth hill 2 km wide and 600 m high, as a function of longitude and latitude."""
    x = (lon - 7.35) * 77_300.0
    y = (lat - 46.25) * 111_150.0
    return (600.0 * np.exp(-(x**2 + y**2) / (2 * 1000.0**2))).astype(np.float32)


def test_geographic_slope_matches_the_same_dem_projected_to_utm() -> None:
    rows, cols = 100, 100
    lon, lat = GEO @ np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    dem_geo = _hill(lon, lat)
    grid = Grid(rows, cols, GEO, "EPSG:4326")
    slope_geo = np.degrees(slope_aspect(dem_geo, grid.pixel_size_xy_m())[0])
    # The same DEM in UTM 32N (square 20 m pixels), its slope brought back onto the geographic grid.
    dem_utm = np.full((800, 700), np.nan, np.float32)
    reproject(dem_geo, dem_utm, src_transform=GEO, src_crs="EPSG:4326", dst_transform=UTM, dst_crs="EPSG:32632",
              resampling=Resampling.cubic, dst_nodata=np.nan)
    slope_utm = np.degrees(slope_aspect(dem_utm, 20.0)[0])
    back = np.full((rows, cols), np.nan, np.float32)
    reproject(slope_utm, back, src_transform=UTM, src_crs="EPSG:32632", dst_transform=GEO, dst_crs="EPSG:4326",
              resampling=Resampling.bilinear, src_nodata=np.nan, dst_nodata=np.nan)
    inner = np.s_[20:80, 20:80]
    ok = np.isfinite(back[inner])
    assert ok.mean() > 0.95
    error = np.abs(slope_geo[inner][ok] - back[inner][ok])
    assert np.median(error) < 0.05  # degrees, on slopes up to about 20 degrees (measured 0.007)
    # One mean spacing distorts the east-west slope by about 18 %: 0.5 degree off in the median (measured 0.53).
    one_spacing = np.degrees(slope_aspect(dem_geo, grid.mean_pixel_size_m())[0])
    assert np.median(np.abs(one_spacing[inner][ok] - back[inner][ok])) > 0.3
    dx, dy = grid.pixel_size_xy_m()
    assert 77.0 < dx < 78.0 and 111.0 < dy < 111.3
