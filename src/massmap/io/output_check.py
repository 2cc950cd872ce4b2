"""Output paths checked before any work: never an input, never a folder, never replaced without --overwrite."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from massmap.atomic import check_writable, reclaim_stale
from massmap.errors import OutputError
from massmap.io.formats import output_files


def _same_file(a: Path, b: Path) -> bool:
    """True when two paths name one file (through links, relative parts or case-insensitive file systems)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _is_input(path: Path, inputs: list[Path]) -> Path | None:
    resolved = path.resolve()
    for src in inputs:
        if src.resolve() == resolved or _same_file(path, src):
            return src
    return None


def check_outputs(
    outputs: Mapping[str, str | os.PathLike | None],
    inputs: Iterable[str | os.PathLike | None] = (),
    overwrite: bool = False,
) -> dict[str, Path]:
    """Refuse, before any work, outputs that would destroy an input, collide, or replace a file unasked.

    `outputs` maps an option name (e.g. "--output") to its path (None: not written). An output is refused when
    any of its files (a Shapefile's sidecars too) is one of `inputs`, is a folder, exists while `overwrite`
    is False, exists read-only, or lies in a missing or read-only folder; two outputs may not share a file.
    Temporary files that killed runs left in the output folders are reclaimed. Returns the outputs given.
    """
    given = {name: Path(p) for name, p in outputs.items() if p is not None}
    sources = [Path(p) for p in inputs if p is not None]
    seen: dict[Path, str] = {}
    for option, path in given.items():
        for file in output_files(path):
            source = _is_input(file, sources)
            if source is not None:
                raise OutputError(f"{file}: {option} would overwrite the input {source}; choose another name")
            if file.is_dir():
                raise OutputError(f"{file}: {option} is a folder; give a file name inside it")
            key = file.resolve()
            if key in seen:
                raise OutputError(f"{file}: {seen[key]} and {option} name the same file")
            seen[key] = option
            if file.exists():
                if not overwrite:
                    raise OutputError(f"{file}: already exists; give --overwrite to replace it")
                if not os.access(file, os.W_OK):
                    raise OutputError(f"{file}: exists and is read-only")
        check_writable(path)
    for folder in {p.parent for p in given.values()}:
        reclaim_stale(folder)
    return given
