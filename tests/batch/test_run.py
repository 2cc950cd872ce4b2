"""Many scenes on a 2-worker Dask cluster: a worker dying mid-scene, failures, resume, merged catalogue."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from typer.testing import CliRunner

from massmap.batch import predict_batch, read_catalog
from massmap.batch.completeness import sidecar_path
from massmap.batch.run import STAGING_DIR, BatchSettings, map_scene, model_id, polygons_path, probability_path
from massmap.cli import app
from massmap.predict.settings import PredictSettings
from tests.batch.conftest import CATALOG_FACTS
from tests.batch.faults import crash_or_raise


def _batch(scenes, out: Path, model: Path, scheduler: str, **kwargs):
    return predict_batch(scenes, out, model=model, backend="torch", scheduler=scheduler, progress=False, **kwargs)


@pytest.fixture(scope="module")
def reference(tiny_model: Path, simulated_catalog: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every scene mapped one after another in this process, single-threaded: what the cluster must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    settings = BatchSettings(str(tiny_model), model_id(tiny_model), PredictSettings(backend="torch"))
    for entry in read_catalog(simulated_catalog):
        map_scene(entry, out, settings)
    return out


def _assert_same_outputs(out: Path, reference: Path, scene_id: str) -> None:
    got, want = gpd.read_file(polygons_path(out, scene_id)), gpd.read_file(polygons_path(reference, scene_id))
    assert len(got) == len(want)
    assert got.geometry.geom_equals_exact(want.geometry, tolerance=1e-6).all()
    np.testing.assert_allclose(got[["area_m2", "score", "score_max"]].to_numpy(),
                               want[["area_m2", "score", "score_max"]].to_numpy(), rtol=1e-6)
    with rasterio.open(probability_path(out, scene_id)) as a, rasterio.open(probability_path(reference, scene_id)) as b:
        np.testing.assert_allclose(a.read(1), b.read(1), rtol=1e-6, atol=1e-6, equal_nan=True)


def test_worker_death_and_failures_then_rerun_redoes_only_the_rest(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, reference: Path, tmp_path: Path,
) -> None:
    scenes = read_catalog(simulated_catalog)
    ids = [s.scene_id for s in scenes]
    out = tmp_path / "out"
    (tmp_path / "markers").mkdir()
    # Scene 0 kills its worker after its first output is moved into place (first attempt only: the lost worker
    # is retried), scene 1 raises once and scene 2 on every attempt: a raising scene fails at once, not retried.
    faulty = functools.partial(crash_or_raise, marker_dir=str(tmp_path / "markers"), die_once=ids[0],
                               raise_once=ids[1], raise_always=ids[2])
    first = _batch(scenes, out, tiny_model, cluster_address, task=faulty)
    assert [o.status for o in first.outcomes] == ["mapped", "failed", "failed"]
    assert (tmp_path / "markers" / f"died-{ids[0]}").exists()  # the worker really died once
    assert first.outcomes[1].error.endswith(f"RuntimeError: injected one-off failure of {ids[1]}")
    assert "injected failure" in first.outcomes[2].error
    for sid in ids[1:]:
        assert not sidecar_path(out, sid).exists() and not polygons_path(out, sid).exists()
    assert not (out / STAGING_DIR).exists()
    done_before = {sid: sidecar_path(out, sid).stat().st_mtime_ns for sid in ids[:1]}

    second = _batch(scenes, out, tiny_model, cluster_address)
    assert [o.status for o in second.outcomes] == ["skipped", "mapped", "mapped"]
    assert {sid: sidecar_path(out, sid).stat().st_mtime_ns for sid in ids[:1]} == done_before
    for sid in ids:
        _assert_same_outputs(out, reference, sid)
    # Every scene's outputs once: three files per scene, the catalogue and the summary, nothing half-written.
    expected = {f"{sid}{suffix}" for sid in ids for suffix in (".gpkg", "_probability.tif", ".done.json")}
    assert {p.name for p in out.iterdir()} == expected | {"catalogue.gpkg", "summary.csv"}

    catalogue = gpd.read_file(out / "catalogue.gpkg")
    per_scene = sum(len(gpd.read_file(polygons_path(reference, sid))) for sid in ids)
    assert len(catalogue) == per_scene
    facts = catalogue.drop_duplicates("scene").set_index("scene")
    for sid, (orbit, date1, date2) in zip(ids, CATALOG_FACTS):
        if sid in facts.index:
            assert (facts.loc[sid, "orbit"], facts.loc[sid, "date1"], facts.loc[sid, "date2"]) == (orbit, date1, date2)
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert summary["scene"].tolist() == ids
    assert summary["status"].tolist() == ["skipped", "mapped", "mapped"]
    np.testing.assert_allclose(summary["scene_area_km2"], 128 * 128 * 20 * 20 / 1e6)  # 6.5536 km2
    assert summary["polygons"].sum() == per_scene


def test_corrupted_output_is_detected_and_redone(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, reference: Path, tmp_path: Path,
) -> None:
    scenes = read_catalog(simulated_catalog)[:2]
    out = tmp_path / "out"
    shutil.copytree(reference, out)  # complete outputs made by the same model and parameters
    gpkg = polygons_path(out, scenes[1].scene_id)
    gpkg.write_bytes(gpkg.read_bytes()[:4096])  # a partial file under the right name

    result = _batch(scenes, out, tiny_model, cluster_address)
    assert [o.status for o in result.outcomes] == ["skipped", "mapped"]
    _assert_same_outputs(out, reference, scenes[1].scene_id)


def test_cli_maps_a_catalog_on_an_existing_scheduler(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, reference: Path, tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    sid = read_catalog(simulated_catalog)[0].scene_id
    shutil.copy(polygons_path(reference, sid), polygons_path(out, sid))  # outputs without a sidecar: redone
    args = ["predict-batch", "--catalog", str(simulated_catalog), "--out-dir", str(out), "--scheduler", cluster_address,
            "--model", str(tiny_model), "--backend", "torch", "--min-area", "5600"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 mapped, 0 already complete, 0 failed" in result.output
    for entry in read_catalog(simulated_catalog):
        _assert_same_outputs(out, reference, entry.scene_id)

    # The same scenes given as phase files (coherence paired by name): all complete, nothing redone.
    phases = [str(e.phase) for e in read_catalog(simulated_catalog)]
    again = CliRunner().invoke(app, ["predict-batch", *phases, *args[3:]])
    assert again.exit_code == 0, again.output
    assert "0 mapped, 3 already complete, 0 failed" in again.output


def test_cli_refuses_both_inputs_and_catalog(simulated_catalog: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["predict-batch", str(simulated_catalog), "--catalog", str(simulated_catalog),
                                      "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "either phase rasters or --catalog" in result.output
