"""The backend registry (torch, ONNX float32, ONNX int8) and the int8 model built on first use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from massmap.errors import BadInputError
from massmap.models import quantize
from massmap.models.store import LoadedModel, load_model
from massmap.predict.backends import BACKENDS, make_runner, resolve_backend
from massmap.predict.speed import network_megapixels_per_second
from tests.predict.conftest import standin_model


def test_auto_runs_the_cards_backend_on_the_cpu_and_torch_elsewhere() -> None:
    assert resolve_backend("auto", "cpu", None).name == "onnx"
    assert resolve_backend("auto", "cpu", "onnx-int8").name == "onnx-int8"
    assert resolve_backend("auto", "cpu", "no-such-backend").name == "onnx"
    assert resolve_backend("auto", "cuda", "onnx-int8").name == "torch"
    assert set(BACKENDS) >= {"torch", "onnx", "onnx-int8"}


@pytest.mark.parametrize(("name", "device", "message"), [
    ("tensorrt", "cpu", "unknown backend 'tensorrt'"),
    ("onnx", "cuda", "the onnx backend runs on cpu only"),
])
def test_a_backend_that_cannot_run_is_refused(name: str, device: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        resolve_backend(name, device)


@pytest.fixture
def small_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two small simulated scenes instead of four of 384 px: the recipe, not its size, is under test."""
    monkeypatch.setattr(quantize, "CALIBRATION_SCENES", ((9101, 1.0), (9103, 2.0)))
    monkeypatch.setattr(quantize, "CALIBRATION_SCENE_PX", 128)
    monkeypatch.setattr(quantize, "CALIBRATION_TILES", 6)


def _int8_matches_float32(loaded: LoadedModel, tile_px: int, max_mean_diff: float) -> None:
    float_runner, int8_runner = make_runner(loaded, "onnx"), make_runner(loaded, "onnx-int8")
    assert int8_runner.name == "onnx-int8"
    built = sorted(quantize.int8_cache_dir().glob("*.int8.onnx"))
    assert len(built) == 1
    first = built[0].read_bytes()
    built[0].unlink()
    make_runner(loaded, "onnx-int8")  # rebuilt from scratch: calibration is deterministic
    assert built[0].read_bytes() == first

    tiles = quantize.calibration_tiles(loaded.card, 4, tile_px)
    p32, p8 = float_runner(tiles), int8_runner(tiles)
    assert p8.shape == p32.shape == (4, tile_px, tile_px)
    assert float(np.abs(p8 - p32).mean()) < max_mean_diff


def test_calibration_includes_motion_free_scenes_of_strong_atmosphere(tmp_path: Path, small_calibration,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import massmap.simulate.scene as scene

    drawn = []

    def spy(config, seed):
        drawn.append(config)
        return simulate(config, seed)

    simulate = scene.simulate_scene
    monkeypatch.setattr(scene, "simulate_scene", spy)
    tiles = quantize.calibration_tiles(standin_model(tmp_path / "standin", tile_px=64).card, 6, 64)
    assert tiles.shape[0] == 6 and np.isfinite(tiles).all()
    assert [(c.atmosphere_scale, c.hard_negative_fraction) for c in drawn] == [(1.0, 0.15), (2.0, 1.0)]
    assert drawn[1].negative_kinds == ("atmosphere",)


def test_int8_is_built_once_the_same_way_and_maps_like_float32(tmp_path: Path, small_calibration) -> None:
    _int8_matches_float32(standin_model(tmp_path / "standin", tile_px=64), 64, 0.02)


@pytest.mark.slow
def test_int8_unet_maps_like_float32(random_unet: Path, small_calibration) -> None:
    _int8_matches_float32(load_model(random_unet, device="cpu"), 64, 0.02)


def test_network_speed_is_measured_for_a_backend(tmp_path: Path) -> None:
    loaded = standin_model(tmp_path, tile_px=64)
    mpx_s = network_megapixels_per_second(loaded, "torch", batch_size=2, min_seconds=0.0, min_batches=2)
    assert 0.0 < mpx_s < 1000.0
