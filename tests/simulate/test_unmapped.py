"""Unmapped motion: visible deformation phase outside the labels, written as rows that training leaves out."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from rasterio.windows import Window

from massmap.constants import FRINGE_LOS_M
from massmap.data.sampling import IGNORE_LABEL, build_scene_index, window_labels
from massmap.io.labels import read_polygons
from massmap.io.manifest import ManifestRow
from massmap.io.write import write_vector
from massmap.simulate.labels import LABEL_COLUMNS
from massmap.simulate.unmapped import UNMAPPED_KIND, unmapped_motion, unmapped_rows, with_unmapped
from tests.evaluate.factories import pixel_box, utm_grid
from tests.train.factories import Blob, write_training_scene

SIZE = 64
VISIBLE_RAD = 1.0


def _field() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deformation phase with a labelled 5 x 5 block (2 rad), an unlabelled 4 x 4 block (3 rad), a faint block
    below visibility (0.5 rad) and a block in layover (2 rad); the layover mask; the label mask."""
    phase = np.zeros((SIZE, SIZE), dtype=np.float32)
    phase[10:15, 10:15] = 2.0
    phase[30:34, 30:34] = -3.0
    phase[50:54, 5:9] = 0.5
    phase[50:54, 40:44] = 2.0
    layover = np.zeros((SIZE, SIZE), dtype=bool)
    layover[48:56, 38:46] = True
    labelled = np.zeros((SIZE, SIZE), dtype=bool)
    labelled[10:15, 10:15] = True
    return phase, layover, labelled


def test_only_visible_unlabelled_motion_is_marked_with_its_margin():
    phase, layover, labelled = _field()
    mask = unmapped_motion(phase, layover, labelled, VISIBLE_RAD, margin_px=1)
    # The 4 x 4 block grown by one pixel (4-connected: the corners stay out), nothing else.
    assert mask.sum() == 6 * 6 - 4
    assert mask[30:34, 30:34].all() and mask[29, 31] and not mask[29, 29]
    assert not mask[10:15, 10:15].any() and not mask[9, 12]  # a labelled pattern's edge stays taught
    assert not mask[50:54, 5:9].any() and not mask[48:56, 38:46].any()
    assert unmapped_motion(phase, layover, labelled, VISIBLE_RAD, margin_px=0).sum() == 16


def test_unmapped_rows_carry_the_label_schema_and_peak_motion():
    phase, layover, _ = _field()
    grid = utm_grid(SIZE, SIZE)
    labels = gpd.GeoDataFrame({"kind": ["landslide"], "coherent": [True], "max_los_mm": [8.8], "area_m2": [2500.0]},
                              geometry=[pixel_box(grid, 10, 10, 15, 15)], crs=grid.crs)
    rows = unmapped_rows(phase, layover, labels, grid, VISIBLE_RAD)
    assert list(rows.columns) == list(LABEL_COLUMNS) + ["geometry"]
    assert len(rows) == 1 and rows.kind.iloc[0] == UNMAPPED_KIND and not rows.coherent.iloc[0]
    assert rows.area_m2.iloc[0] == pytest.approx(32 * 100.0, rel=1e-3)  # 10 m pixels
    assert rows.max_los_mm.iloc[0] == pytest.approx(3.0 / (2 * np.pi) * FRINGE_LOS_M * 1000.0)
    both = with_unmapped(labels, rows)
    assert list(both.kind) == ["landslide", UNMAPPED_KIND] and both.crs == labels.crs


def test_training_ignores_unmapped_motion_instead_of_teaching_it_as_background(tmp_path):
    files = write_training_scene(tmp_path, "u", (Blob(32, 32, coherent=1),), size=96)
    row = ManifestRow(files.phase, files.labels, "train", files.coherence)
    entry = build_scene_index([row], patch_size=64).scenes[0]
    labels = read_polygons(files.labels, entry.grid)
    phase = np.zeros(entry.grid.shape, dtype=np.float32)
    phase[70:76, 70:76] = 2.0  # a faint movement nobody labelled, far from the blob
    rows = unmapped_rows(phase, np.zeros(entry.grid.shape, dtype=bool), labels, entry.grid, VISIBLE_RAD)
    marked = tmp_path / "u_labels_unmapped.gpkg"
    write_vector(with_unmapped(labels, rows), marked, layer="labels")
    before = window_labels(entry, Window(0, 0, 96, 96), np.ones((96, 96), dtype=bool))
    after_entry = build_scene_index([ManifestRow(files.phase, marked, "train", files.coherence)], patch_size=64,
                                where="coherent = 1").scenes[0]
    after = window_labels(after_entry, Window(0, 0, 96, 96), np.ones((96, 96), dtype=bool))
    assert before[72, 72] == 0 and after[72, 72] == IGNORE_LABEL
    # The blob's own ignore ring is there before and after; the unmapped blob adds its 8 x 8 less 4 corners.
    assert (after == IGNORE_LABEL).sum() - (before == IGNORE_LABEL).sum() == 8 * 8 - 4
    assert ((after == 1) == (before == 1)).all()  # the labelled pattern is taught as before
