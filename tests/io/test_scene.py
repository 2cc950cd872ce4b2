"""Reading interferograms: kinds, coherence pairing, the proxy, resampling and bad input."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from affine import Affine
from rasterio.windows import Window

from massmap.errors import BadInputError
from massmap.io.coherence import phase_consistency
from massmap.io.scene import open_scene, wrap_phase
from massmap.products import resolve_scene
from tests.conftest import UTM_ORIGIN, fringe_blob, write_raster


def test_wrapped_phase_is_read_in_radians(utm_phase):
    with open_scene(utm_phase) as scene:
        w = scene.read()
    assert scene.kind == "wrapped-phase"
    np.testing.assert_array_equal(w.phase_rad, fringe_blob())
    assert w.valid.all()


def test_complex_interferogram_gives_angle_and_amplitude(tmp_path):
    phase = fringe_blob()
    amp = np.linspace(1, 5, 64 * 64, dtype=np.float32).reshape(64, 64)
    ifg = (amp * np.exp(1j * phase)).astype(np.complex64)
    ifg[0, 0] = 0  # complex zero is nodata
    path = write_raster(tmp_path / "x.tif", ifg)
    with open_scene(path) as scene:
        w = scene.read()
    assert scene.kind == "complex"
    np.testing.assert_allclose(np.exp(1j * w.phase_rad[1:]), np.exp(1j * phase[1:]), atol=1e-5)
    assert w.phase_rad[1:].max() < np.pi
    np.testing.assert_allclose(w.amplitude[1:], amp[1:], rtol=1e-5)
    assert np.isnan(w.phase_rad[0, 0]) and not w.valid[0, 0]


def test_licsar_coherence_is_paired_and_scaled(licsar_pair, caplog):
    phase, coh = licsar_pair
    scene = resolve_scene(phase)
    assert (scene.coherence.path, scene.family) == (str(coh), "LiCSAR")
    with caplog.at_level(logging.INFO, logger="massmap"), open_scene(phase) as scene:
        w = scene.read()
    assert scene.coherence_source == str(coh)
    np.testing.assert_allclose(w.coherence, 204 / 255, atol=1e-6)
    assert "LiCSAR" in caplog.text


def test_hyp3_and_simulator_naming(hyp3_pair, tmp_path):
    phase, coh = hyp3_pair
    scene = resolve_scene(phase)
    assert (scene.coherence.path, scene.family) == (str(coh), "HyP3")
    sim_phase = write_raster(tmp_path / "s01_phase.tif", fringe_blob())
    sim_coh = write_raster(tmp_path / "s01_coh.tif", np.full((64, 64), 0.3, np.float32))
    scene = resolve_scene(sim_phase)
    assert (scene.coherence.path, scene.family) == (str(sim_coh), "massmap simulator")


def test_proxy_is_high_on_fringes_and_low_on_noise():
    rng = np.random.default_rng(0)
    ramp = wrap_phase(np.tile(np.linspace(0, 2 * np.pi, 64, dtype=np.float32), (64, 1)))
    noise = rng.uniform(-np.pi, np.pi, (64, 64)).astype(np.float32)
    assert phase_consistency(ramp)[5:-5, 5:-5].min() > 0.98
    # |mean of 25 random unit phasors| has mean about sqrt(pi/4/25) = 0.18
    assert 0.12 < np.mean(phase_consistency(noise)) < 0.25


def test_proxy_used_without_coherence_and_windows_match_whole(utm_phase, caplog):
    with caplog.at_level(logging.WARNING, logger="massmap"), open_scene(utm_phase) as scene:
        whole = scene.read().coherence
        part = scene.read(Window(16, 8, 24, 40)).coherence
    assert scene.coherence_source == "proxy" and "proxy" in caplog.text
    np.testing.assert_allclose(part, whole[8:48, 16:40], atol=1e-6)


def test_coherence_on_another_grid_is_resampled(tmp_path, caplog):
    phase = write_raster(tmp_path / "p_phase.tif", fringe_blob())
    # Coherence at 40 m pixels covering the same area: a left-right gradient.
    coh = np.tile(np.linspace(0, 1, 32, dtype=np.float32), (32, 1))
    coh_path = write_raster(tmp_path / "c.tif", coh, transform=Affine(40.0, 0, UTM_ORIGIN[0], 0, -40.0, UTM_ORIGIN[1]))
    with caplog.at_level(logging.INFO, logger="massmap"), open_scene(phase, coh_path) as scene:
        w = scene.read()
    assert "resampled" in caplog.text
    assert w.coherence.shape == (64, 64)
    # Bilinear resampling keeps the gradient monotonic from left to right.
    row = w.coherence[32, 2:-2]
    assert np.all(np.diff(row) >= -1e-6) and row[0] < 0.1 and row[-1] > 0.9


def test_coherence_in_another_crs_is_reprojected(tmp_path):
    phase = write_raster(tmp_path / "p_phase.tif", fringe_blob())
    # Same area in geographic coordinates (EPSG:4326), covering the UTM grid generously.
    coh_path = write_raster(tmp_path / "c.tif", np.full((400, 400), 0.7, np.float32), crs="EPSG:4326",
                            transform=Affine(0.0001, 0, 10.16, 0, -0.0001, 46.235))
    with open_scene(phase, coh_path) as scene:
        w = scene.read()
    np.testing.assert_allclose(w.coherence, 0.7, atol=1e-5)


def test_non_overlapping_coherence_is_refused(tmp_path):
    phase = write_raster(tmp_path / "p_phase.tif", fringe_blob())
    far = write_raster(tmp_path / "far.tif", np.ones((64, 64), np.float32),
                       transform=Affine(20.0, 0, UTM_ORIGIN[0] + 1e5, 0, -20.0, UTM_ORIGIN[1]))
    with pytest.raises(BadInputError, match="does not overlap"):
        open_scene(phase, far)


def test_dem_is_reprojected_onto_phase_grid(tmp_path):
    phase = write_raster(tmp_path / "p_phase.tif", fringe_blob())
    dem = write_raster(tmp_path / "dem.tif", np.full((200, 200), 1500.0, np.float32), crs="EPSG:4326",
                       transform=Affine(0.0002, 0, 10.16, 0, -0.0002, 46.235))
    with open_scene(phase, dem_path=dem) as scene:
        w = scene.read()
    np.testing.assert_allclose(w.dem_m, 1500.0)


def test_degree_phase_is_refused_with_its_range(tmp_path):
    path = write_raster(tmp_path / "deg.tif", np.degrees(fringe_blob()))
    degrees = r"range \[-1[78]\d\.\d+, 1[78]\d\.\d+\].*degrees"
    with open_scene(path) as scene, pytest.raises(BadInputError, match=degrees):
        scene.scan()


def test_unwrapped_phase_can_be_rewrapped(tmp_path):
    unwrapped = np.tile(np.linspace(-20, 20, 64, dtype=np.float32), (64, 1))
    path = write_raster(tmp_path / "unw.tif", unwrapped)
    with open_scene(path) as scene, pytest.raises(BadInputError, match="--rewrap"):
        scene.scan()
    with open_scene(path, rewrap=True) as scene:
        stats = scene.scan()
        w = scene.read()
    assert -np.pi <= stats.phase_min_rad and stats.phase_max_rad < np.pi
    np.testing.assert_allclose(np.exp(1j * w.phase_rad), np.exp(1j * unwrapped), atol=1e-4)


def test_all_nan_scene_is_refused(tmp_path):
    path = write_raster(tmp_path / "nan.tif", np.full((32, 32), np.nan, np.float32))
    with open_scene(path) as scene, pytest.raises(BadInputError, match="every pixel is nodata"):
        scene.scan()


def test_nodata_value_becomes_nan(tmp_path):
    phase = fringe_blob()
    phase[:10] = -9999
    path = write_raster(tmp_path / "nd.tif", phase, nodata=-9999)
    with open_scene(path) as scene:
        stats = scene.scan()
    assert stats.nodata_fraction == pytest.approx(10 / 64)


def test_text_file_and_empty_file_are_not_rasters(tmp_path):
    text = tmp_path / "notes.tif"
    text.write_text("this is not a raster\n")
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    for p in (text, empty):
        with pytest.raises(BadInputError, match="not a readable raster"):
            open_scene(p)
    with pytest.raises(BadInputError, match="file not found"):
        open_scene(tmp_path / "missing.tif")


def test_truncated_file_is_refused(tmp_path):
    rng = np.random.default_rng(1)
    path = write_raster(tmp_path / "t.tif", rng.uniform(-3, 3, (512, 512)).astype(np.float32))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInputError, match="truncated|not a readable raster"):
        with open_scene(path) as scene:
            scene.scan()


def test_multiband_needs_band_choice(tmp_path):
    stack = np.stack([fringe_blob(), np.zeros((64, 64), np.float32)])
    path = write_raster(tmp_path / "mb.tif", stack)
    with pytest.raises(BadInputError, match="2 bands.*--band"):
        open_scene(path)
    with open_scene(path, band=2) as scene:
        assert float(np.abs(scene.read().phase_rad).max()) == 0.0
    with pytest.raises(BadInputError, match="band 3"):
        open_scene(path, band=3)


def test_integer_phase_band_is_refused(tmp_path):
    path = write_raster(tmp_path / "int.tif", np.zeros((16, 16), np.int16))
    with pytest.raises(BadInputError, match="int16"):
        open_scene(path)


def test_raster_without_crs_works_in_pixel_units(tmp_path, caplog):
    path = write_raster(tmp_path / "nocrs.tif", fringe_blob(), crs=None)
    with caplog.at_level(logging.WARNING, logger="massmap"), open_scene(path) as scene:
        assert scene.grid.crs is None
        assert scene.grid.mask_area_m2(np.ones((64, 64), bool)) == 64 * 64
    assert "pixel units" in caplog.text
    with open_scene(path, pixel_size_m=20.0) as scene:
        assert scene.grid.area_km2() == pytest.approx(64 * 64 * 400 / 1e6)
