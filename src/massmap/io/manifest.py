"""The manifest: a CSV of interferograms with their coherence, labels and split, paths relative to it.

Columns: `phase` (or `ifg`), `coherence` (optional), `labels`, `split` (train/val/test), and optionally `dem`,
`negative` (empty for scenes with motion, else the kind of hard negative: atmosphere, layover, decorrelation),
`los` (the LOS geometry, any file `massmap.io.los` reads) and `traps` (a uint8 raster on the phase grid marking
motion-free trap pixels, see `massmap.io.traps`). Manifests without the optional columns read as before.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from massmap.errors import BadInputError

SPLITS = ("train", "val", "test")
COLUMNS = ("phase", "coherence", "labels", "split", "dem", "negative", "los", "traps")


@dataclass(frozen=True)
class ManifestRow:
    """One interferogram with its companions; paths are absolute once read."""

    phase: Path
    labels: Path | None
    split: str
    coherence: Path | None = None
    dem: Path | None = None
    negative: str = ""
    los: Path | None = None
    traps: Path | None = None

    @property
    def is_hard_negative(self) -> bool:
        """True for scenes marked as motion-free traps (atmosphere, layover/shadow, decorrelation)."""
        return bool(self.negative)


def read_manifest(path: str | os.PathLike, check_files: bool = True) -> list[ManifestRow]:
    """Read and validate a manifest; relative paths resolve against the manifest's folder."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: manifest not found")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"{path}: not a CSV manifest ({exc})") from None
    if not rows:
        raise BadInputError(f"{path}: manifest has no rows")
    header = set(rows[0].keys())
    phase_col = "phase" if "phase" in header else "ifg" if "ifg" in header else None
    missing = [c for c in ("labels", "split") if c not in header]
    if phase_col is None or missing:
        need = (["phase (or ifg)"] if phase_col is None else []) + missing
        raise BadInputError(f"{path}: manifest lacks column(s) {', '.join(need)}")
    base = path.parent
    out = []
    for i, row in enumerate(rows, start=2):
        split = (row.get("split") or "").strip()
        if split not in SPLITS:
            raise BadInputError(f"{path}: line {i}: split {split!r} is not one of {', '.join(SPLITS)}")

        where = f"{path}: line {i}"
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        phase = listed_path(cells, phase_col, base, where, check_files)
        if phase is None:
            raise BadInputError(f"{where}: empty {phase_col}")
        out.append(ManifestRow(
            phase=phase, labels=listed_path(cells, "labels", base, where, check_files), split=split,
            coherence=listed_path(cells, "coherence", base, where, check_files),
            dem=listed_path(cells, "dem", base, where, check_files), negative=cells.get("negative", ""),
            los=listed_path(cells, "los", base, where, check_files),
            traps=listed_path(cells, "traps", base, where, check_files)))
    return out


def listed_path(cells: dict[str, str], key: str, base: Path, where: str, must_exist: bool = True) -> Path | None:
    """The file a CSV row names in column `key`, relative to the CSV's folder `base`; None when the cell is empty."""
    value = cells.get(key, "")
    if not value:
        return None
    p = Path(value)
    p = p if p.is_absolute() else base / p
    if must_exist and not p.exists():
        raise BadInputError(f"{where}: {key} file {value} not found")
    return p


def write_manifest(rows: list[ManifestRow], path: str | os.PathLike) -> Path:
    """Write a manifest atomically, with paths relative to its folder."""
    from massmap.atomic import atomic_path  # imports psutil: here, so reading a catalog's columns stays light

    path = Path(path)
    base = path.parent.resolve()

    def rel(p: Path | None) -> str:
        return "" if p is None else os.path.relpath(Path(p).resolve(), base)

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(dict(phase=rel(r.phase), coherence=rel(r.coherence), labels=rel(r.labels), split=r.split,
                             dem=rel(r.dem), negative=r.negative, los=rel(r.los), traps=rel(r.traps)))
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())
    return path
