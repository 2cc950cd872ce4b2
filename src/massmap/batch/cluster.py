"""The Dask cluster a batch runs on: a local one of single-threaded worker processes, or an existing scheduler.

Both give a `distributed.Client`, so the batch code path is the same on a laptop and on a cluster.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from distributed import Client, LocalCluster

from massmap.errors import BadInputError
from massmap.log import get_logger

log = get_logger(__name__)

# Seconds to wait for an existing scheduler before giving up.
CONNECT_TIMEOUT_S = 30


def default_workers() -> int:
    """One worker per CPU core this process may use."""
    from massmap.predict.backends import available_cores

    return max(1, available_cores())


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    n_workers: int | None = None,
    dashboard_address: str | None = ":8787",
) -> Iterator[Client]:
    """A client on `scheduler` (e.g. tcp://host:8786), or on a new LocalCluster of `n_workers` processes.

    Local workers run one thread each (torch and ONNX Runtime are told to use one too), so N workers use N cores.
    `dashboard_address=None` starts no dashboard.
    """
    if scheduler:
        if n_workers:
            log.warning("--workers is ignored with --scheduler: the existing cluster has its own workers")
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise BadInputError(f"{scheduler}: cannot reach the Dask scheduler ({exc})") from None
        with client:
            yield client
        return
    n = n_workers or default_workers()
    if n < 1:
        raise BadInputError(f"--workers must be at least 1, got {n}")
    with LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=dashboard_address,
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        yield client


def dashboard_link(client: Client) -> str | None:
    """The address of the cluster's dashboard, or None when it runs without one."""
    try:
        services = client.scheduler_info().get("services", {})
    except (OSError, TimeoutError):
        return None
    return client.dashboard_link if "dashboard" in services else None
