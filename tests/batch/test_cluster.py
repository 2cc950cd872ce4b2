"""The local cluster: single-threaded worker processes, one per requested worker, with a dashboard address."""

from __future__ import annotations

import os

from massmap.batch.cluster import dashboard_link, dask_client


def _threads_and_pid() -> tuple[str, int]:
    return os.environ.get("OMP_NUM_THREADS", ""), os.getpid()


def test_local_cluster_runs_tasks_in_single_threaded_worker_processes() -> None:
    with dask_client(n_workers=2, dashboard_address=":0") as client:
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2
        assert all(w["nthreads"] == 1 for w in workers.values())
        omp, pid = client.submit(_threads_and_pid, pure=False).result()
        assert pid != os.getpid()  # a separate process, not a thread of this one
        assert omp == "1"
        link = dashboard_link(client)
        assert link is not None and link.startswith("http://") and link.endswith("/status")
