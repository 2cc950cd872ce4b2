"""Atomic output: write into a private hidden folder beside the target, then rename every file into place.

The private folder's name carries the host and process id of its owner, so a later run can tell the leftovers
of a killed process (SIGKILL, a node lost) from the work of a live one and reclaim them (`reclaim_stale`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil

from massmap.errors import OutputError
from massmap.log import get_logger

log = get_logger(__name__)

PARTIAL_SUFFIX = ".partial"
# Hidden staging folders beside outputs (.NAME.massmap-HOST-PID-RANDOM.partial) and temporary folders
# (massmap-KIND-HOST-PID-RANDOM); tempfile's RANDOM part has no "-".
_OWNED = (re.compile(r"^\..+\.massmap-(?P<host>[^-/]+)-(?P<pid>\d+)-[^-/]+\.partial$"),
          re.compile(r"^massmap-[a-z]+-(?P<host>[^-/]+)-(?P<pid>\d+)-[^-/]+$"))


def owner_tag() -> str:
    """massmap-HOST-PID: names this process's temporary files so others can tell whether their owner still lives."""
    return f"massmap-{socket.gethostname().replace('-', '_')}-{os.getpid()}"


def check_writable(path: str | os.PathLike) -> Path:
    """Refuse an output path whose folder is missing or not writable, before any work is done."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{path}: output folder {folder} is not writable")
    return path


def make_output_folder(path: str | os.PathLike) -> Path:
    """Create an output folder and its parents (existing ones are fine); one OutputError line when it cannot."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create output folder ({exc.strerror})") from None
    return folder


def open_output_folder(path: str | os.PathLike) -> Path:
    """Create (or reuse) an output folder whose parent must exist and be writable; refuse a file in its place."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: not a folder")
    check_writable(folder)
    folder.mkdir(exist_ok=True)
    return folder


def _commit(stage: Path, path: Path) -> None:
    """Rename every file written in `stage` into the target's folder, the target itself last.

    Formats of several files (a Shapefile's .shx, .dbf, .prj, .cpg) arrive together; stale sidecars of an
    older file of the same name that the new one does not have are removed so they cannot be misread with it.
    """
    written = sorted(stage.iterdir(), key=lambda p: p.name == path.name)
    if not any(p.name == path.name for p in written):
        raise OutputError(f"{path}: nothing was written")
    names = {p.name for p in written}
    for sibling in path.parent.glob(f"{glob_escape(path.stem)}.*"):
        if sibling.name not in names and sibling.suffix.lower() in _SIDECAR_SUFFIXES.get(path.suffix.lower(), ()):
            sibling.unlink(missing_ok=True)
    for src in written:
        os.replace(src, path.parent / src.name)


# Files that belong to a main file of the same stem (and must never survive from an older one).
_SIDECAR_SUFFIXES = {".shp": (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd")}


def glob_escape(name: str) -> str:
    """A file name with glob's special characters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path of the same name in a private folder beside `path`; move it (and any sidecar
    files written with it) onto `path` only if the block succeeds. Nothing is left behind otherwise."""
    path = check_writable(path)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.{owner_tag()}-", suffix=PARTIAL_SUFFIX, dir=path.parent))
    try:
        with _disk_errors_worded(stage, path):
            yield stage / path.name
        _commit(stage, path)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _publish_folder(stage: Path, folder: Path) -> None:
    """Make a finished staging folder `folder`: renamed into place, or its entries moved into an existing one."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(stage, 0o777 & ~mask)  # mkdtemp makes a private folder; outputs are meant to be read by others
    if not folder.exists():
        os.replace(stage, folder)
        return
    for entry in stage.iterdir():
        dst = folder / entry.name
        if dst.is_dir() and not dst.is_symlink():
            shutil.rmtree(dst)
        os.replace(entry, dst)


