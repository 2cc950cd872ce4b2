"""Sentinel-1 viewing geometry: incidence across the swath, look vectors, layover and shadow.

Shared by the simulator, orbit visibility and the readers of LOS geometry. Conventions: east-north-up (ENU)
components; the look vector points from the satellite to the ground, so a displacement d has line-of-sight
component d . look, positive away from the radar (see `massmap.constants.los_phase_rad`).
"""

from __future__ import annotations

import numpy as np

from massmap.constants import INCIDENCE_FAR_DEG, INCIDENCE_NEAR_DEG, IW_SWATH_WIDTH_M


def look_vector_enu(heading_deg: float, incidence_rad: np.ndarray | float) -> np.ndarray:
    """Unit vector from a right-looking satellite to the ground (east, north, up), stacked on axis 0.

    A right-looking radar looks 90 degrees clockwise from its flight direction (the heading).
    """
    look_azimuth = np.radians(heading_deg + 90.0)
    inc = np.asarray(incidence_rad, dtype=np.float32)
    sin_inc = np.sin(inc)
    return np.stack([sin_inc * np.float32(np.sin(look_azimuth)),
                     sin_inc * np.float32(np.cos(look_azimuth)),
                     -np.cos(inc)]).astype(np.float32)


def incidence_field(shape: tuple[int, int], pixel_size_m: float, heading_deg: float, centre_deg: float) -> np.ndarray:
    """Ellipsoid incidence angle (rad) per pixel: it grows with ground range across the IW swath."""
    rows, cols = shape
    rate_deg_per_m = (INCIDENCE_FAR_DEG - INCIDENCE_NEAR_DEG) / IW_SWATH_WIDTH_M
    look_azimuth = np.radians(heading_deg + 90.0)
    east = (np.arange(cols, dtype=np.float32) - cols / 2) * np.float32(pixel_size_m)
    north = -(np.arange(rows, dtype=np.float32) - rows / 2) * np.float32(pixel_size_m)
    ground_range = east[None, :] * np.float32(np.sin(look_azimuth)) + north[:, None] * np.float32(np.cos(look_azimuth))
    return np.radians(centre_deg + rate_deg_per_m * ground_range).astype(np.float32)


def range_slope_rad(slope_rad: np.ndarray, aspect_rad: np.ndarray, heading_deg: float) -> np.ndarray:
    """Terrain slope in the radar's look plane (rad): positive where the ground faces the radar."""
    look_azimuth = np.float32(np.radians(heading_deg + 90.0))
    # A slope faces the radar when it falls towards the satellite, i.e. against the look direction.
    return np.arctan(-np.tan(slope_rad) * np.cos(aspect_rad - look_azimuth)).astype(np.float32)


def layover_shadow_masks(
    slope_rad: np.ndarray, aspect_rad: np.ndarray, heading_deg: float, incidence_rad: np.ndarray | float | np.floating
) -> tuple[np.ndarray, np.ndarray]:
    """Layover where the slope facing the radar exceeds the incidence; shadow where the slope facing away
    exceeds 90 degrees minus the incidence (local slope and aspect only)."""
    facing = range_slope_rad(slope_rad, aspect_rad, heading_deg)
    layover = facing > incidence_rad
    shadow = -facing > (np.float32(np.pi / 2) - incidence_rad)
    return layover, shadow
