"""The scenes of a batch: phase files with their companions, dates and orbit direction.

Dates and orbit come from product names when they can be read there (LiCSAR, HyP3), and from the catalogue
CSV when it gives them (the CSV wins). Catalogue columns: `phase` (required), `coherence`, `dem`, `los` (LOS
geometry, see `massmap.io.los`), `orbit`, `date1`, `date2`; relative paths resolve against the CSV's folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from massmap.errors import BadInputError
from massmap.io.manifest import listed_path

ASCENDING = "ascending"
DESCENDING = "descending"
ORBITS = (ASCENDING, DESCENDING)
CATALOG_COLUMNS = ("phase", "coherence", "dem", "los", "orbit", "date1", "date2")

# LiCSAR frame id: 3-digit relative orbit (track) + A/D, burst id, burst counts, e.g. 012A_05443_131313.
_LICSAR_FRAME = re.compile(r"(?<!\d)(\d{3})([AD])_\d{5}_\d{6}(?!\d)")
_LICSAR_NAME = re.compile(r"(?:^|_)(\d{8})_(\d{8})\.geo\.diff_pha\.tif$", re.IGNORECASE)
# HyP3 INSAR_GAMMA: S1 + two platform letters, reference and secondary acquisition start times.
_HYP3_NAME = re.compile(r"^S1[A-D_]{2}_(\d{8})T\d{6}_(\d{8})T\d{6}_")
_ANY_DATE_PAIR = re.compile(r"(?<!\d)(\d{8})[_-](\d{8})(?!\d)")
# Product suffixes dropped from a phase file name to name its outputs.
_PHASE_SUFFIXES = (".geo.diff_pha.tif", "_wrapped_phase.tif", "_phase.tif")
_ORBIT_WORDS = {"a": ASCENDING, "asc": ASCENDING, "ascending": ASCENDING,
                "d": DESCENDING, "desc": DESCENDING, "descending": DESCENDING}


@dataclass(frozen=True)
class NameFacts:
    """What a product name tells: product family, acquisition dates and orbit direction (None when unknown)."""

    family: str
    date1: dt.date | None = None
    date2: dt.date | None = None
    orbit: str | None = None


@dataclass(frozen=True)
class SceneEntry:
    """One scene of a batch: its output name (`scene_id`), phase file, companions, dates and orbit."""

    scene_id: str
    phase: Path
    coherence: Path | None = None
    dem: Path | None = None
    orbit: str | None = None
    date1: dt.date | None = None
    date2: dt.date | None = None
    los: Path | None = None


def _date(text: str, source: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise BadInputError(f"{source}: {text!r} is not a date (YYYYMMDD or YYYY-MM-DD)")


def _date_or_none(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def parse_orbit(text: str, source: str = "orbit") -> str | None:
    """`ascending`/`descending` from A, asc, ascending, D, desc, descending (any case); None for empty."""
    text = text.strip().lower()
    if not text:
        return None
    if text not in _ORBIT_WORDS:
        raise BadInputError(f"{source}: orbit {text!r} is not ascending or descending")
    return _ORBIT_WORDS[text]


def parse_scene_name(path: str | os.PathLike) -> NameFacts:
    """Dates and orbit direction read from a LiCSAR or HyP3 file name (and a LiCSAR frame folder), if present.

    LiCSAR `TRACK_FRAME_..._YYYYMMDD_YYYYMMDD.geo.diff_pha.tif`: the track number's A/D gives the orbit, also when
    the frame id is a parent folder. HyP3 `S1AA_YYYYMMDDTHHMMSS_YYYYMMDDTHHMMSS_...`: dates only.
    """
    path = Path(path)
    name = path.name
    licsar = _LICSAR_NAME.search(name)
    if licsar:
        frame = _LICSAR_FRAME.search(name) or next(
            (m for m in (_LICSAR_FRAME.search(p) for p in reversed(path.parent.parts)) if m), None)
        orbit = _ORBIT_WORDS[frame.group(2).lower()] if frame else None
        return NameFacts("LiCSAR", _date_or_none(licsar.group(1)), _date_or_none(licsar.group(2)), orbit)
    hyp3 = _HYP3_NAME.search(name)
    if hyp3:
        return NameFacts("HyP3", _date_or_none(hyp3.group(1)), _date_or_none(hyp3.group(2)))
    pair = _ANY_DATE_PAIR.search(name)
    if pair:
        return NameFacts("unknown", _date_or_none(pair.group(1)), _date_or_none(pair.group(2)))
    return NameFacts("unknown")


def scene_id(path: str | os.PathLike) -> str:
    """The name a scene's outputs carry: the phase file name less its product suffix (LiCSAR frame kept)."""
    path = Path(path)
    name = path.name
    stem = next((name[: -len(s)] for s in _PHASE_SUFFIXES if name.lower().endswith(s)), path.stem)
    # LiCSAR names interferograms by dates only inside a frame folder: keep the frame so frames do not collide.
    if name.lower().endswith(".geo.diff_pha.tif") and not _LICSAR_FRAME.search(stem):
        frame = next((m.group(0) for m in (_LICSAR_FRAME.search(p) for p in reversed(path.parent.parts)) if m), None)
        if frame:
            stem = f"{frame}_{stem}"
    return stem


