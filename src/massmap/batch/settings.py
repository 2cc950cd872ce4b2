"""Defaults of how a batch uses a cluster: the jobs asked of a batch system, the device and threads per scene.

Light on purpose: the command line reads its defaults from here without importing Dask.
"""

from __future__ import annotations

from dataclasses import dataclass

from massmap.errors import BadInputError

# Where each scene is mapped, and the threads GDAL, torch and ONNX Runtime use for it.
DEFAULT_DEVICE = "cpu"
DEFAULT_THREADS_PER_SCENE = 1


@dataclass(frozen=True)
class JobSettings:
    """Workers asked of a batch system (--cluster): jobs, and each job's cores, memory, wall time and queue.

    Each job runs one worker process on `cores` cores; it maps `cores // threads_per_scene` scenes at once, each
    on `threads_per_scene` of them. Unset fields fall back to dask-jobqueue's configuration
    (~/.config/dask/jobqueue.yaml).
    """

    jobs: int = 1
    cores: int = 1
    memory: str = "4GB"
    walltime: str | None = None
    queue: str | None = None
    account: str | None = None
    scheduler_host: str | None = None
    threads_per_scene: int = DEFAULT_THREADS_PER_SCENE

    def check(self) -> None:
        """Refuse counts a batch system cannot be asked for, before anything starts."""
        if self.jobs < 1 or self.cores < 1:
            raise BadInputError(f"--jobs and --cores-per-job must be at least 1, got {self.jobs} and {self.cores}")
        if self.threads_per_scene > self.cores:
            raise BadInputError(f"--threads-per-scene {self.threads_per_scene} is more than --cores-per-job "
                                f"{self.cores}")
