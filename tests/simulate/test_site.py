import numpy as np
import pytest
import rasterio

from massmap.errors import BadInputError
from massmap.simulate.scene import simulate_scene
from massmap.simulate.site import dem_window, synthetic_grid
from tests.simulate.factories import SRTM_DIR, make_dem_tif, small_config


def test_synthetic_grid_lies_in_the_alps_snapped_to_pixels():
    grid, site = synthetic_grid(np.random.default_rng(0), 100, 20.0, "EPSG:32632")
    left, bottom, right, top = grid.bounds()
    assert 250_000 < left < right < 750_000 and 5_000_000 < bottom < top < 5_250_000
    assert left % 20 == 0 and top % 20 == 0 and right - left == 2000


def test_dem_window_is_resampled_inside_the_dem(dem_tif):
    dem, grid, params = dem_window(np.random.default_rng(1), dem_tif, 64, 20.0, "auto")
    assert grid.crs.to_epsg() == 32632 and grid.shape == (64, 64)
    with rasterio.open(dem_tif) as src:
        left, bottom, right, top = src.bounds
    gl, gb, gr, gt = grid.bounds()
    assert left <= gl and gr <= right and bottom <= gb and gt <= top
    assert np.isfinite(dem).all() and 450 <= dem.min() and dem.max() <= 1800
    # Bilinear resampling of the tilted plane: elevation still rises 10 m per 30 m eastwards.
    assert np.median(np.diff(dem, axis=1)) == pytest.approx(10.0 * 20.0 / 30.0, rel=0.15)


def test_dem_window_depends_on_the_seed_only(dem_tif):
    a = dem_window(np.random.default_rng(7), dem_tif, 32, 20.0, "EPSG:32632")
    b = dem_window(np.random.default_rng(7), dem_tif, 32, 20.0, "EPSG:32632")
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]


def test_a_dem_smaller_than_the_scene_is_refused(dem_tif):
    with pytest.raises(BadInputError, match="smaller than"):
        dem_window(np.random.default_rng(0), dem_tif, 512, 20.0, "auto")


def test_geographic_crs_is_refused_and_missing_dem_named(tmp_path):
    with pytest.raises(BadInputError, match="projected"):
        synthetic_grid(np.random.default_rng(0), 64, 20.0, "EPSG:4326")
    with pytest.raises(BadInputError, match="nope.tif"):
        dem_window(np.random.default_rng(0), tmp_path / "nope.tif", 64, 20.0, "auto")


def test_scene_on_a_real_geotiff_dem(tmp_path):
    path = make_dem_tif(tmp_path / "dem.tif", size=200)
    scene = simulate_scene(small_config(size=96, dem_path=str(path), crs="auto"), [0, 1])
    assert scene.meta["terrain"]["kind"] == "dem" and scene.grid.crs.to_epsg() == 32632
    assert 450 <= scene.dem_m.min() and scene.dem_m.max() <= 2600


@pytest.mark.skipif(not (SRTM_DIR / "N40E015.hgt").exists(), reason="SRTM sample tiles absent")
def test_scene_on_an_srtm_hgt_tile_uses_the_utm_zone_of_its_centre():
    scene = simulate_scene(small_config(size=128, dem_path=str(SRTM_DIR / "N40E015.hgt"), crs="auto"), [0, 0])
    assert scene.grid.crs.to_epsg() == 32633  # 15.5 degrees east
    assert -50 < scene.dem_m.min() and scene.dem_m.max() < 2300  # southern Apennines
    assert np.ptp(scene.dem_m) > 20