def scene_entry(
    phase: str | os.PathLike,
    coherence: str | os.PathLike | None = None,
    dem: str | os.PathLike | None = None,
    orbit: str | None = None,
    date1: dt.date | None = None,
    date2: dt.date | None = None,
    los: str | os.PathLike | None = None,
) -> SceneEntry:
    """A scene from its phase file; dates and orbit not given are read from the file name when possible."""
    phase = Path(phase)
    facts = parse_scene_name(phase)
    return SceneEntry(
        scene_id=scene_id(phase), phase=phase,
        coherence=Path(coherence) if coherence else None, dem=Path(dem) if dem else None,
        orbit=orbit or facts.orbit, date1=date1 or facts.date1, date2=date2 or facts.date2,
        los=Path(los) if los else None,
    )


def check_unique(entries: Iterable[SceneEntry]) -> list[SceneEntry]:
    """Refuse two scenes whose outputs would carry the same name; check that every phase file exists."""
    seen: dict[str, Path] = {}
    out = list(entries)
    for e in out:
        if not e.phase.exists():
            raise BadInputError(f"{e.phase}: file not found")
        if e.scene_id in seen:
            raise BadInputError(f"{e.phase}: same output name {e.scene_id!r} as {seen[e.scene_id]}; rename one")
        seen[e.scene_id] = e.phase
    if not out:
        raise BadInputError("no scenes given")
    return out


def scenes_from_paths(paths: Iterable[str | os.PathLike]) -> list[SceneEntry]:
    """Scenes from phase file paths (coherence found later from product naming, dates/orbit from names)."""
    return check_unique(scene_entry(p) for p in paths)


def read_catalog(path: str | os.PathLike) -> list[SceneEntry]:
    """Read a catalogue CSV (`phase` required; `coherence`, `dem`, `los`, `orbit`, `date1`, `date2` optional)."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: catalogue not found")
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [h.strip() for h in reader.fieldnames or []]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"{path}: not a CSV catalogue ({exc})") from None
    if "phase" not in header:
        raise BadInputError(f"{path}: catalogue lacks the column phase")
    if not rows:
        raise BadInputError(f"{path}: catalogue has no rows")
    base = path.parent
    entries = []
    for line, raw in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        where = f"{path}: line {line}"
        phase = listed_path(row, "phase", base, where)
        if phase is None:
            raise BadInputError(f"{where}: empty phase")
        entry = scene_entry(phase, listed_path(row, "coherence", base, where), listed_path(row, "dem", base, where),
                            los=listed_path(row, "los", base, where))
        orbit = parse_orbit(row.get("orbit", ""), where)
        date1 = _date(row["date1"], where) if row.get("date1") else None
        date2 = _date(row["date2"], where) if row.get("date2") else None
        entries.append(replace(entry, orbit=orbit or entry.orbit, date1=date1 or entry.date1,
                               date2=date2 or entry.date2))
    return check_unique(entries)
