"""LiCSAR/LiCSBAS frame folders: every pair found, its coherence, DEM and E/N/U files paired, 0 read as nodata."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pytest

from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from massmap.products import find_scenes, licsar, resolve_scene, scene_id
from tests.products.factories import EMPTY_ROWS, FRAME, PAIRS, coherence_u8, licsbas_frame, unwrapped_bowl


def test_geoc_folder_gives_every_pair_with_its_frame_files(tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path)
    scenes = find_scenes(geoc)
    assert [s.scene_id for s in scenes] == [f"{FRAME}_{p}" for p in PAIRS]
    first = scenes[0]
    assert (first.family, first.unwrapped, first.zero_is_nodata) == ("LiCSAR", True, True)
    assert (first.date1, first.date2, first.orbit) == (dt.date(2017, 3, 20), dt.date(2017, 4, 13), "ascending")
    assert first.coherence.path == str(geoc / PAIRS[0] / f"{PAIRS[0]}.geo.cc.tif")
    assert first.dem == str(geoc / f"{FRAME}.geo.hgt.tif")
    assert first.los == str(geoc / f"{FRAME}.geo.E.tif")
    # The frame folder above GEOC holds the same pairs.
    assert [s.scene_id for s in find_scenes(geoc.parent)] == [s.scene_id for s in scenes]


def test_licsar_portal_layout_finds_frame_files_in_metadata(tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path, pairs=PAIRS[:1], frame_files=False)
    interferograms = geoc.rename(geoc.parent / "interferograms")
    metadata = interferograms.parent / "metadata"
    metadata.mkdir()
    (metadata / f"{FRAME}.geo.hgt.tif").write_bytes(b"")
    scene = resolve_scene(interferograms / PAIRS[0])
    assert scene.dem == str(metadata / f"{FRAME}.geo.hgt.tif")
    assert scene.los is None


def test_a_pair_with_several_phase_kinds_maps_the_filtered_wrapped_one(tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path, kinds=("unw", "diff_unfiltered_pha", "diff_pha"), pairs=PAIRS[:1])
    (scene,) = find_scenes(geoc)
    assert scene.phase.path.endswith(".geo.diff_pha.tif") and not scene.unwrapped
    unfiltered = resolve_scene(geoc / PAIRS[0] / f"{PAIRS[0]}.geo.diff_unfiltered_pha.tif")
    assert not unfiltered.unwrapped and unfiltered.coherence is not None
    assert scene_id(unfiltered.address) == f"{FRAME}_{PAIRS[0]}"


def test_unwrapped_pair_is_wrapped_on_reading_with_zero_as_nodata(tmp_path: Path, caplog) -> None:
    geoc = licsbas_frame(tmp_path, pairs=PAIRS[:1])
    with caplog.at_level(logging.INFO, logger="massmap"), open_scene(geoc / PAIRS[0]) as scene:
        w = scene.read()
    assert "unwrapped phase (LiCSAR" in caplog.text and "wrapped into [-pi, pi) on reading" in caplog.text
    assert scene.kind == "unwrapped-phase"
    expected = unwrapped_bowl(0)[EMPTY_ROWS:]
    np.testing.assert_allclose(np.exp(1j * w.phase_rad[EMPTY_ROWS:]), np.exp(1j * expected), atol=1e-5)
    assert w.phase_rad[EMPTY_ROWS:].min() >= -np.pi and w.phase_rad[EMPTY_ROWS:].max() < np.pi
    # LiCSAR's 0 is nodata in phase and coherence alike: the empty rows are invalid, the rest valid.
    assert not w.valid[:EMPTY_ROWS].any() and w.valid[EMPTY_ROWS:].all()
    np.testing.assert_allclose(w.coherence[EMPTY_ROWS:], 150 / 255, atol=1e-6)


def test_zero_nodata_can_be_switched_off(tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path, pairs=PAIRS[:1], kinds=("diff_pha",))
    with open_scene(geoc / PAIRS[0], zero_nodata=False) as scene:
        w = scene.read()
    assert w.valid.all()
    assert coherence_u8()[0, 0] == 0 and w.coherence[0, 0] == 0.0


def test_geoc_folder_given_to_predict_is_refused_with_the_way_out(tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path)
    with pytest.raises(BadInputError, match="holds 3 interferograms.*predict-batch") as info:
        open_scene(geoc)
    assert str(geoc) in str(info.value)


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no interferogram found"):
        find_scenes(tmp_path)


def test_info_reads_a_pair_folder(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from massmap.cli import app

    geoc = licsbas_frame(tmp_path, pairs=PAIRS[:1])
    result = CliRunner().invoke(app, ["info", str(geoc / PAIRS[0])])
    assert result.exit_code == 0, result.output
    assert "unwrapped-phase" in result.output and "0.0625" in result.output  # 4 of 64 rows are nodata


def test_frame_enu_points_to_the_satellite_and_is_turned_round_with_all_zero_as_nodata() -> None:
    east, north, up = (np.array([[v, 0.0]], np.float32) for v in (0.62, -0.13, 0.77))
    look = licsar.look_enu([east, north, up], Path("012A.geo.E.tif"))
    np.testing.assert_allclose(look[:, 0, 0], [-0.62, 0.13, -0.77])
    assert np.isnan(look[:, 0, 1]).all()
