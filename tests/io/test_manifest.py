"""The manifest of training and evaluation pairs."""

from __future__ import annotations

import pytest

from massmap.errors import BadInputError
from massmap.io.manifest import ManifestRow, read_manifest, write_manifest


def touch(path):
    path.write_bytes(b"x")
    return path


def test_round_trip_with_relative_paths(tmp_path):
    (tmp_path / "s").mkdir()
    rows = [
        ManifestRow(phase=touch(tmp_path / "s/a_phase.tif"), labels=touch(tmp_path / "s/a_labels.gpkg"), split="train",
                    coherence=touch(tmp_path / "s/a_coh.tif")),
        ManifestRow(phase=touch(tmp_path / "s/b_phase.tif"), labels=None, split="val", negative="atmosphere"),
    ]
    path = write_manifest(rows, tmp_path / "manifest.csv")
    text = path.read_text()
    assert "s/a_phase.tif" in text and str(tmp_path) not in text
    back = read_manifest(path)
    assert [r.phase.resolve() for r in back] == [r.phase.resolve() for r in rows]
    assert back[1].is_hard_negative and not back[0].is_hard_negative
    assert back[1].coherence is None


def test_ifg_column_is_accepted(tmp_path):
    touch(tmp_path / "x.tif")
    (tmp_path / "m.csv").write_text("ifg,labels,split\nx.tif,,test\n")
    assert read_manifest(tmp_path / "m.csv")[0].phase == tmp_path / "x.tif"


@pytest.mark.parametrize(
    "text, message",
    [
        ("phase,split\nx.tif,train\n", "lacks column"),
        ("phase,labels,split\nx.tif,,training\n", "split 'training'"),
        ("phase,labels,split\nmissing.tif,,train\n", "line 2: phase file missing.tif not found"),
        ("phase,labels,split\n", "no rows"),
    ],
)
def test_bad_manifests_are_refused(tmp_path, text, message):
    touch(tmp_path / "x.tif")
    (tmp_path / "m.csv").write_text(text)
    with pytest.raises(BadInputError, match=message):
        read_manifest(tmp_path / "m.csv")


def test_los_and_traps_columns_round_trip_and_old_manifests_still_read(tmp_path):
    rows = [ManifestRow(phase=touch(tmp_path / "a_phase.tif"), labels=None, split="train",
                        dem=touch(tmp_path / "a_dem.tif"), los=touch(tmp_path / "a_los.tif"),
                        traps=touch(tmp_path / "a_traps.tif"))]
    back = read_manifest(write_manifest(rows, tmp_path / "manifest.csv"))[0]
    assert (back.los, back.traps) == (tmp_path / "a_los.tif", tmp_path / "a_traps.tif")
    # A manifest written before the columns existed reads with neither.
    (tmp_path / "old.csv").write_text("phase,coherence,labels,split,dem,negative\na_phase.tif,,,train,a_dem.tif,\n")
    old = read_manifest(tmp_path / "old.csv")[0]
    assert (old.dem, old.los, old.traps) == (tmp_path / "a_dem.tif", None, None)
