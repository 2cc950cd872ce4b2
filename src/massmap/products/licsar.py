"""LiCSAR and LiCSBAS naming: interferograms in `GEOC/yyyymmdd_yyyymmdd/` (LiCSBAS) or
`FRAME/interferograms/yyyymmdd_yyyymmdd/` (the LiCSAR portal), frame files beside them.

Per pair: `PAIR.geo.diff_pha.tif` (wrapped, Goldstein-filtered), `PAIR.geo.diff_unfiltered_pha.tif` (wrapped) and
`PAIR.geo.unw.tif` (unwrapped; the only phase of a default LiCSBAS download), each with `PAIR.geo.cc.tif`
(uint8 coherence, 0..255). Per frame, in the GEOC folder (LiCSBAS) or the frame's `metadata/` folder (LiCSAR):
`FRAME.geo.hgt.tif` (DEM, m) and `FRAME.geo.E.tif`, `.N.tif`, `.U.tif` (unit vector ground to satellite).
0 means no data in phase and coherence. The frame id (`012A_05443_131313`: track, A/D, burst ids) names the
frame folder, and its A/D gives the orbit direction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from massmap.products.base import ORBIT_WORDS, Layer, ProductScene, date_or_none, keep_preferred, ranked_phase_kind

if TYPE_CHECKING:
    import numpy as np

FAMILY = "LiCSAR"
# (file name ending, unwrapped?) in order of preference when a pair has several.
PHASE_KINDS: tuple[tuple[str, bool], ...] = (
    (".geo.diff_pha.tif", False),
    (".geo.diff_unfiltered_pha.tif", False),
    (".geo.unw.tif", True),
)
COHERENCE_SUFFIX = ".geo.cc.tif"
DEM_GLOB = "*.geo.hgt.tif"
LOS_GLOB = "*.geo.E.tif"
# The frame's look-vector components, one file each: FRAME.geo.E.tif, FRAME.geo.N.tif, FRAME.geo.U.tif.
LOS_NAME = re.compile(r"\.geo\.[ENU]\.tif$", re.IGNORECASE)
LOS_COMPONENTS = ("E", "N", "U")
FRAME_ID = re.compile(r"(?<!\d)(\d{3})([AD])_\d{5}_\d{6}(?!\d)")
_PAIR_NAME = re.compile(r"(?:^|_)(\d{8})_(\d{8})$")


def los_files(path: Path) -> tuple[Path, Path, Path] | None:
    """The E, N and U files of the frame that `path` (any one of them) belongs to, or None for other names."""
    if not LOS_NAME.search(path.name):
        return None
    east, north, up = (path.with_name(LOS_NAME.sub(f".geo.{c}.tif", path.name)) for c in LOS_COMPONENTS)
    return east, north, up


def look_enu(layers: Sequence[np.ndarray], name: Path) -> np.ndarray:
    """massmap's look vector (satellite to ground, ENU, float32 (3, rows, cols), NaN where all three are 0) from
    the E, N and U layers `los_files` names, read on the phase grid.

    LiCSAR's E, N, U are the unit vector from the ground to the satellite (LiCSBAS_decomposeLOS.py: "LOSe > 0 ->
    From East", and U = sqrt(1 - E^2 - N^2) > 0), so they are negated.
    """
    import numpy as np  # here, so naming a product does not import numpy (the command line starts without it)

    look = -np.stack([np.asarray(a, dtype=np.float32) for a in layers])
    look[:, np.all(look == 0, axis=0)] = np.nan
    return look


def phase_kind(name: str) -> tuple[str, bool, int] | None:
    """(suffix, unwrapped, preference rank) of a LiCSAR phase file name, or None."""
    return ranked_phase_kind(name, PHASE_KINDS)


def frame_id(path: Path) -> re.Match | None:
    """The LiCSAR frame id in a file name or, failing that, in its nearest parent folder that has one."""
    return FRAME_ID.search(path.name) or next(
        (m for m in (FRAME_ID.search(p) for p in reversed(path.parent.parts)) if m), None)


def _frame_files(folder: Path, pattern: str) -> str | None:
    """A frame file (DEM or E/N/U) near a pair: beside it, in GEOC, in the frame folder or its metadata/."""
    places = [folder, folder.parent, folder.parent.parent]
    for place in places:
        for where in (place, place / "metadata"):
            found = sorted(where.glob(pattern)) if where.is_dir() else []
            if found:
                return str(found[0])
    return None


def _scene(path: Path, suffix: str, unwrapped: bool) -> ProductScene:
    stem = path.name[: -len(suffix)]
    frame = frame_id(path)
    scene_id = stem if FRAME_ID.search(stem) or frame is None else f"{frame.group(0)}_{stem}"
    pair = _PAIR_NAME.search(stem)
    coherence = path.with_name(stem + COHERENCE_SUFFIX)
    return ProductScene(
        address=str(path), family=FAMILY, scene_id=scene_id, phase=Layer(str(path)),
        coherence=Layer(str(coherence)) if coherence.exists() else None, unwrapped=unwrapped, zero_is_nodata=True,
        dem=_frame_files(path.parent, DEM_GLOB), los=_frame_files(path.parent, LOS_GLOB),
        date1=date_or_none(pair.group(1)) if pair else None, date2=date_or_none(pair.group(2)) if pair else None,
        orbit=ORBIT_WORDS[frame.group(2).lower()] if frame else None,
    )


def scenes_of_file(path: Path) -> list[ProductScene] | None:
    """The scene a LiCSAR phase file holds, or None when the name is not LiCSAR's."""
    kind = phase_kind(path.name)
    if kind is None:
        return None
    return [_scene(path, kind[0], kind[1])]


def scenes_in_folder(files: list[Path]) -> tuple[list[ProductScene], list[Path]]:
    """The pairs among the files of one folder (the preferred phase kind of each) and the files left over."""
    ranked, rest = [], []
    for path in files:
        kind = phase_kind(path.name)
        if kind is None:
            rest.append(path)
        else:
            ranked.append((kind[2], _scene(path, kind[0], kind[1])))
    return keep_preferred(ranked), rest
