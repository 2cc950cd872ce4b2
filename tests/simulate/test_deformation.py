import numpy as np
import pytest

from massmap.simulate.deformation import (
    displacement_field,
    draw_landslide_area_m2,
    draw_movements,
    gradient_coherence,
    movement_footprint,
)
from massmap.simulate.terrain import fractal_dem
from massmap.terrain import slope_aspect


def test_landslide_areas_roll_over_near_5000_m2_with_a_heavy_tail_to_2_km2():
    areas = draw_landslide_area_m2(np.random.default_rng(0), 20000)
    assert areas.max() <= 2.0e6
    counts, edges = np.histogram(np.log10(areas), bins=40)
    density = counts / np.diff(10**edges)  # per m2
    rollover_m2 = 10 ** edges[np.argmax(density)]
    assert 2500 < rollover_m2 < 8000
    assert 0.01 < (areas > 1e5).mean() < 0.1 and (areas > 5e5).any()


def test_movements_sit_on_slopes_and_move_downslope_along_the_surface():
    rng = np.random.default_rng(1)
    dem = fractal_dem(rng, (256, 256), 20.0).dem_m
    slope, aspect = slope_aspect(dem, 20.0)
    movements = draw_movements(rng, 30, dem, slope, aspect, np.ones(dem.shape, bool), 20.0, 0.0, 0.0)
    assert len(movements) == 30
    assert all(15 <= m["slope_deg"] <= 45 for m in movements)
    disp = displacement_field(movements, dem.shape, 20.0, slope, aspect, 12)
    moving = np.linalg.norm(disp.enu_m, axis=0) > 1e-4
    downslope = np.stack([np.sin(aspect), np.cos(aspect)])
    horizontal_along = (disp.enu_m[:2] * downslope).sum(axis=0)
    assert (horizontal_along[moving] > 0).mean() > 0.98
    assert (disp.enu_m[2][moving] < 0).all()
    assert set(np.unique(disp.owner)) <= set(range(31))


def test_outline_is_elongated_downslope_and_lobate():
    movement = dict(row=100, col=100, area_target_m2=2.0e5, elongation=3.0, aspect_deg=90.0, toe_widening=0.0,
                    taper_power=1.0, lobe_orders=[3, 5], lobe_amplitudes=[0.2, 0.1], lobe_phases=[0.0, 1.0])
    window, relative = movement_footprint(movement, (200, 200), 10.0)
    inside = np.zeros((200, 200), bool)
    inside[window] = relative > 0
    rows, cols = np.nonzero(inside)
    assert np.ptp(cols) > 2 * np.ptp(rows)  # falls towards the east: long east-west
    assert inside.sum() * 100.0 == pytest.approx(2.0e5, rel=0.3)
    assert relative.max() == pytest.approx(1.0, abs=0.05)
    # Not an ellipse: the lobes make the outline's radius vary beyond an ellipse's.
    ellipse_area = np.pi * np.ptp(cols) * np.ptp(rows) / 4
    assert abs(inside.sum() - ellipse_area) / ellipse_area > 0.05


def test_gradient_coherence_vanishes_beyond_two_pi_per_pixel():
    g = gradient_coherence(np.array([0.0, np.pi, 2 * np.pi, 9.0], np.float32))
    np.testing.assert_allclose(g, [1.0, 2 / np.pi, 0.0, 0.0], atol=1e-6)
