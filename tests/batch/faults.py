"""Faults injected into batch tasks: a worker process that dies mid-scene once, a task that raises."""

from __future__ import annotations

import os
from pathlib import Path

from massmap.batch import run


def crash_or_raise(entry, out_dir, settings, *, marker_dir: str, die_once: str = "", raise_once: str = "",
                   raise_always: str = ""):
    """Run `map_scene`, but kill the worker after the first output of `die_once` is published (first attempt
    only), raise on the first attempt of `raise_once`, and raise every time for `raise_always`."""
    markers = Path(marker_dir)
    if entry.scene_id == raise_always:
        raise RuntimeError(f"injected failure of {entry.scene_id}")
    if entry.scene_id == raise_once and not (markers / f"raised-{entry.scene_id}").exists():
        (markers / f"raised-{entry.scene_id}").touch()
        raise RuntimeError(f"injected one-off failure of {entry.scene_id}")
    if entry.scene_id == die_once and not (markers / f"died-{entry.scene_id}").exists():
        (markers / f"died-{entry.scene_id}").touch()
        publish = run._publish_file

        def publish_then_die(src, dst):
            publish(src, dst)
            os._exit(1)  # the worker process dies with one output in place and no sidecar

        run._publish_file = publish_then_die
    return run.map_scene(entry, out_dir, settings)


def count_attempts(entry, out_dir, settings, *, marker_dir: str):
    """Run `map_scene`, leaving one marker file per attempt so a test can count Dask's retries."""
    import uuid

    (Path(marker_dir) / f"attempt-{entry.scene_id}-{uuid.uuid4().hex[:8]}").touch()
    return run.map_scene(entry, out_dir, settings)
