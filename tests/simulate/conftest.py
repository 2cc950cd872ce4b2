"""Fixtures for the simulator's tests (factories in tests/simulate/factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from massmap.simulate.scene import simulate_scene
from tests.simulate.factories import make_dem_tif, small_config


@pytest.fixture(scope="session")
def moving_scene():
    """A 256-pixel scene with many movements, no hard negative, no filter."""
    config = small_config(size=256, n_movements=(25, 25))
    return simulate_scene(config, [11, 0])


@pytest.fixture
def dem_tif(tmp_path) -> Path:
    return make_dem_tif(tmp_path / "dem.tif")
