"""What a product layout resolves to: the layers of one scene and the facts its names tell."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

# Separates a MintPy stack from the date pair naming one of its interferograms: `ifgramStack.h5::20170320_20170413`.
PAIR_SEPARATOR = "::"
ASCENDING = "ascending"
DESCENDING = "descending"
ORBIT_WORDS = {"a": ASCENDING, "asc": ASCENDING, "ascending": ASCENDING,
               "d": DESCENDING, "desc": DESCENDING, "descending": DESCENDING}
DATE_PAIR = re.compile(r"(?<!\d)(\d{8})[_-](\d{8})(?!\d)")


@dataclass(frozen=True)
class Layer:
    """One 2-D layer of a product: a band of a raster GDAL opens (`/vsizip/` paths too), or one interferogram
    of an HDF5 stack (`dataset`, `index` along its first axis).

    `band` None means the file's only band (a multi-band file then needs a band chosen).
    """

    path: str
    band: int | None = None
    dataset: str | None = None
    index: int | None = None

    @property
    def name(self) -> str:
        """How messages name the layer: the file, and the stack dataset and pair for HDF5."""
        return f"{self.path}:/{self.dataset}[{self.index}]" if self.dataset else self.path

    @property
    def is_virtual(self) -> bool:
        """True for GDAL virtual file system paths (inside a zip), which `Path.exists` cannot check."""
        return self.path.startswith("/vsi")


@dataclass(frozen=True)
class ProductScene:
    """One interferogram as a product lays it out: phase and coherence layers, DEM and LOS files found beside
    it, whether its phase is unwrapped and whether 0 marks nodata, and what its names tell.

    `address` is what a user types to name this scene (a file, a folder, a zip, or `stack.h5::DATE1_DATE2`);
    `scene_id` names its outputs.
    """

    address: str
    family: str
    scene_id: str
    phase: Layer
    coherence: Layer | None = None
    unwrapped: bool = False
    zero_is_nodata: bool = False
    dem: str | None = None
    los: str | None = None
    date1: dt.date | None = None
    date2: dt.date | None = None
    orbit: str | None = None


def date_or_none(text: str) -> dt.date | None:
    """A YYYYMMDD date, or None when `text` is not one."""
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def first_existing(candidates: list[Path]) -> Path | None:
    """The first of `candidates` that exists."""
    return next((c for c in candidates if c.exists()), None)


def keep_preferred(ranked: list[tuple[int, ProductScene]]) -> list[ProductScene]:
    """One scene per output name: where a pair comes in several phase kinds, the lowest rank wins."""
    best: dict[str, tuple[int, ProductScene]] = {}
    for rank, scene in ranked:
        if scene.scene_id not in best or rank < best[scene.scene_id][0]:
            best[scene.scene_id] = (rank, scene)
    return [scene for _, scene in best.values()]


def ranked_phase_kind(name: str, kinds: tuple[tuple[str, bool], ...]) -> tuple[str, bool, int] | None:
    """(suffix, unwrapped, preference rank) of the first of a product's phase `kinds` (suffix, unwrapped) that
    the file name ends with (case-insensitive), or None."""
    lower = name.lower()
    for rank, (suffix, unwrapped) in enumerate(kinds):
        if lower.endswith(suffix):
            return suffix, unwrapped, rank
    return None
