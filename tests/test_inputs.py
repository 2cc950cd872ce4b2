"""The input-channel registry: channels on tiny synthetic rasters, halos, and a channel added by a test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from massmap.constants import HEADING_DESCENDING_DEG
from massmap.errors import IncompatibleModelError
from massmap.inputs import CHANNELS, Channel, InputLayers, channels_for, encode, halo_px, register
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
    channels = channels_for("sincos", coherence=True, slope=True, los=True)
    assert channels == ("sin", "cos", "coherence", "slope", "los")
    phase = np.zeros((16, 16), dtype=np.float32)
    phase[0, 0] = np.nan
    dem = plane_dem(30.0, 270.0)
    share = downslope_los_sensitivity(dem, PIXEL_M, descending_look())
    x = encode(channels, InputLayers(phase, np.ones_like(phase), dem, share, PIXEL_M))
    assert x.shape == (5, 16, 16) and x[4, 0, 0] == 0.0
    np.testing.assert_allclose(x[4, 1:, 1:], 0.9217, atol=2e-4)
    np.testing.assert_allclose(x[3, 1:, 1:], 30.0 / 90.0, atol=1e-4)
    with pytest.raises(IncompatibleModelError, match="--los"):
        encode(channels, InputLayers(phase, np.ones_like(phase), dem, None, PIXEL_M))


def _bump_on_ramp(size: int = 96, offset_rad: float = 0.0) -> np.ndarray:
    """Wrapped phase: two fringes of atmospheric-like ramp across the window plus a 3 rad bump of 6 px radius."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    ramp = 2 * np.pi * 2.0 * xx / size
    bump = 3.0 * np.exp(-((yy - 48) ** 2 + (xx - 48) ** 2) / (2 * 6.0**2))
    return (np.mod(ramp + bump + offset_rad + np.pi, 2 * np.pi) - np.pi).astype(np.float32)


def test_residual_phase_flattens_a_ramp_keeps_a_bump_and_ignores_the_phase_offset():
    phase = _bump_on_ramp()
    x = encode(("res4_sin", "res4_cos"), InputLayers(phase))
    residual = np.arctan2(x[0], x[1])
    # The ramp (0.13 rad/px) is removed away from the bump; a 3 rad bump as wide as the filter keeps 0.8 rad.
    assert np.abs(residual[10:30, 10:86]).max() < 0.05
    assert residual[48, 48] > 0.6
    shifted = encode(("res4_sin", "res4_cos"), InputLayers(_bump_on_ramp(offset_rad=2.0)))
    np.testing.assert_allclose(shifted, x, atol=1e-4)


@pytest.mark.parametrize("name", ["res4_sin", "res12_sin", "res12_cos", "grad_row", "grad_col", "sin", "coherence"])
def test_conjugation_changes_each_channel_by_its_declared_sign(name):
    phase = _bump_on_ramp()
    coherence = np.full_like(phase, 0.7)
    x = encode((name,), InputLayers(phase, coherence))
    x_conj = encode((name,), InputLayers(-phase, coherence))
    np.testing.assert_allclose(x_conj, CHANNELS[name].conjugation_sign * x, atol=1e-5)


def test_a_window_encoded_with_its_halo_equals_the_whole_scene_on_every_pixel():
    phase = _bump_on_ramp(size=96)
    channels = ("res12_sin", "res12_cos", "grad_row", "sin")
    whole = encode(channels, InputLayers(phase))
    halo = halo_px(channels)
    assert halo == 36
    r0, r1 = 40, 60
    g0, g1 = max(r0 - halo, 0), min(r1 + halo, 96)
    strip = encode(channels, InputLayers(phase[g0:g1]), crop=(r0 - g0, r1 - g0, 0, 96))
    np.testing.assert_allclose(strip, whole[:, r0:r1], atol=1e-5)
    # Without the halo the low-pass is cut at the strip's edges and the channels differ there.
    cut = encode(channels, InputLayers(phase[r0:r1]))
    assert np.abs(cut - whole[:, r0:r1]).max() > 0.05


@pytest.fixture
def doubled_sine():
    """A dummy channel, added by the test itself: the sine of twice the phase."""
    channel = register(Channel("test_sin2", lambda w: np.sin(2 * np.nan_to_num(w.phase_rad)), "sine of 2 x phase",
                               conjugation_sign=-1))
    yield channel
    del CHANNELS[channel.name]


def test_a_channel_added_in_one_place_is_trained_and_mapped_with(doubled_sine, tmp_path):
    from massmap.predict.run import predict_scene
    from massmap.train import TrainConfig, train
    from tests.train.factories import write_training_set

    manifest = write_training_set(tmp_path / "data")
    config = TrainConfig(manifest=str(manifest), out=str(tmp_path / "model"), arch="unet", encoder="resnet18",
                         inputs=["sin", "cos", "test_sin2"], patch_size=64, batch_size=4, epochs=1,
                         patches_per_epoch=8, val_patches=4, workers=0, progress=False, neg_ratio=1.0)
    result = train(config)
    assert result.card.channels == ["sin", "cos", "test_sin2"]
    scene = next((tmp_path / "data").glob("*_phase.tif"))
    mapped = predict_scene(scene, model=tmp_path / "model", progress=False, backend="torch", threshold=0.5)
    assert mapped.probability is not None and mapped.probability.shape == (96, 96)
    assert np.isfinite(mapped.probability).all()
