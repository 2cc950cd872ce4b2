import datetime as dt

import numpy as np
import pytest

from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from massmap.stack.grid import common_grid, onto_grid
from massmap.stack.pairs import stack_entries
from tests.conftest import write_raster
from tests.stack.factories import SIZE, frame_transform, write_pair


def test_dates_are_read_from_licsar_and_hyp3_names_and_pairs_sorted_by_date(tmp_path):
    geoc = tmp_path / "012A_05443_131313" / "GEOC"
    write_pair(geoc, "20200113", "20200125")
    write_pair(geoc, "20200101", "20200113")
    hyp3 = write_raster(tmp_path / "S1AA_20200101T053000_20200125T053000_VVP024_INT80_G_ueF_1A2B_wrapped_phase.tif",
                        np.zeros((SIZE, SIZE), np.float32))
    entries = stack_entries([geoc, hyp3])
    assert [(e.date1, e.date2) for e in entries] == [
        (dt.date(2020, 1, 1), dt.date(2020, 1, 13)), (dt.date(2020, 1, 1), dt.date(2020, 1, 25)),
        (dt.date(2020, 1, 13), dt.date(2020, 1, 25))]
    # LiCSAR pairs in a frame folder keep the frame in their output names.
    assert entries[0].scene_id == "012A_05443_131313_20200101_20200113" and entries[0].orbit == "ascending"


def test_dates_from_a_catalog_and_a_pair_without_dates_is_refused(tmp_path):
    a = write_raster(tmp_path / "a_phase.tif", np.zeros((SIZE, SIZE), np.float32))
    b = write_raster(tmp_path / "b_phase.tif", np.zeros((SIZE, SIZE), np.float32))
    with pytest.raises(BadInputError, match=r"a_phase.tif: no acquisition dates in its name"):
        stack_entries([a, b])
    catalog = tmp_path / "pairs.csv"
    catalog.write_text("phase,date1,date2\nb_phase.tif,2021-07-01,2021-07-13\na_phase.tif,20210601,20210613\n")
    entries = stack_entries([catalog])
    assert [e.phase.name for e in entries] == ["a_phase.tif", "b_phase.tif"]
    assert entries[1].date2 == dt.date(2021, 7, 13)


def test_a_single_pair_and_reversed_dates_are_refused(tmp_path):
    one = write_pair(tmp_path, "20200101", "20200113")
    with pytest.raises(BadInputError, match="at least two interferograms"):
        stack_entries([one])
    catalog = tmp_path / "pairs.csv"
    catalog.write_text(f"phase,date1,date2\n{one},2020-01-13,2020-01-01\n")
    with pytest.raises(BadInputError, match="not after the first"):
        stack_entries([catalog, write_pair(tmp_path, "20200113", "20200125")])


def test_pairs_on_shifted_grids_share_the_union_grid(tmp_path):
    a = write_pair(tmp_path, "20200101", "20200113", transform=frame_transform(0))
    b = write_pair(tmp_path, "20200113", "20200125", transform=frame_transform(10))
    grids = []
    for path in (a, b):
        with open_scene(path) as reader:
            grids.append(reader.grid)
    grid = common_grid(grids, ["a", "b"])
    assert grid.shape == (SIZE, SIZE + 10) and grid.transform.c == grids[0].transform.c
    values = np.arange(SIZE * SIZE, dtype=np.float32).reshape(SIZE, SIZE)
    moved = onto_grid(values, grids[1], grid)
    # Pair b's column 0 lands in column 10 of the union; its first ten columns are outside b.
    np.testing.assert_allclose(moved[:, 10:], values, atol=1e-3)
    assert np.isnan(moved[:, :10]).all()
