"""The local cluster: single-threaded worker processes, one per requested worker, with a dashboard address."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from massmap.batch.cluster import _children_block_ctrl_c, dashboard_link, dask_client


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


def _child_blocks_sigint() -> str:
    code = "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_ctrl_c_while_workers_start_is_answered_after_and_the_workers_never_take_it() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal, even under `pytest &`
    went_on = []
    with pytest.raises(KeyboardInterrupt):
        with _children_block_ctrl_c():
            assert _child_blocks_sigint() == "True"  # a process started here never takes Ctrl-C
            # Ctrl-C while the workers start, sent to this thread (another test's threads may still run): held, not
            # dropped.
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            went_on.append(True)
    assert went_on == [True]  # the workers' start was not cut short; the Ctrl-C was answered as it ended
    assert _child_blocks_sigint() == "False"  # outside the block, children take Ctrl-C again
