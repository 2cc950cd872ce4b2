"""A scene's output counts as done only when its sidecar vouches for intact files made with the same settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from massmap.batch import read_catalog
from massmap.batch.completeness import incomplete_reason, sidecar_path
from massmap.batch.run import BatchSettings, map_scene, model_id, polygons_path, probability_path
from massmap.predict.settings import PredictSettings


@pytest.fixture(scope="module")
def finished(tiny_model: Path, simulated_catalog: Path, tmp_path_factory: pytest.TempPathFactory):
    """One scene mapped in this process: its output folder, settings and scene id."""
    entry = read_catalog(simulated_catalog)[0]
    settings = BatchSettings(str(tiny_model), model_id(tiny_model), PredictSettings(backend="torch"))
    out = tmp_path_factory.mktemp("finished")
    outcome = map_scene(entry, out, settings)
    assert outcome.status == "mapped"
    return out, settings, entry.scene_id


@pytest.fixture
def copy(finished, tmp_path: Path):
    """A fresh copy of the finished outputs to damage."""
    out, settings, sid = finished
    target = tmp_path / "out"
    shutil.copytree(out, target)
    return target, settings, sid


def _reason(copy) -> str | None:
    out, settings, sid = copy
    return incomplete_reason(sidecar_path(out, sid), settings.model_id, settings.params())


def test_intact_output_is_complete_and_leaves_no_staging(copy) -> None:
    out, _, sid = copy
    assert _reason(copy) is None
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [f"{sid}.done.json", f"{sid}.gpkg", f"{sid}_probability.tif"])
    assert not any((out / ".massmap-staging").iterdir())


def test_truncated_geopackage_is_detected(copy) -> None:
    out, _, sid = copy
    gpkg = polygons_path(out, sid)
    gpkg.write_bytes(gpkg.read_bytes()[: gpkg.stat().st_size // 2])
    assert "bytes, the sidecar says" in _reason(copy)


def test_same_size_different_bytes_is_detected(copy) -> None:
    out, _, sid = copy
    prob = probability_path(out, sid)
    data = bytearray(prob.read_bytes())
    data[-10] ^= 0xFF
    prob.write_bytes(bytes(data))
    assert "SHA-256" in _reason(copy)


def test_missing_output_or_sidecar_is_detected(copy) -> None:
    out, _, sid = copy
    probability_path(out, sid).unlink()
    assert "missing" in _reason(copy)
    sidecar_path(out, sid).unlink()
    assert _reason(copy) == "no sidecar"


def test_unreadable_sidecar_is_detected(copy) -> None:
    out, _, sid = copy
    sidecar_path(out, sid).write_text('{"scene_id": "x"')
    assert "unreadable" in _reason(copy)


def test_other_model_or_parameters_are_not_complete(copy) -> None:
    out, settings, sid = copy
    path = sidecar_path(out, sid)
    assert "not sha256:0000" in incomplete_reason(path, "sha256:0000", settings.params())
    other = BatchSettings(settings.model, settings.model_id, PredictSettings(threshold=0.7, backend="torch"))
    assert "parameters" in incomplete_reason(path, settings.model_id, other.params())


def test_feature_count_must_match_the_sidecar(copy) -> None:
    out, settings, sid = copy
    path = sidecar_path(out, sid)
    data = json.loads(path.read_text())
    data["n_polygons"] += 1
    path.write_text(json.dumps(data))
    assert "features, the sidecar says" in _reason(copy)
