"""Tiles without signal (all nodata, or coherence below the model's floor) are not run, and the output is the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from massmap.predict import predict_scene
from massmap.predict.signal import SIGNAL_BLOCK_PX, signal_pixels
from tests.conftest import write_raster
from tests.predict.conftest import cone_phase, disc_mask, standin_model, utm_transform

FLOOR = 0.3


def _scene(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """200 x 300 px: a coherent cone on the left, decorrelated noise (coherence 0.1) right of column 160, nodata below
    row 136."""
    shape, centre, radius = (200, 300), (70, 70), 30.0
    rng = np.random.default_rng(3)
    phase = cone_phase(shape, centre, radius)
    coherence = np.full(shape, 0.9, np.float32)
    phase[:, 160:] = rng.uniform(-np.pi, np.pi, (200, 140))
    coherence[:, 160:] = 0.1
    coherence[70, 70] = 0.05  # one decorrelated pixel inside the moving slope
    phase[136:, :] = np.nan
    coherence[136:, :] = np.nan
    path = write_raster(tmp_path / "cut_phase.tif", phase, transform=utm_transform())
    write_raster(tmp_path / "cut_coh.tif", coherence, transform=utm_transform())
    return path, disc_mask(shape, centre, radius)


def test_skipping_signal_free_tiles_changes_nothing_but_the_tiles_run(tmp_path: Path) -> None:
    scene, truth = _scene(tmp_path)
    model = standin_model(tmp_path, tile_px=64, coherence_floor=FLOOR)
    kwargs = dict(model=model, backend="torch", threshold=0.5, min_area_m2=0, progress=False)
    skipped = predict_scene(scene, **kwargs)
    every = predict_scene(scene, skip_signal_free_tiles=False, **kwargs)

    np.testing.assert_array_equal(skipped.probability, every.probability)  # NaN where nodata in both
    assert len(skipped.polygons) == len(every.polygons)
    assert skipped.polygons.geometry.union_all().symmetric_difference(every.polygons.geometry.union_all()).area == 0
    n_tiles = skipped.timings.tiles + skipped.timings.tiles_skipped
    assert n_tiles == every.timings.tiles == 24 and every.timings.tiles_skipped == 0
    # Tiles of 64 px, 48 px apart: the nodata tile row (6 tiles), and in the three others the two tile columns
    # wholly in the noise (coherence 0.1) are not run.
    assert skipped.timings.tiles_skipped == 12
    p = skipped.probability
    assert np.all(p[:136, 160:] == 0.0) and np.isnan(p[136:]).all()
    found = p[:136] >= 0.5
    iou = (found & truth[:136]).sum() / (found | truth[:136]).sum()
    assert iou > 0.5 and p[70, 70] >= 0.5  # the one decorrelated pixel in the cone is not a hole


def test_without_a_floor_only_nodata_tiles_are_skipped(tmp_path: Path) -> None:
    scene, _ = _scene(tmp_path)
    result = predict_scene(scene, model=standin_model(tmp_path, tile_px=64), backend="torch", min_area_m2=0,
                           threshold=0.5, progress=False)
    assert result.timings.tiles_skipped == 6  # the bottom tile row, rows 136-199, is all nodata
    assert np.nanmax(result.probability[:136, 160:]) > 0.5  # the stand-in sees noise as phase gradients


@pytest.mark.parametrize("row0", [0, 5, 16, 37])
def test_signal_blocks_lie_on_the_scene_grid_whatever_the_strip(row0: int) -> None:
    rng = np.random.default_rng(row0)
    b = SIGNAL_BLOCK_PX
    levels = rng.choice([0.1, 0.6], (96 // b, 80 // b))  # decorrelated and coherent blocks, with pixel noise
    coherence = (np.kron(levels, np.ones((b, b))) + rng.uniform(-0.1, 0.1, (96, 80))).astype(np.float32)
    valid = np.ones_like(coherence, dtype=bool)
    whole = signal_pixels(coherence, valid, FLOOR, 0)
    strip = signal_pixels(coherence[row0:row0 + 40], valid[row0:row0 + 40], FLOOR, row0)
    # Rows whose whole block lies inside the strip agree with the whole-scene answer.
    first = -(-row0 // b) * b
    last = (row0 + 40) // b * b
    np.testing.assert_array_equal(strip[first - row0:last - row0], whole[first:last])
    np.testing.assert_array_equal(whole, np.kron(levels > FLOOR, np.ones((b, b), bool)))
