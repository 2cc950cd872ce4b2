"""Batches on shared clusters: a bad scene fails once in one line, shares of a catalogue written by separate
runs into one folder and merged once, a scheduler and workers started as separate processes from a scheduler
file, batch-system job scripts, and devices."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from typer.testing import CliRunner

from massmap.batch import predict_batch, read_catalog
from massmap.batch.catalog import SceneEntry
from massmap.batch.cluster import JobSettings, jobqueue_cluster
from massmap.batch.run import (
    STAGING_DIR,
    merge_batch,
    parse_shard,
    polygons_path,
    probability_path,
    shard_of,
)
from massmap.cli import app
from massmap.errors import BadInputError
from massmap.predict import predict_scene
from tests.batch.faults import count_attempts
from tests.conftest import write_raster

REPO = Path(__file__).resolve().parents[2]


def _batch(scenes, out: Path, model: Path, **kwargs):
    return predict_batch(scenes, out, model=model, backend="torch", progress=False, **kwargs)


@pytest.fixture(scope="module")
def with_bad_scene(simulated_catalog: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated catalogue's second scene, then an unwrapped phase (0 to 40 rad)."""
    folder = tmp_path_factory.mktemp("bad")
    bad = write_raster(folder / "unwrapped_phase.tif",
                       np.linspace(0, 40, 128 * 128, dtype=np.float32).reshape(128, 128))
    lines = simulated_catalog.read_text().splitlines()
    rows = [f"{simulated_catalog.parent / lines[2].split(',')[0]}", str(bad)]
    (folder / "list.csv").write_text("phase\n" + "\n".join(rows) + "\n")
    return folder / "list.csv"


