"""A simulated scene's viewing geometry: orbit, heading and swath position drawn per scene.

The geometry itself (incidence, look vectors, layover and shadow) is `massmap.sensor`.
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
from massmap.sensor import incidence_field, layover_shadow_masks, look_vector_enu


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
