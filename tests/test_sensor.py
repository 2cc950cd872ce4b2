"""Sentinel-1 viewing geometry: look vectors, incidence across the swath, layover and shadow."""

import numpy as np
import pytest

from massmap.constants import WAVELENGTH_M, los_phase_rad
from massmap.sensor import incidence_field, layover_shadow_masks, look_vector_enu
from massmap.simulate.deformation import los_displacement_m
from massmap.terrain import slope_aspect


def test_look_vector_is_unit_and_right_looking():
    ascending = look_vector_enu(-12.0, np.radians(38.0))
    descending = look_vector_enu(-168.0, np.radians(38.0))
    assert np.linalg.norm(ascending) == pytest.approx(1.0, abs=1e-6)
    # Ascending right-looking radars look east (the satellite is west), descending ones look west.
    assert ascending[0] > 0.6 and descending[0] < -0.6
    assert ascending[2] == pytest.approx(-np.cos(np.radians(38.0)), abs=1e-6)


def test_los_phase_of_a_known_displacement_is_4pi_d_over_lambda():
    look = look_vector_enu(-12.0, np.full((4, 4), np.radians(35.0), np.float32))
    d = 0.01  # 1 cm along the look vector, i.e. away from the satellite
    enu = (look * d).astype(np.float32)
    phase = los_phase_rad(los_displacement_m(enu, look))
    np.testing.assert_allclose(phase, 4 * np.pi * d / WAVELENGTH_M, rtol=1e-5)
    # Uplift moves towards the satellite: negative phase of -4 pi d cos(inc) / lambda.
    up = np.zeros_like(enu)
    up[2] = d
    np.testing.assert_allclose(los_phase_rad(los_displacement_m(up, look)),
                               -4 * np.pi * d * np.cos(np.radians(35.0)) / WAVELENGTH_M, rtol=1e-5)


def test_incidence_grows_away_from_the_ground_track_by_16_degrees_per_swath():
    inc = np.degrees(incidence_field((100, 100), 100.0, -12.0, 38.0))  # ascending: far range is east
    assert inc[50, 99] > inc[50, 0]
    assert inc[50, 99] - inc[50, 0] == pytest.approx(16.0 / 250.0 * 9.9 * np.sin(np.radians(78)), rel=0.02)


def _plane(slope_deg: float, falls_towards_east: bool, n: int = 32, px: float = 20.0):
    ramp = np.tan(np.radians(slope_deg)) * px * np.arange(n, dtype=np.float32)
    dem = np.tile(-ramp if falls_towards_east else ramp, (n, 1)) + 3000
    return slope_aspect(dem.astype(np.float32), px)


@pytest.mark.parametrize("slope_deg, layover", [(40.0, True), (30.0, False)])
def test_layover_on_slopes_facing_the_radar_steeper_than_the_incidence(slope_deg, layover):
    # Ascending: the satellite is to the west, so a slope falling towards the west faces it.
    slope, aspect = _plane(slope_deg, falls_towards_east=False)
    inc = np.full(slope.shape, np.radians(35.0), np.float32)
    lay, shadow = layover_shadow_masks(slope, aspect, -12.0, inc)
    assert (lay[5:-5, 5:-5] == layover).all()
    assert not shadow.any()


@pytest.mark.parametrize("slope_deg, shadowed", [(60.0, True), (50.0, False)])
def test_shadow_on_slopes_facing_away_steeper_than_90_minus_incidence(slope_deg, shadowed):
    slope, aspect = _plane(slope_deg, falls_towards_east=True)
    inc = np.full(slope.shape, np.radians(35.0), np.float32)  # shadow beyond 55 degrees
    lay, shadow = layover_shadow_masks(slope, aspect, -12.0, inc)
    assert (shadow[5:-5, 5:-5] == shadowed).all()
    assert not lay.any()
    # The same slope seen from a descending orbit faces the radar instead: no shadow.
    _, shadow_desc = layover_shadow_masks(slope, aspect, -168.0, inc)
    assert not shadow_desc.any()
