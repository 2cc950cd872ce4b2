"""Factories for the simulator's tests: small configs and a tiny UTM DEM GeoTIFF made on the spot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from massmap.simulate.config import SimulationConfig

SRTM_DIR = Path("/work/shared/data/srtm3")


def small_config(**overrides) -> SimulationConfig:
    """A 128-pixel config, fast enough for unit tests."""
    values = dict(size=128, hard_negative_fraction=0.0, goldstein_fraction=0.0)
    values.update(overrides)
    return SimulationConfig(**values)


def make_dem_tif(path: Path, size: int = 120, pixel_size_m: float = 30.0, crs: str = "EPSG:32632") -> Path:
    """A tilted, rippled DEM GeoTIFF (500-1800 m) in UTM, with a nodata void in one corner."""
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    dem = 500.0 + 10.0 * cols + 80.0 * np.sin(rows / 7.0) * np.cos(cols / 9.0)
    dem[:4, :4] = -9999.0
    profile = dict(driver="GTiff", height=size, width=size, count=1, dtype="float32", crs=crs, nodata=-9999.0,
                   transform=from_origin(400000.0, 5100000.0, pixel_size_m, pixel_size_m))
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(dem.astype(np.float32), 1)
    return path
