"""Terrain derivatives of a north-up DEM, shared by the simulator, the model's slope channel and orbit visibility."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def slope_aspect(dem_m: np.ndarray, pixel_size_m: float, smooth_px: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Slope (rad) and aspect (rad, azimuth of steepest descent clockwise from north) of a north-up DEM."""
    dem = ndimage.gaussian_filter(dem_m, smooth_px) if smooth_px > 0 else dem_m
    d_row, d_col = np.gradient(dem, pixel_size_m)
    d_east = d_col
    d_north = -d_row  # rows run southwards on a north-up grid
    slope = np.arctan(np.hypot(d_east, d_north)).astype(np.float32)
    aspect = np.arctan2(-d_east, -d_north).astype(np.float32)  # direction the ground falls towards
    return slope, aspect
