"""Terrain: a fractal alpine DEM (ridges, slopes, flat valley floors, lakes) and its slope and aspect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from massmap.simulate import constants as C
from massmap.simulate.spectral import power_law_field


@dataclass
class Terrain:
    """Elevation (m) with its water mask on a north-up grid; `params` holds every value drawn."""

    dem_m: np.ndarray
    water: np.ndarray
    params: dict


def fractal_dem(rng: np.random.Generator, shape: tuple[int, int], pixel_size_m: float, steep: bool = False) -> Terrain:
    """An alpine DEM: smooth power-law relief with a valley network, flattened valley floors and lakes.

    The relief is scaled so that the median hillslope matches a drawn alpine value (25-32 degrees), and the
    amplitude is fixed in physical units, so a small scene looks like a window of a large one. `steep` draws
    steeper relief (for layover/shadow hard negatives).
    """
    exponent = float(rng.uniform(*C.TERRAIN_SPECTRAL_EXPONENT))
    median_slope_deg = float(rng.uniform(*C.MEDIAN_SLOPE_DEG)) + (6.0 if steep else 0.0)
    floor_fraction = float(rng.uniform(*C.VALLEY_FLOOR_FRACTION))
    floor_m = float(rng.uniform(*C.VALLEY_FLOOR_M))
    lake_fraction = float(rng.uniform(0.0, 0.1)) * floor_fraction
    # Large-scale mountains plus a V-shaped valley network along the zero lines of a second field.
    mountains = power_law_field(rng, shape, pixel_size_m, exponent, 1.0, reference_size_m=20480.0,
                                outer_scale_m=C.TERRAIN_OUTER_SCALE_M)
    valleys = power_law_field(rng, shape, pixel_size_m, exponent, 1.0, reference_size_m=20480.0,
                              outer_scale_m=C.TERRAIN_OUTER_SCALE_M / 3.0)
    roughness = power_law_field(rng, shape, pixel_size_m, 3.4, 1.0)
    h = mountains + np.float32(0.5) * np.abs(valleys)
    h += np.float32(0.01 * h.std()) * roughness
    floor_level = np.quantile(h, floor_fraction)
    lake_level = np.quantile(h, lake_fraction) if lake_fraction > 0 else -np.inf
    lakes = h < lake_level
    # Glacial valleys have near-flat floors: compress everything below the floor level.
    h = np.where(h < floor_level, floor_level - (floor_level - h) * np.float32(0.03), h)
    gy, gx = np.gradient(h, pixel_size_m)
    grad = np.hypot(gx, gy)[h > floor_level]
    relief_scale = np.tan(np.radians(median_slope_deg)) / max(float(np.median(grad)) if grad.size else 1e-6, 1e-9)
    dem = (h - floor_level) * np.float32(relief_scale) + np.float32(floor_m)
    dem = _soft_cap(dem, C.SUMMIT_MAX_M)
    water = _keep_large(lakes, min_px=int(max(20, 2e4 / pixel_size_m**2)))
    if water.any():
        dem[water] = np.float32(dem[water].min())
    params = dict(kind="fractal", spectral_exponent=exponent, median_slope_deg=median_slope_deg,
                  valley_floor_fraction=floor_fraction, valley_floor_m=floor_m, lake_fraction=lake_fraction,
                  relief_scale=float(relief_scale))
    return Terrain(dem.astype(np.float32), water, params)


def _soft_cap(dem: np.ndarray, top_m: float, width_m: float = 500.0) -> np.ndarray:
    """Bend elevations smoothly below `top_m` so summits stay within the Alps' range."""
    start = top_m - width_m
    over = dem > start
    if over.any():
        dem = dem.copy()
        dem[over] = start + width_m * np.tanh((dem[over] - start) / width_m)
    return dem


def _keep_large(mask: np.ndarray, min_px: int) -> np.ndarray:
    """The connected parts of a mask with at least `min_px` pixels."""
    labels, n = ndimage.label(mask)
    if n == 0:
        return np.zeros(mask.shape, dtype=bool)
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_px
    keep[0] = False
    return keep[labels]


def sea_mask(dem_m: np.ndarray, pixel_size_m: float) -> np.ndarray:
    """Water on a real DEM: large connected areas at or below sea level (SRTM sets the sea to 0 m)."""
    return _keep_large(dem_m <= 0.5, min_px=int(max(20, 2e4 / pixel_size_m**2)))
