"""Hard-negative mining: false alarms are confident pixels away from every label, written as a traps raster."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from massmap.data.mining import false_alarm_pixels, write_mined_traps
from massmap.errors import BadInputError
from massmap.io.traps import (
    TRAP_ATMOSPHERE,
    TRAP_LAYOVER_SHADOW,
    TRAP_MODEL_FALSE_POSITIVE,
    read_trap_codes,
    read_trap_pixels,
)
from tests.evaluate.factories import utm_grid


def _scene() -> tuple[np.ndarray, np.ndarray]:
    """A 32-px probability map: a label at rows 10-13, cols 10-13, detected with a fringe two pixels wide,
    a confident blob far away, a weak blob, and nodata inside the far blob."""
    labelled = np.zeros((32, 32), dtype=np.uint8)
    labelled[10:14, 10:14] = 1
    p = np.zeros((32, 32), dtype=np.float32)
    p[8:16, 8:16] = 0.9  # the label plus two pixels of outline disagreement
    p[25:28, 25:28] = 0.6  # a false alarm
    p[25, 25] = np.nan  # nodata never counts
    p[2:4, 25:27] = 0.4  # below the mining threshold
    return p, labelled


def test_false_alarms_are_confident_pixels_beyond_the_margin():
    p, labelled = _scene()
    mined = false_alarm_pixels(p, labelled, threshold=0.5, margin_px=3)
    assert np.argwhere(mined).tolist() == [[r, c] for r in range(25, 28) for c in range(25, 28) if (r, c) != (25, 25)]
    # Without a margin the outline disagreement counts as a false alarm too: 8 x 8 - 4 x 4 more pixels.
    assert false_alarm_pixels(p, labelled, threshold=0.5, margin_px=0).sum() == 8 + 48
    assert false_alarm_pixels(p, labelled, threshold=0.4, margin_px=3).sum() == 8 + 4


def test_mined_traps_raster_marks_the_false_alarms_for_the_sampler(tmp_path):
    p, labelled = _scene()
    grid = utm_grid(32, 32)
    path = write_mined_traps(tmp_path / "s_mined.tif", false_alarm_pixels(p, labelled, 0.5), grid)
    with rasterio.open(path) as ds:
        codes = ds.read(1)
        assert ds.dtypes[0] == "uint8" and ds.crs == grid.crs and ds.transform == grid.transform
    assert set(np.unique(codes).tolist()) == {0, TRAP_MODEL_FALSE_POSITIVE}
    assert read_trap_pixels(path, grid).tolist() == np.argwhere(codes).tolist()
    assert len(read_trap_pixels(path, grid)) == 8


def test_mined_traps_keep_the_scenes_own_trap_codes(tmp_path):
    p, labelled = _scene()
    grid = utm_grid(32, 32)
    own = np.zeros((32, 32), dtype=np.uint8)
    own[0:2, 0:3] = TRAP_ATMOSPHERE
    own[26, 24:28] = TRAP_LAYOVER_SHADOW  # overlaps the false alarm at columns 25-27
    path = write_mined_traps(tmp_path / "s_mined.tif", false_alarm_pixels(p, labelled, 0.5), grid, own)
    codes = read_trap_codes(path, grid)
    assert (codes == TRAP_ATMOSPHERE).sum() == 6
    # The false alarm wins where it lies on a simulator mark; the mark's pixel beside it stays.
    assert np.argwhere(codes == TRAP_LAYOVER_SHADOW).tolist() == [[26, 24]]
    assert (codes == TRAP_MODEL_FALSE_POSITIVE).sum() == 8
    assert read_trap_pixels(path, grid, code=TRAP_MODEL_FALSE_POSITIVE).tolist() == \
        np.argwhere(codes == TRAP_MODEL_FALSE_POSITIVE).tolist()
    assert len(read_trap_pixels(path, grid)) == 6 + 1 + 8


def test_a_traps_raster_off_the_grid_is_refused_in_one_line(tmp_path):
    path = write_mined_traps(tmp_path / "s_mined.tif", np.zeros((32, 32), bool), utm_grid(32, 32))
    with pytest.raises(BadInputError, match=r"s_mined\.tif: traps raster is 32 x 32 uint8; it must be integer codes "
                                            r"on the phase grid \(16 x 16\)"):
        read_trap_codes(path, utm_grid(16, 16))


def test_an_unreadable_traps_raster_is_refused_in_one_line(tmp_path):
    path = tmp_path / "s_traps.tif"
    path.write_text("not a raster")
    for read in (read_trap_codes, read_trap_pixels):
        with pytest.raises(BadInputError, match=r"s_traps\.tif: not a readable traps raster \(.*\)$"):
            read(path, utm_grid(16, 16))
