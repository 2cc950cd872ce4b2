"""MintPy ifgramStack.h5: every pair a scene, read with h5py in place, georeferenced from its attributes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from rasterio.windows import Window

from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from massmap.products import find_scenes, resolve_scene
from tests.conftest import UTM_ORIGIN
from tests.products.factories import PAIRS, mintpy_stack, unwrapped_bowl


def test_every_pair_is_a_scene_with_its_dates_and_orbit(tmp_path: Path) -> None:
    stack = mintpy_stack(tmp_path / "ifgramStack.h5")
    scenes = find_scenes(stack)
    assert [s.address for s in scenes] == [f"{stack}::{p}" for p in PAIRS]
    assert [s.scene_id for s in scenes] == [f"ifgramStack_{p}" for p in PAIRS]
    assert (scenes[1].date1, scenes[1].date2, scenes[1].orbit) == (dt.date(2017, 4, 1), dt.date(2017, 4, 13),
                                                                   "descending")
    assert all(s.unwrapped for s in scenes)
    # A folder holding the stack finds the same pairs.
    assert [s.address for s in find_scenes(tmp_path)] == [s.address for s in scenes]


def test_a_pair_reads_its_own_phase_and_coherence_on_the_utm_grid(tmp_path: Path) -> None:
    stack = mintpy_stack(tmp_path / "ifgramStack.h5")
    with open_scene(f"{stack}::{PAIRS[2]}") as scene:
        w = scene.read(Window(8, 4, 40, 20))
        grid = scene.grid
    assert grid.crs.to_epsg() == 32632 and grid.shape == (64, 64)
    assert (grid.transform.c, grid.transform.f, grid.transform.a, grid.transform.e) == (*UTM_ORIGIN, 30.0, -30.0)
    expected = unwrapped_bowl(2)[4:24, 8:48]
    np.testing.assert_allclose(np.exp(1j * w.phase_rad), np.exp(1j * expected), atol=1e-5)
    np.testing.assert_allclose(w.coherence, 0.7, atol=1e-6)


def test_wrapped_phase_is_preferred_and_degrees_mean_wgs84(tmp_path: Path) -> None:
    stack = mintpy_stack(tmp_path / "ifgramStack.h5", wrapped=True, geo="degrees")
    scene = resolve_scene(f"{stack}::{PAIRS[0]}")
    assert scene.phase.dataset == "wrapPhase" and not scene.unwrapped
    with open_scene(scene.address) as reader:
        assert reader.grid.crs.to_epsg() == 4326 and reader.kind == "wrapped-phase"


def test_whole_stack_to_predict_and_unknown_pair_are_refused(tmp_path: Path) -> None:
    stack = mintpy_stack(tmp_path / "ifgramStack.h5")
    with pytest.raises(BadInputError, match="holds 3 interferograms"):
        resolve_scene(stack)
    with pytest.raises(BadInputError, match="no pair 20990101_20990113 in the stack") as info:
        resolve_scene(f"{stack}::20990101_20990113")
    assert str(stack) in str(info.value)


def test_hdf5_without_interferograms_is_refused(tmp_path: Path) -> None:
    import h5py

    path = tmp_path / "timeseries.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("timeseries", data=np.zeros((2, 4, 4), np.float32))
    with pytest.raises(BadInputError, match="not a MintPy ifgramStack.h5"):
        resolve_scene(path)