def test_a_bad_scene_fails_once_in_one_line_and_shows_no_polygon_count(
    tiny_model: Path, with_bad_scene: Path, cluster_address: str, tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    args = ["predict-batch", "--catalog", str(with_bad_scene), "--out-dir", str(out), "--scheduler", cluster_address,
            "--model", str(tiny_model), "--backend", "torch"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    errors = [ln for ln in result.output.splitlines() if "unwrapped_phase.tif" in ln and "error" in ln]
    assert len(errors) == 1 and errors[0].startswith("error: ") and "outside [-pi, pi]" in errors[0], result.output
    assert "BadInputError" not in result.output and "Traceback" not in result.output
    assert "1 mapped, 0 already complete, 1 failed" in result.output
    table_row = [ln.split("│") for ln in result.output.splitlines() if "unwrapped " in ln and "failed" in ln]
    assert len(table_row) == 1, result.output
    assert [c.strip() for c in table_row[0][5:7]] == ["-", "-"]  # polygons and detected m2: nothing, not 0
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert summary["status"].tolist() == ["mapped", "failed"]
    assert summary["polygons"].iloc[1] == "" and summary["detected_area_m2"].iloc[1] == ""  # not 0
    assert not (out / STAGING_DIR).exists()


def test_a_bad_scene_is_attempted_once(tiny_model: Path, with_bad_scene: Path, cluster_address: str,
                                       tmp_path: Path) -> None:
    import functools

    (tmp_path / "markers").mkdir()
    scenes = read_catalog(with_bad_scene)[1:]
    task = functools.partial(count_attempts, marker_dir=str(tmp_path / "markers"))
    result = _batch(scenes, tmp_path / "out", tiny_model, scheduler=cluster_address, task=task)
    assert [o.status for o in result.outcomes] == ["failed"]
    assert len(list((tmp_path / "markers").iterdir())) == 1  # no retry


def test_shares_written_by_separate_runs_merge_into_one_catalogue(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, tmp_path: Path,
) -> None:
    scenes = read_catalog(simulated_catalog)
    out = tmp_path / "out"
    first = _batch(scenes, out, tiny_model, scheduler=cluster_address, shard=(1, 2))
    second = _batch(scenes, out, tiny_model, scheduler=cluster_address, shard=(2, 2))
    assert [o.entry.scene_id for o in first.outcomes] == [scenes[0].scene_id, scenes[2].scene_id]
    assert [o.entry.scene_id for o in second.outcomes] == [scenes[1].scene_id]
    assert not (out / "catalogue.gpkg").exists() and not (out / "summary.csv").exists()
    merged = merge_batch(scenes, out, model=tiny_model)
    assert [o.status for o in merged.outcomes] == ["mapped"] * 3
    catalogue = gpd.read_file(out / "catalogue.gpkg")
    per_scene = sum(len(gpd.read_file(polygons_path(out, s.scene_id))) for s in scenes)
    assert len(catalogue) == per_scene and set(catalogue["scene"]) <= {s.scene_id for s in scenes}


def test_merge_lists_a_share_not_yet_done_as_missing(tiny_model, simulated_catalog, cluster_address, tmp_path):
    scenes = read_catalog(simulated_catalog)
    out = tmp_path / "out"
    _batch(scenes, out, tiny_model, scheduler=cluster_address, shard=(2, 3))
    result = CliRunner().invoke(app, ["merge-batch", "--catalog", str(simulated_catalog), "--out-dir", str(out),
                                      "--model", str(tiny_model), "-q"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and all(ln.startswith("error:") and "no sidecar" in ln for ln in lines)
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert summary["status"].tolist() == ["missing", "mapped", "missing"]


def test_merge_refuses_shares_of_other_models_or_settings_and_writes_nothing(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, tmp_path: Path,
) -> None:
    scenes = read_catalog(simulated_catalog)
    out = tmp_path / "out"
    _batch(scenes, out, tiny_model, scheduler=cluster_address, shard=(1, 3))
    _batch(scenes, out, tiny_model, scheduler=cluster_address, shard=(2, 3), threshold=0.7)
    with pytest.raises(BadInputError, match="mapped with 2 different settings"):
        merge_batch(scenes, out, model=tiny_model)
    with pytest.raises(BadInputError, match="give the batch's --model"):
        merge_batch(scenes, out)  # the default model did not make them
    with pytest.raises(BadInputError, match="none of the 3 scenes has finished outputs"):
        merge_batch(scenes, tmp_path, model=tiny_model)
    assert not (out / "catalogue.gpkg").exists() and not (out / "summary.csv").exists()
    assert not (tmp_path / "summary.csv").exists()


@pytest.mark.parametrize("text, env, expected", [
    ("3/8", {}, (3, 8)), (None, {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "0",
                                 "SLURM_ARRAY_TASK_COUNT": "10"}, (5, 10)),
    (None, {"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4"}, (1, 4)),
    (None, {}, None),
])
def test_shard_from_the_option_or_the_job_array(text, env, expected) -> None:
    assert parse_shard(text, env) == expected


def test_shards_cover_every_scene_once() -> None:
    scenes = [SceneEntry(f"s{i}", Path(f"s{i}.tif")) for i in range(10)]
    shares = [shard_of(scenes, (k, 3)) for k in (1, 2, 3)]
    assert sorted(s.scene_id for share in shares for s in share) == sorted(s.scene_id for s in scenes)
    assert [len(s) for s in shares] == [4, 3, 3]
    with pytest.raises(BadInputError, match="between 1 and N"):
        shard_of(scenes, (4, 3))


def _wait_for(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.5)


def test_a_scheduler_and_workers_started_as_separate_processes_from_a_scheduler_file(
    tiny_model: Path, simulated_catalog: Path, tmp_path: Path,
) -> None:
    """`dask scheduler --scheduler-file` and a `dask worker` of two threads, as on a hand-started cluster: the
    worker maps two scenes at once from one shared model."""
    file = tmp_path / "scheduler.json"
    paths = [str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker"]
    # Own sessions: stopping them signals their process groups, never pytest's.
    started = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [subprocess.Popen([*dask, "--scheduler-file", str(file), "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard"], **started)]
    try:
        _wait_for(file)
        procs.append(subprocess.Popen([*worker, "--scheduler-file", str(file), "--host", "127.0.0.1",
                                       "--nthreads", "2", "--no-nanny", "--no-dashboard"], **started))
        scenes = read_catalog(simulated_catalog)
        result = CliRunner().invoke(app, [
            "predict-batch", "--catalog", str(simulated_catalog), "--out-dir", str(tmp_path / "out"),
            "--scheduler-file", str(file), "--model", str(tiny_model), "--backend", "torch", "-q"])
        assert result.exit_code == 0, result.output
        summary = pd.read_csv(tmp_path / "out" / "summary.csv", keep_default_na=False)
        assert summary["status"].tolist() == ["mapped"] * len(scenes)
        assert {w.rsplit(":", 1)[1] for w in summary["worker"]} == {str(procs[1].pid)}
        # Two scenes at once in one worker give the map one scene alone in this process gives.
        alone = predict_scene(scenes[1].phase, coherence=scenes[1].coherence, model=tiny_model, backend="torch",
                              progress=False, return_probability=True).probability
        with rasterio.open(probability_path(tmp_path / "out", scenes[1].scene_id)) as src:
            np.testing.assert_allclose(src.read(1), alone, atol=1e-5)
    finally:
        _stop(procs)


def _stop(procs: list[subprocess.Popen]) -> None:
    """Stop the worker, then the scheduler: SIGTERM, and SIGKILL to the process's own session if it lingers."""
    import signal

    for p in reversed(procs):
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=15)


@pytest.mark.parametrize("kind, lines", [
    ("slurm", ["#SBATCH -p normal", "#SBATCH --cpus-per-task=4", "#SBATCH -t 01:00:00", "#SBATCH -A geo"]),
    ("pbs", ["#PBS -q normal", "ncpus=4", "#PBS -l walltime=01:00:00", "#PBS -A geo"]),
    ("lsf", ["#BSUB -q normal", "#BSUB -n 4", "#BSUB -W 01:00", '#BSUB -P "geo"']),
])
def test_batch_system_jobs_run_one_worker_whose_threads_map_one_scene_each(kind: str, lines: list[str]) -> None:
    settings = JobSettings(jobs=2, cores=4, memory="8GB", walltime="01:00:00", queue="normal", account="geo",
                           scheduler_host="127.0.0.1")
    with jobqueue_cluster(kind, settings, dashboard_address=None) as cluster:
        script = cluster.job_script()
    for line in lines + ["--nthreads 4", "export OMP_NUM_THREADS=1", "export GDAL_NUM_THREADS=1"]:
        assert line in script, script


def test_an_unknown_batch_system_is_one_line() -> None:
    with pytest.raises(BadInputError, match="choose one of slurm, pbs, lsf"):
        jobqueue_cluster("sge", JobSettings())