def check_output_folder(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Refuse an output folder that is a file, or that exists and is not empty while `overwrite` is False;
    returns it as an absolute path ("." has a name)."""
    folder = Path(os.path.abspath(path))
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{path}: not a folder")
    if folder.is_dir() and not overwrite and any(folder.iterdir()):
        raise OutputError(f"{path}: already exists and is not empty; give --overwrite to write into it")
    return folder


# Live staging folders of this process and the folders they become: a path recorded inside an output (its
# provenance, a report's inputs) names where a staged file will be, not where it lies while the run lasts.
_STAGED_AS: dict[Path, Path] = {}


def published_path(path: str | os.PathLike) -> Path:
    """The absolute path `path` will have once the staging folder of `atomic_folder` holding it is published;
    `path` unchanged when no live staging folder holds it."""
    resolved = Path(path).resolve()
    for stage, folder in list(_STAGED_AS.items()):
        if resolved.is_relative_to(stage):
            return folder / resolved.relative_to(stage)
    return Path(path)


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a private hidden folder beside the output folder `path`; when the block succeeds it becomes `path`
    (renamed into place, or with `overwrite` its entries moved into an existing one). A refused, failed or
    killed run leaves nothing under `path`; a killed run's staging folder is reclaimed by the next run here.
    While the block runs, `published_path` maps the files in the staging folder to their final names.

    An existing `path` that is not empty is refused unless `overwrite`; a file in its place always is.
    """
    folder = check_output_folder(path, overwrite)
    make_output_folder(folder.parent)
    check_writable(folder)
    reclaim_stale(folder.parent)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{owner_tag()}-", suffix=PARTIAL_SUFFIX, dir=folder.parent))
    _STAGED_AS[stage.resolve()] = folder.parent.resolve() / folder.name
    try:
        with _disk_errors_worded(stage, folder):
            yield stage
        _publish_folder(stage, folder)
    finally:
        _STAGED_AS.pop(stage.resolve(), None)
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def private_tempdir(kind: str) -> Iterator[Path]:
    """A temporary folder `massmap-KIND-HOST-PID-...` in the system's temporary folder, removed on exit."""
    reclaim_stale(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=f"massmap-{kind}-{owner_tag().removeprefix('massmap-')}-") as tmp:
        with _disk_errors_worded(Path(tmp), Path(tmp)):
            yield Path(tmp)


# Free space below which a failed write is put down to a full disk.
_FULL_DISK_BYTES = 1 << 20


def write_failure_reason(folder: Path) -> str | None:
    """Why writes into `folder` fail when the machine, not massmap, is the cause: a file-size limit that a file
    there has reached (`ulimit -f`), or a nearly full disk; None otherwise."""
    import resource

    limit, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if limit != resource.RLIM_INFINITY:
        sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
        if any(size >= limit - (64 << 10) for size in sizes):
            return f"file size limit reached (ulimit -f: {limit // 1024} KB)"
    try:
        free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    except OSError:
        return None
    if free < _FULL_DISK_BYTES:
        return "no space left on the device"
    return None


@contextlib.contextmanager
def _disk_errors_worded(folder: Path, target: Path) -> Iterator[None]:
    """Turn any failure of a block writing into `folder` into one OutputError line when a full disk or a
    file-size limit caused it (GDAL reports those as read errors, or not at all, several calls later)."""
    try:
        yield
    except (OutputError, KeyboardInterrupt):
        raise
    except Exception:
        reason = write_failure_reason(folder)
        if reason is None:
            raise
        raise OutputError(f"{target}: cannot write, {reason}") from None


def _owner_is_dead(name: str) -> bool:
    match = _OWNED[0].match(name) or _OWNED[1].match(name)
    if match is None or match["host"] != socket.gethostname().replace("-", "_"):
        return False  # another machine's files (a shared file system): its own next run reclaims them
    return not psutil.pid_exists(int(match["pid"]))


def reclaim_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders that killed massmap processes of this host left in `folder`."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if "massmap-" in p.name]
    except OSError:
        return removed
    for p in candidates:
        if not _owner_is_dead(p.name):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    if removed:
        log.info("removed %d temporary item(s) left by killed massmap runs in %s", len(removed), folder)
    return removed
