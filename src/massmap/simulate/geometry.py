"""Sentinel-1 viewing geometry: heading, incidence across the swath, look vectors, layover and shadow.

Conventions: east-north-up (ENU) components; the look vector points from the satellite to the ground, so a
displacement d has line-of-sight component d . look, positive away from the radar (see constants.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from massmap.constants import (
    HEADING_ASCENDING_DEG,
    HEADING_DESCENDING_DEG,
    INCIDENCE_FAR_DEG,
    INCIDENCE_NEAR_DEG,
)
from massmap.simulate import constants as C


@dataclass
class Geometry:
    """Viewing geometry of one scene: per-pixel incidence (rad), look vector (3, rows, cols), layover, shadow."""

    orbit: str
    heading_deg: float
    incidence_rad: np.ndarray
    look_enu: np.ndarray
    layover: np.ndarray
    shadow: np.ndarray

    @property
    def layover_shadow(self) -> np.ndarray:
        """Pixels whose phase is pure noise because of layover or shadow."""
        return self.layover | self.shadow


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
    rate_deg_per_m = (INCIDENCE_FAR_DEG - INCIDENCE_NEAR_DEG) / C.IW_SWATH_WIDTH_M
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


def draw_geometry(
    rng: np.random.Generator,
    orbit: str,
    heading_jitter_deg: float,
    slope_rad: np.ndarray,
    aspect_rad: np.ndarray,
    pixel_size_m: float,
    near_range: bool = False,
    heading_offset_deg: float = 0.0,
) -> tuple[Geometry, dict]:
    """Draw an orbit direction, heading and swath position, and derive the scene's viewing geometry.

    `near_range` puts the scene at low incidence, where layover is most common (a hard negative).
    `heading_offset_deg` shifts the nominal heading (a held-out test set uses headings never trained on).
    """
    if orbit == "random":
        orbit = "ascending" if rng.random() < 0.5 else "descending"
    nominal = HEADING_ASCENDING_DEG if orbit == "ascending" else HEADING_DESCENDING_DEG
    heading = float(nominal + heading_offset_deg + rng.uniform(-heading_jitter_deg, heading_jitter_deg))
    shape = slope_rad.shape
    half_span_deg = float(np.degrees(np.ptp(incidence_field(shape, pixel_size_m, heading, 0.0))) / 2 + 0.1)
    low, high = INCIDENCE_NEAR_DEG + half_span_deg, INCIDENCE_FAR_DEG - half_span_deg
    if near_range:
        high = low + 0.2 * (high - low)
    centre = float(rng.uniform(low, max(low, high)))
    incidence = incidence_field(shape, pixel_size_m, heading, centre)
    layover, shadow = layover_shadow_masks(slope_rad, aspect_rad, heading, incidence)
    geometry = Geometry(orbit, heading, incidence, look_vector_enu(heading, incidence), layover, shadow)
    params = dict(orbit=orbit, heading_deg=heading, incidence_centre_deg=centre,
                  incidence_min_deg=float(np.degrees(incidence.min())),
                  incidence_max_deg=float(np.degrees(incidence.max())),
                  layover_fraction=float(layover.mean()), shadow_fraction=float(shadow.mean()))
    return geometry, params
