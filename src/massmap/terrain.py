"""Terrain derivatives of a north-up DEM, shared by the simulator, the model's slope and los channels and orbit
visibility."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

# A ground pixel spacing in m: one number for square pixels, or (east-west, north-south) for pixels that are not,
# such as those of a longitude/latitude grid (0.001 degree at 46 N: 77 m by 111 m).
PixelSpacing = float | tuple[float, float]


def spacing_xy_m(pixel_size_m: PixelSpacing) -> tuple[float, float]:
    """(east-west, north-south) ground spacing in m of a pixel spacing given as one number or a pair."""
    if isinstance(pixel_size_m, tuple | list | np.ndarray):
        dx, dy = pixel_size_m
        return float(dx), float(dy)
    return float(pixel_size_m), float(pixel_size_m)


def slope_aspect(
    dem_m: np.ndarray, pixel_size_m: PixelSpacing, smooth_px: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Slope (rad) and aspect (rad, azimuth of steepest descent clockwise from north) of a north-up DEM whose
    pixels are `pixel_size_m` apart on the ground (one number, or east-west and north-south spacings)."""
    dem = ndimage.gaussian_filter(dem_m, smooth_px) if smooth_px > 0 else dem_m
    dx, dy = spacing_xy_m(pixel_size_m)
    d_row, d_col = np.gradient(dem, dy, dx)
    d_east = d_col
    d_north = -d_row  # rows run southwards on a north-up grid
    slope = np.arctan(np.hypot(d_east, d_north)).astype(np.float32)
    aspect = np.arctan2(-d_east, -d_north).astype(np.float32)  # direction the ground falls towards
    return slope, aspect


def downslope_unit_enu(slope_rad: np.ndarray, aspect_rad: np.ndarray) -> np.ndarray:
    """Unit vector of motion down the surface (east, north, up) stacked on axis 0, in the input's float type.

    Horizontal part: the downslope azimuth times cos(slope); vertical part: -sin(slope). Flat ground (slope 0)
    has no downslope direction, so its vector is zero rather than pointing along an arbitrary aspect.
    """
    slope_rad, aspect_rad = np.asarray(slope_rad), np.asarray(aspect_rad)
    horizontal = np.where(slope_rad > 0, np.cos(slope_rad), 0.0).astype(slope_rad.dtype)
    return np.stack([horizontal * np.sin(aspect_rad), horizontal * np.cos(aspect_rad), -np.sin(slope_rad)])


def downslope_los_sensitivity(dem_m: np.ndarray, pixel_size_m: PixelSpacing, look_enu: np.ndarray) -> np.ndarray:
    """Line-of-sight share of a unit downslope motion per pixel, in [-1, 1]; positive where it moves away from
    the satellite (float32, rows x cols; NaN where the DEM or the geometry is unknown, 0 on flat ground).

    Args:
        dem_m: elevation on a north-up grid of `pixel_size_m` pixels (one number, or east-west and north-south).
        look_enu: unit look vector from the satellite to the ground (east, north, up on axis 0), the convention
            of `massmap.sensor.look_vector_enu`.
    """
    slope, aspect = slope_aspect(dem_m.astype(np.float32), pixel_size_m)
    # d . look, as the simulator's los_displacement_m projects a displacement: positive away from the satellite.
    share = np.einsum("kij,kij->ij", downslope_unit_enu(slope, aspect), look_enu.astype(np.float32))
    return np.clip(share, -1.0, 1.0).astype(np.float32)
