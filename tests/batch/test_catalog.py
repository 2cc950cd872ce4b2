"""Scenes of a batch: dates and orbit read from LiCSAR and HyP3 names, and the catalog CSV."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pytest

from massmap.batch.catalog import parse_scene_name, read_catalog, scene_id, scenes_from_paths
from massmap.errors import BadInputError
from tests.conftest import write_raster


def test_licsar_name_gives_dates_and_ascending_orbit() -> None:
    facts = parse_scene_name("012A_05443_131313_20200101_20200113.geo.diff_pha.tif")
    assert (facts.family, facts.date1, facts.date2, facts.orbit) == (
        "LiCSAR", dt.date(2020, 1, 1), dt.date(2020, 1, 13), "ascending")


def test_licsar_descending_track_and_frame_folder() -> None:
    assert parse_scene_name("066D_05400_131313_20210704_20210716.geo.diff_pha.tif").orbit == "descending"
    # LiCSAR's own layout names the file by dates only, inside the frame's folder.
    path = Path("/data/066D_05400_131313/interferograms/20210704_20210716/20210704_20210716.geo.diff_pha.tif")
    facts = parse_scene_name(path)
    assert (facts.orbit, facts.date1, facts.date2) == ("descending", dt.date(2021, 7, 4), dt.date(2021, 7, 16))
    assert scene_id(path) == "066D_05400_131313_20210704_20210716"


def test_hyp3_name_gives_dates_but_no_orbit() -> None:
    facts = parse_scene_name("S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B_wrapped_phase.tif")
    assert (facts.family, facts.date1, facts.date2, facts.orbit) == (
        "HyP3", dt.date(2020, 1, 1), dt.date(2020, 1, 13), None)
    assert scene_id("S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B_wrapped_phase.tif") == (
        "S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B")


def test_unknown_name_gives_nothing_and_simulator_suffix_is_dropped() -> None:
    facts = parse_scene_name("scene_00003_phase.tif")
    assert (facts.date1, facts.date2, facts.orbit) == (None, None, None)
    assert scene_id("scene_00003_phase.tif") == "scene_00003"


def _phase(path: Path) -> Path:
    return write_raster(path, np.zeros((8, 8), dtype=np.float32))


def test_catalog_resolves_relative_paths_and_overrides_names(tmp_path: Path) -> None:
    sub = tmp_path / "ifg"
    sub.mkdir()
    _phase(sub / "012A_05443_131313_20200101_20200113.geo.diff_pha.tif")
    _phase(sub / "S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B_wrapped_phase.tif")
    _phase(sub / "coh.tif")
    csv = tmp_path / "list.csv"
    csv.write_text(
        "phase,coherence,orbit,date1,date2\n"
        "ifg/012A_05443_131313_20200101_20200113.geo.diff_pha.tif,ifg/coh.tif,,,\n"
        "ifg/S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B_wrapped_phase.tif,,DESC,2020-01-02,\n"
    )
    first, second = read_catalog(csv)
    assert first.coherence == sub / "coh.tif"
    assert (first.orbit, first.date1) == ("ascending", dt.date(2020, 1, 1))  # from the LiCSAR name
    assert (second.orbit, second.date1, second.date2) == ("descending", dt.date(2020, 1, 2), dt.date(2020, 1, 13))


@pytest.mark.parametrize(("text", "message"), [
    ("phase,orbit\nmissing.tif,\n", "phase file missing.tif not found"),
    ("phase,orbit\na.tif,sideways\n", "orbit 'sideways'"),
    ("phase,date1\na.tif,2020/01/01\n", "not a date"),
    ("coherence\na.tif\n", "lacks the column phase"),
])
def test_catalog_errors_name_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    _phase(tmp_path / "a.tif")
    csv = tmp_path / "list.csv"
    csv.write_text(text)
    with pytest.raises(BadInputError, match=message) as info:
        read_catalog(csv)
    assert str(csv) in str(info.value)


def test_two_scenes_with_one_output_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    paths = [_phase(tmp_path / d / "scene_phase.tif") for d in ("a", "b")]
    with pytest.raises(BadInputError, match="same output name 'scene'"):
        scenes_from_paths(paths)


def test_catalog_gives_each_scene_its_dem_and_los(tmp_path: Path) -> None:
    _phase(tmp_path / "a_phase.tif")
    _phase(tmp_path / "a_dem.tif")
    _phase(tmp_path / "a_los.tif")
    csv = tmp_path / "list.csv"
    csv.write_text("phase,dem,los\na_phase.tif,a_dem.tif,a_los.tif\n")
    (entry,) = read_catalog(csv)
    assert (entry.dem, entry.los) == (tmp_path / "a_dem.tif", tmp_path / "a_los.tif")
    assert scenes_from_paths([tmp_path / "a_phase.tif"])[0].los is None


def test_a_misspelt_catalog_column_is_warned_about_and_others_pass_quietly(tmp_path: Path, caplog) -> None:
    _phase(tmp_path / "a_phase.tif")
    _phase(tmp_path / "a_coh.tif")
    csv = tmp_path / "list.csv"
    csv.write_text("phase,coherance,Date2,notes,labels\na_phase.tif,a_coh.tif,20200113,windy,a.gpkg\n")
    with caplog.at_level(logging.WARNING, logger="massmap"):
        (entry,) = read_catalog(csv)
    assert entry.coherence is None and entry.date2 is None  # neither column is read
    warned = [r.getMessage() for r in caplog.records]
    assert warned == [f"{csv}: column 'coherance' is not read (did you mean coherence?)",
                      f"{csv}: column 'Date2' is not read (did you mean date2?)"]
