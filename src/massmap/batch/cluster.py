"""The Dask cluster a batch runs on: local single-threaded worker processes, an existing scheduler (address or
scheduler file), or workers a batch system starts through dask-jobqueue (SLURM, PBS, LSF).

Each gives a `distributed.Client`, so the batch code path is the same on a laptop and on a cluster.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from massmap.batch.settings import JobSettings
from massmap.errors import BadInputError
from massmap.log import get_logger

if TYPE_CHECKING:
    from distributed import Client

log = get_logger(__name__)

# Seconds to wait for an existing scheduler before giving up.
CONNECT_TIMEOUT_S = 30


def default_workers() -> int:
    """One worker per CPU core this process may use."""
    from massmap.predict.backends import available_cores

    return max(1, available_cores())


# Batch systems dask-jobqueue starts workers on, by --cluster name.
JOBQUEUE_CLUSTERS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "lsf": "LSFCluster"}


# Variables that cap the threads of numerical libraries a worker's tasks call into.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GDAL_NUM_THREADS")


def jobqueue_cluster(kind: str, settings: JobSettings, dashboard_address: str | None = ":8787"):
    """A dask-jobqueue cluster of `kind` (slurm, pbs or lsf), not yet scaled (no job submitted)."""
    check_cluster_choice(cluster=kind, jobs=settings)
    import dask_jobqueue

    cls = getattr(dask_jobqueue, JOBQUEUE_CLUSTERS[kind])
    # The worker gets one thread per scene it maps at once; the job books all its cores for their threads.
    threads = max(1, settings.cores // settings.threads_per_scene)
    options: dict = dict(cores=threads, processes=1, memory=settings.memory, walltime=settings.walltime,
                         queue=settings.queue, account=settings.account)
    if threads != settings.cores:
        booked: dict[str, dict[str, object]] = {
            "slurm": {"job_cpu": settings.cores}, "lsf": {"ncpus": settings.cores},
            "pbs": {"resource_spec": f"select=1:ncpus={settings.cores}:mem={settings.memory}"}}
        options.update(booked[kind])
    if kind == "lsf":
        options["project"] = options.pop("account")
    scheduler_options = {"host": settings.scheduler_host} if settings.scheduler_host else {}
    # Workers tell GDAL, torch and ONNX Runtime how many threads one scene may use.
    env = [f"export {name}={settings.threads_per_scene}" for name in THREAD_VARIABLES]
    return cls(**{k: v for k, v in options.items() if v is not None}, job_script_prologue=env,
               scheduler_options=scheduler_options, dashboard_address=dashboard_address)


def check_cluster_choice(scheduler: str | None = None, scheduler_file: str | os.PathLike | None = None,
                         cluster: str | None = None, jobs: JobSettings | None = None,
                         n_workers: int | None = None) -> None:
    """Refuse a wrong choice of cluster (two at once, an unknown batch system, a missing scheduler file, no
    workers) in one line, before any output is made."""
    if n_workers is not None and n_workers < 1:
        raise BadInputError(f"--workers must be at least 1, got {n_workers}")
    given = [name for name, value in (("--scheduler", scheduler), ("--scheduler-file", scheduler_file),
                                      ("--cluster", cluster)) if value]
    if len(given) > 1:
        raise BadInputError(f"give one of {' and '.join(given)}, not both")
    if cluster is not None:
        if cluster not in JOBQUEUE_CLUSTERS:
            raise BadInputError(f"--cluster {cluster!r}: choose one of {', '.join(JOBQUEUE_CLUSTERS)}")
        (jobs or JobSettings()).check()
    if scheduler_file is not None and not Path(scheduler_file).is_file():
        raise BadInputError(f"{scheduler_file}: scheduler file not found")


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    n_workers: int | None = None,
    dashboard_address: str | None = ":8787",
    *,
    scheduler_file: str | os.PathLike | None = None,
    cluster: str | None = None,
    jobs: JobSettings | None = None,
) -> Iterator[Client]:
    """A client on `scheduler` (e.g. tcp://host:8786), on the scheduler a `scheduler_file` names (dask-mpi, a
    hand-started cluster), on workers a batch system starts (`cluster`: slurm, pbs or lsf, through
    dask-jobqueue), or on a new LocalCluster of `n_workers` processes.

    Local workers run one thread each (torch and ONNX Runtime are told to use one too), so N workers use N cores.
    `dashboard_address=None` starts no dashboard.
    """
    from distributed import Client, LocalCluster

    check_cluster_choice(scheduler, scheduler_file, cluster, jobs, n_workers)
    if scheduler or scheduler_file:
        if n_workers:
            log.warning("--workers is ignored with %s: the existing cluster has its own workers",
                        "--scheduler" if scheduler else "--scheduler-file")
        where = scheduler or scheduler_file
        try:
            client = (Client(scheduler, timeout=CONNECT_TIMEOUT_S) if scheduler
                      else Client(scheduler_file=str(scheduler_file), timeout=CONNECT_TIMEOUT_S))
        except (OSError, TimeoutError, ValueError) as exc:
            raise BadInputError(f"{where}: cannot reach the Dask scheduler ({exc})") from None
        with client:
            yield client
        return
    if cluster:
        settings = jobs or JobSettings()
        with jobqueue_cluster(cluster, settings, dashboard_address) as jq, Client(jq) as client:
            log.info("submitting %d %s job(s) of %d core(s):\n%s", settings.jobs, cluster, settings.cores,
                     jq.job_script())
            jq.scale(jobs=settings.jobs)
            yield client
        return
    n = n_workers or default_workers()
    with _children_block_ctrl_c(), warnings.catch_warnings():
        # A busy dashboard port is replaced by a free one: not worth a warning (the log names the dashboard's link).
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=dashboard_address,
                             silence_logs=logging.ERROR)
    with local, Client(local) as client:
        yield client


@contextlib.contextmanager
def _children_block_ctrl_c() -> Iterator[None]:
    """Processes and threads started inside the block (local Dask workers, the cluster's event loop) never take
    Ctrl-C: it reaches every process of the terminal's job, and only the batch process answers it (one line, then
    it closes the cluster), where each worker would print a KeyboardInterrupt traceback.

    SIGINT is blocked in the block, not ignored: children inherit the blocked mask (across exec too), and a Ctrl-C
    that comes while the workers start waits until the block ends and is then answered, instead of being dropped.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if not hasattr(signal, "pthread_sigmask"):  # Windows: ignored meanwhile, so a Ctrl-C then is dropped
        before_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, before_handler)
        return
    # multiprocessing unblocks SIGINT in the thread that first starts its resource tracker: start it before.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def dashboard_link(client: Client) -> str | None:
    """The address of the cluster's dashboard, or None when it runs without one."""
    try:
        services = client.scheduler_info().get("services", {})
    except (OSError, TimeoutError):
        return None
    return client.dashboard_link if "dashboard" in services else None
