"""Real negatives stored as grey patches: phase from grey levels, zero fill as nodata, split by volcano."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from massmap.data.real_negatives import phase_from_grey, read_grey_patch, read_index, volcano_split

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "licsar-volcano-negatives"


def test_grey_levels_map_to_wrapped_phase_and_large_zero_fill_to_nodata():
    grey = np.tile(np.array([0, 64, 191, 255], dtype=np.uint8), (20, 5))  # 20 x 20
    grey[0:10, 0:10] = 128  # 100 px of zero fill
    grey[15, 15] = 128  # one pixel of real phase that happens to be 128
    phase = phase_from_grey(grey)
    assert np.isnan(phase[0:10, 0:10]).all() and np.isfinite(phase[10:, :]).all()
    assert phase[15, 15] == pytest.approx(128 / 255 * 2 * np.pi - np.pi, abs=1e-6)
    assert phase[19, 0] == pytest.approx(-np.pi) and phase[19, 3] == pytest.approx(np.pi, abs=1e-6)


def test_rgb_patch_of_equal_bands_reads_as_grey_and_a_colour_one_is_refused(tmp_path):
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    profile = dict(driver="PNG", height=8, width=8, count=3, dtype="uint8")
    with rasterio.open(tmp_path / "g.png", "w", **profile) as dst:
        dst.write(np.stack([grey] * 3))
    np.testing.assert_array_equal(read_grey_patch(tmp_path / "g.png"), grey)
    with rasterio.open(tmp_path / "c.png", "w", **profile) as dst:
        dst.write(np.stack([grey, grey[::-1], grey]))
    from massmap.errors import BadInputError

    with pytest.raises(BadInputError, match="c.png: a colour image"):
        read_grey_patch(tmp_path / "c.png")


def test_split_is_by_volcano_and_stable():
    names = [f"volcano_{i}" for i in range(200)]
    splits = [volcano_split(n) for n in names]
    assert splits == [volcano_split(n) for n in names]
    assert 70 < splits.count("train") < 130


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data")
def test_the_shared_index_splits_no_volcano_across_train_and_test():
    patches = read_index(SHARED / "index.csv")
    assert len(patches) == 300
    by_volcano: dict[str, set[str]] = {}
    for p in patches:
        by_volcano.setdefault(p.volcano, set()).add(volcano_split(p.volcano))
    assert all(len(s) == 1 for s in by_volcano.values())
