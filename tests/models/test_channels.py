"""Input channels: the line-of-sight share of downslope motion (`los`) on tiny synthetic DEMs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from massmap.constants import HEADING_DESCENDING_DEG
from massmap.errors import IncompatibleModelError
from massmap.models.channels import KNOWN_CHANNELS, channels_for, encode_channels
from massmap.sensor import look_vector_enu
from massmap.terrain import downslope_los_sensitivity, downslope_unit_enu, slope_aspect

PIXEL_M = 20.0
INCIDENCE_DEG = 39.0


def plane_dem(slope_deg: float, aspect_deg: float, size: int = 16) -> np.ndarray:
    """A plane falling at `slope_deg` towards azimuth `aspect_deg` (clockwise from north), on a north-up grid."""
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    east, north = cols * PIXEL_M, -rows * PIXEL_M
    downhill = east * math.sin(math.radians(aspect_deg)) + north * math.cos(math.radians(aspect_deg))
    return (2000.0 - math.tan(math.radians(slope_deg)) * downhill).astype(np.float32)


def descending_look(size: int = 16) -> np.ndarray:
    """Right-looking descending Sentinel-1 (heading -168 deg) at 39 deg incidence, satellite to ground."""
    look = look_vector_enu(HEADING_DESCENDING_DEG, math.radians(INCIDENCE_DEG))
    return np.broadcast_to(look[:, None, None], (3, size, size)).astype(np.float32)


def test_east_facing_slope_seen_from_descending_moves_slightly_towards_the_satellite():
    # By hand: look = sin 39 (sin -78, cos -78), -cos 39 = (-0.6156, 0.1308, -0.7771); downslope on a 30 deg
    # east-facing plane = (cos 30, 0, -sin 30) = (0.8660, 0, -0.5). Dot: -0.5331 + 0.3886 = -0.1445: the eastward
    # part comes towards the satellite in the east, the sinking part goes away; towards wins, barely.
    share = downslope_los_sensitivity(plane_dem(30.0, 90.0), PIXEL_M, descending_look())
    np.testing.assert_allclose(share, -0.1445, atol=2e-4)
    # The west-facing plane falls away from the satellite: 0.5331 + 0.3886 = 0.9217, almost the whole motion.
    share_west = downslope_los_sensitivity(plane_dem(30.0, 270.0), PIXEL_M, descending_look())
    np.testing.assert_allclose(share_west, 0.9217, atol=2e-4)


def test_flat_terrain_has_no_downslope_direction_and_a_zero_channel():
    flat = np.full((16, 16), 1500.0, dtype=np.float32)
    slope, aspect = slope_aspect(flat, PIXEL_M)
    assert not downslope_unit_enu(slope, aspect).any()  # no horizontal (nor vertical) part on flat ground
    assert not downslope_los_sensitivity(flat, PIXEL_M, descending_look()).any()


def test_los_channel_is_stacked_last_with_nodata_zero_and_needs_its_inputs():
    assert KNOWN_CHANNELS[-1] == "los"
    channels = channels_for("sincos", coherence=True, slope=True, los=True)
    assert channels == ("sin", "cos", "coherence", "slope", "los")
    phase = np.zeros((16, 16), dtype=np.float32)
    phase[0, 0] = np.nan
    dem = plane_dem(30.0, 270.0)
    share = downslope_los_sensitivity(dem, PIXEL_M, descending_look())
    x = encode_channels(channels, phase, np.ones_like(phase), dem, PIXEL_M, share)
    assert x.shape == (5, 16, 16) and x[4, 0, 0] == 0.0
    np.testing.assert_allclose(x[4, 1:, 1:], 0.9217, atol=2e-4)
    np.testing.assert_allclose(x[3, 1:, 1:], 30.0 / 90.0, atol=1e-4)
    with pytest.raises(IncompatibleModelError, match="--los"):
        encode_channels(channels, phase, np.ones_like(phase), dem, PIXEL_M)
