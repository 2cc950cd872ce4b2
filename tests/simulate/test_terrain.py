import numpy as np

from massmap.simulate.terrain import fractal_dem
from massmap.terrain import slope_aspect


def test_fractal_dem_has_alpine_elevations_slopes_valley_floors():
    terrain = fractal_dem(np.random.default_rng(5), (512, 512), 20.0)
    dem = terrain.dem_m
    assert dem.dtype == np.float32
    assert 300 <= dem.min() < 1700 and dem.max() <= 4200
    slope_deg = np.degrees(slope_aspect(dem, 20.0)[0])
    assert 0.55 < ((slope_deg >= 15) & (slope_deg <= 45)).mean()
    assert 0.04 < (slope_deg < 3).mean() < 0.25  # flat valley floors
    assert 20 < np.median(slope_deg[slope_deg > 3]) < 36


def test_aspect_points_downslope_clockwise_from_north():
    dem = np.tile(np.arange(10, dtype=np.float32) * 10, (10, 1))  # rises to the east: falls to the west
    slope, aspect = slope_aspect(dem, 10.0)
    assert np.degrees(slope[5, 5]) == np.float32(45.0)
    assert np.degrees(aspect[5, 5]) % 360 == 270.0
    north_facing = np.repeat(np.arange(10, dtype=np.float32)[:, None] * 10, 10, axis=1)  # rises to the south
    assert abs(np.degrees(slope_aspect(north_facing, 10.0)[1][5, 5])) < 1e-4
