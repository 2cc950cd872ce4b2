"""Workers do not oversubscribe cores: a scene's GDAL, torch and ONNX Runtime threads follow --threads-per-scene,
and the threads of one worker share one model, loaded and built once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rasterio

from massmap.batch import read_catalog
from massmap.batch import run as batch_run
from massmap.batch.cluster import JobSettings, jobqueue_cluster
from massmap.batch.run import BatchSettings, map_scene, model_id
from massmap.errors import BadInputError
from massmap.predict.settings import PredictSettings


def test_a_scene_gives_gdal_and_the_network_runner_its_threads(
    tiny_model: Path, simulated_catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    from massmap.predict import run as predict_run

    seen: dict = {}
    real = predict_run.make_runner

    def spy(loaded, backend, num_threads):
        seen.update(runner=num_threads, gdal=rasterio.env.getenv().get("GDAL_NUM_THREADS"))
        return real(loaded, backend, num_threads)

    monkeypatch.setattr(predict_run, "make_runner", spy)
    threads_before = torch.get_num_threads()
    settings = BatchSettings(str(tiny_model), model_id(tiny_model), PredictSettings(backend="torch"),
                             threads_per_scene=3)
    outcome = map_scene(read_catalog(simulated_catalog)[1], tmp_path, settings)
    assert outcome.status == "mapped"
    assert seen == {"runner": 3, "gdal": "3"}
    assert torch.get_num_threads() == threads_before  # the caller's own setting is given back


def test_threads_of_one_worker_load_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from massmap.models import store

    calls = []

    def slow_load(model, device=None):
        calls.append(model)
        time.sleep(0.2)
        return object()

    monkeypatch.setattr(store, "load_model", slow_load)
    monkeypatch.setattr(batch_run, "_MODEL_CACHE", {})
    settings = BatchSettings("some-model", "sha256:1")
    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(lambda _: batch_run._loaded_model(settings), range(4)))
    assert len(calls) == 1 and all(m is models[0] for m in models)


def test_threads_sharing_a_loaded_model_build_its_network_once(tiny_model: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from massmap.models import store

    built = []

    def slow_build(card, path, device):
        built.append(path)
        time.sleep(0.2)
        return object()

    monkeypatch.setattr(store, "_build_network", slow_build)
    loaded = store.load_model(tiny_model, device="cpu")
    with ThreadPoolExecutor(4) as pool:
        nets = list(pool.map(lambda _: loaded.net, range(4)))
    assert len(built) == 1 and all(n is nets[0] for n in nets)


def test_a_batch_job_of_8_cores_maps_4_scenes_of_2_threads() -> None:
    settings = JobSettings(cores=8, memory="16GB", threads_per_scene=2, scheduler_host="127.0.0.1")
    with jobqueue_cluster("slurm", settings, dashboard_address=None) as cluster:
        script = cluster.job_script()
    for line in ["#SBATCH --cpus-per-task=8", "--nthreads 4", "export OMP_NUM_THREADS=2",
                 "export GDAL_NUM_THREADS=2"]:
        assert line in script, script


def test_more_threads_per_scene_than_cores_per_job_is_refused() -> None:
    with pytest.raises(BadInputError, match="--threads-per-scene 4 is more than --cores-per-job 2"):
        jobqueue_cluster("pbs", JobSettings(cores=2, threads_per_scene=4))
