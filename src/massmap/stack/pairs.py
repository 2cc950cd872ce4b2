"""The pairs of a stack: interferograms of one frame with their two acquisition dates, in date order.

Inputs are phase files, folders holding products (a LiCSAR/LiCSBAS `GEOC` folder, HyP3 or massmap products,
searched recursively) and catalog CSVs (`massmap.batch.catalog`, as `predict-batch --catalog` reads); dates come
from the product names or the catalog's `date1` and `date2` columns.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from massmap.batch.catalog import SceneEntry, check_unique, read_catalog, scene_entry
from massmap.errors import BadInputError

# Phase products found in a folder, most specific first: LiCSAR, HyP3, massmap's simulator.
FOLDER_PATTERNS = ("*.geo.diff_pha.tif", "*_wrapped_phase.tif", "*_phase.tif")


def _phase_files_in(folder: Path) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in FOLDER_PATTERNS:
        for path in sorted(folder.rglob(pattern)):
            if ".massmap-staging" not in path.parts:
                found.setdefault(path, None)
    if not found:
        raise BadInputError(f"{folder}: no interferograms found (looked for {', '.join(FOLDER_PATTERNS)})")
    return list(found)


def pair_dates(entry: SceneEntry) -> tuple[dt.date, dt.date]:
    """The two acquisition dates of a stack pair (`stack_entries` guarantees both)."""
    if entry.date1 is None or entry.date2 is None:
        raise BadInputError(f"{entry.phase}: no acquisition dates")
    return entry.date1, entry.date2


def stack_span(entries: Iterable[SceneEntry]) -> tuple[dt.date, dt.date]:
    """The first and last acquisition dates of a stack."""
    dates = [d for e in entries for d in pair_dates(e)]
    return min(dates), max(dates)


def stack_entries(inputs: Iterable[str | os.PathLike]) -> list[SceneEntry]:
    """The pairs of a stack from files, folders and catalog CSVs, sorted by (date1, date2); every pair needs
    both dates and the second after the first."""
    entries: list[SceneEntry] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            entries += [scene_entry(p) for p in _phase_files_in(path)]
        elif path.suffix.lower() == ".csv":
            entries += read_catalog(path)
        else:
            entries.append(scene_entry(path))
    entries = check_unique(entries)
    for e in entries:
        if e.date1 is None or e.date2 is None:
            raise BadInputError(f"{e.phase}: no acquisition dates in its name (YYYYMMDD_YYYYMMDD); "
                                "give them as date1 and date2 in a catalog CSV")
        if e.date2 <= e.date1:
            raise BadInputError(f"{e.phase}: second date {e.date2} is not after the first {e.date1}")
    if len(entries) < 2:
        raise BadInputError(f"{entries[0].phase}: a stack needs at least two interferograms, got one")
    return sorted(entries, key=lambda e: (*pair_dates(e), e.scene_id))
