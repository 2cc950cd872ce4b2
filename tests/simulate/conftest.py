"""Fixtures for the simulator's tests (factories in tests/simulate/factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from massmap.simulate.scene import simulate_scene
from tests.simulate.factories import make_dem_tif, small_config


@pytest.fixture(scope="session")
def moving_scene():
    """A 256-pixel scene with many movements, no hard negative, no filter, labelled by the older visible rule."""
    config = small_config(size=256, n_movements=(25, 25), label_rule="visible")
    return simulate_scene(config, [11, 0])


@pytest.fixture(scope="session")
def detectable_scene():
    """The same scene labelled by the default rule: wherever the deformation phase stands above the noise."""
    return simulate_scene(small_config(size=256, n_movements=(25, 25)), [11, 0])


@pytest.fixture
def dem_tif(tmp_path) -> Path:
    return make_dem_tif(tmp_path / "dem.tif")
