"""The scenes of a batch: phase files with their companions, dates and orbit direction.

Scenes, dates and orbit come from product naming (`massmap.products`: LiCSAR, HyP3, MintPy, the simulator), and
from the catalog CSV when it gives them (the CSV wins). A path may hold several scenes (a LiCSAR GEOC folder,
a folder of HyP3 zips, a MintPy stack): each becomes one entry. Catalog columns: `phase` (required), `coherence`,
`dem`, `los` (LOS geometry, see `massmap.io.los`), `orbit`, `date1`, `date2`, and the reading options `band`,
`coherence_band`, `rewrap`, `zero_nodata` (true/false; empty: the product's own rule); relative paths resolve
against the CSV's folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from massmap.errors import BadInputError
from massmap.io.manifest import listed_path
from massmap.log import get_logger
from massmap.products import PAIR_SEPARATOR, ProductScene, describe, find_scenes
from massmap.products import scene_id as scene_id
from massmap.products.base import ASCENDING, DESCENDING
from massmap.products.base import ORBIT_WORDS as _ORBIT_WORDS

log = get_logger(__name__)

ORBITS = (ASCENDING, DESCENDING)
# The columns a catalog may give, `phase` first (the only one required); others are left to the user.
CATALOG_COLUMNS = ("phase", "coherence", "dem", "los", "orbit", "date1", "date2", "band", "coherence_band", "rewrap",
                   "zero_nodata")
_TRUE, _FALSE = ("1", "true", "yes", "y"), ("0", "false", "no", "n")


@dataclass(frozen=True)
class NameFacts:
    """What a product name tells: product family, acquisition dates and orbit direction (None when unknown)."""

    family: str
    date1: dt.date | None = None
    date2: dt.date | None = None
    orbit: str | None = None


@dataclass(frozen=True)
class SceneEntry:
    """One scene of a batch: its output name (`scene_id`), phase (any scene address `massmap.products` resolves),
    companions, dates, orbit and reading options (None: the product's own rule)."""

    scene_id: str
    phase: Path
    coherence: Path | None = None
    dem: Path | None = None
    orbit: str | None = None
    date1: dt.date | None = None
    date2: dt.date | None = None
    los: Path | None = None
    band: int | None = None
    coherence_band: int | None = None
    rewrap: bool = False
    zero_nodata: bool | None = None

    def reading(self) -> dict:
        """The reading options, as `predict_scene` takes them (and a finished output must have been made with)."""
        return {"band": self.band, "coherence_band": self.coherence_band, "rewrap": self.rewrap,
                "zero_nodata": self.zero_nodata}


def _date(text: str, source: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise BadInputError(f"{source}: {text!r} is not a date (YYYYMMDD or YYYY-MM-DD)")


def parse_orbit(text: str, source: str = "orbit") -> str | None:
    """`ascending`/`descending` from A, asc, ascending, D, desc, descending (any case); None for empty."""
    text = text.strip().lower()
    if not text:
        return None
    if text not in _ORBIT_WORDS:
        raise BadInputError(f"{source}: orbit {text!r} is not ascending or descending")
    return _ORBIT_WORDS[text]


def parse_scene_name(path: str | os.PathLike) -> NameFacts:
    """Product family, dates and orbit direction read from a scene's names (see `massmap.products`)."""
    facts = describe(path)
    return NameFacts(facts.family, facts.date1, facts.date2, facts.orbit)


def scene_entry(
    phase: str | os.PathLike,
    coherence: str | os.PathLike | None = None,
    dem: str | os.PathLike | None = None,
    orbit: str | None = None,
    date1: dt.date | None = None,
    date2: dt.date | None = None,
    los: str | os.PathLike | None = None,
    product: ProductScene | None = None,
) -> SceneEntry:
    """A scene from its phase file (or `product`, as `massmap.products` found it); dates and orbit not given are
    read from the product's names when possible."""
    facts = product or describe(phase)
    return SceneEntry(
        scene_id=facts.scene_id, phase=Path(facts.address if product else phase),
        coherence=Path(coherence) if coherence else None, dem=Path(dem) if dem else None,
        orbit=orbit or facts.orbit, date1=date1 or facts.date1, date2=date2 or facts.date2,
        los=Path(los) if los else None,
    )


def _exists(phase: Path) -> bool:
    text = str(phase)
    return Path(text.rsplit(PAIR_SEPARATOR, 1)[0]).exists() if PAIR_SEPARATOR in text else phase.exists()


def check_unique(entries: Iterable[SceneEntry]) -> list[SceneEntry]:
    """Refuse two scenes whose outputs would carry the same name; check that every phase file exists."""
    seen: dict[str, Path] = {}
    out = list(entries)
    for e in out:
        if not _exists(e.phase):
            raise BadInputError(f"{e.phase}: file not found")
        if e.scene_id in seen:
            raise BadInputError(f"{e.phase}: same output name {e.scene_id!r} as {seen[e.scene_id]}; rename one")
        seen[e.scene_id] = e.phase
    if not out:
        raise BadInputError("no scenes given")
    return out


def scenes_from_paths(paths: Iterable[str | os.PathLike], **reading) -> list[SceneEntry]:
    """Every scene the paths hold (phase files, folders, HyP3 zips, MintPy stacks; coherence found later from
    product naming, dates/orbit from names), each read with `reading` (`band`, `rewrap`, ...)."""
    return check_unique(replace(scene_entry(p.address, product=p), **reading) for path in paths
                        for p in find_scenes(path))


def read_catalog(path: str | os.PathLike) -> list[SceneEntry]:
    """Read a catalog CSV: `phase` required, the other `CATALOG_COLUMNS` optional, other columns ignored."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: catalog not found")
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [h.strip() for h in reader.fieldnames or []]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"{path}: not a CSV catalog ({exc})") from None
    if CATALOG_COLUMNS[0] not in header:
        raise BadInputError(f"{path}: catalog lacks the column {CATALOG_COLUMNS[0]}")
    _warn_misspelt_columns(path, header)
    if not rows:
        raise BadInputError(f"{path}: catalog has no rows")
    base = path.parent
    entries = []
    for line, raw in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        where = f"{path}: line {line}"
        phase = listed_path(row, "phase", base, where, must_exist=False)
        if phase is None:
            raise BadInputError(f"{where}: empty phase")
        if not _exists(phase):
            raise BadInputError(f"{where}: phase file {row['phase']} not found")
        orbit = parse_orbit(row.get("orbit", ""), where)
        date1 = _date(row["date1"], where) if row.get("date1") else None
        date2 = _date(row["date2"], where) if row.get("date2") else None
        reading: dict[str, Any] = dict(band=_int(row, "band", where), coherence_band=_int(row, "coherence_band", where),
                       rewrap=bool(_bool(row, "rewrap", where)), zero_nodata=_bool(row, "zero_nodata", where))
        companions = {key: listed_path(row, key, base, where) for key in ("coherence", "dem", "los")}
        for product in find_scenes(phase):
            entry = scene_entry(phase, companions["coherence"], companions["dem"], los=companions["los"],
                                product=product)
            entries.append(replace(entry, orbit=orbit or entry.orbit, date1=date1 or entry.date1,
                                   date2=date2 or entry.date2, **reading))
    return check_unique(entries)


def _warn_misspelt_columns(path: Path, header: list[str]) -> None:
    """Warn about columns that look like a catalog column but are not one: they would be silently left unread."""
    for name in header:
        if name not in CATALOG_COLUMNS:
            close = difflib.get_close_matches(name.lower(), CATALOG_COLUMNS, n=1, cutoff=0.8)
            if close:
                log.warning("%s: column %r is not read (did you mean %s?)", path, name, close[0])


def _int(row: dict, key: str, where: str) -> int | None:
    text = row.get(key, "")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise BadInputError(f"{where}: {key} {text!r} is not a band number (1, 2, ...)")
    return int(text)


def _bool(row: dict, key: str, where: str) -> bool | None:
    text = row.get(key, "").lower()
    if not text:
        return None
    if text not in _TRUE + _FALSE:
        raise BadInputError(f"{where}: {key} {text!r} is not true or false")
    return text in _TRUE
