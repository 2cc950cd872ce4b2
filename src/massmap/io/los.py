"""A scene's line-of-sight (LOS) geometry: which files hold it, and how their layers become massmap's look vector.

massmap's look vector is the unit vector from the satellite to the ground in east, north, up (ENU) components,
as the simulator writes it (`massmap.sensor.look_vector_enu`): a displacement d has the
line-of-sight component d . look, positive away from the satellite. Two kinds of file are read:

- a 3-band GeoTIFF of the east, north and up components of that unit vector, satellite to ground (the
  simulator's NAME_los.tif; the convention of FLATSIM's CosENU product). Its up component is negative;
- a product's own LOS files, named and turned into that vector by its family's module in `massmap.products`
  (`los_files` and `look_enu`): LiCSAR's per-frame FRAME.geo.E.tif, .N.tif and .U.tif (ground to satellite,
  negated) and HyP3's *_lv_theta.tif and *_lv_phi.tif (look-vector angles in radians).

This module holds what every kind shares: finding a file's siblings, and refusing values that are not a unit
vector pointing down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from massmap.errors import BadInputError
from massmap.products import hyp3, licsar

ENU_FILE = "enu"
# Product families whose LOS geometry comes in files of their own naming (each module: `los_files`, `look_enu`).
LOS_FAMILIES = {module.FAMILY: module for module in (licsar, hyp3)}
ACCEPTED_FILES = ("a 3-band GeoTIFF of east, north, up (unit vector, satellite to ground), LiCSAR's "
                  "FRAME.geo.E.tif (with its .N and .U siblings) or HyP3's *_lv_theta.tif (with *_lv_phi.tif)")
# Resampled or rounded unit vectors stay within this of length 1; anything further is not a unit vector.
UNIT_LENGTH_TOL = 0.1


@dataclass(frozen=True)
class LosFiles:
    """Where a scene's LOS geometry lies: the product family and its layers as (file, band) pairs.

    Layers are (east, north, up) for the ENU file, and as the family's `los_files` names them for a product.
    """

    family: str
    layers: tuple[tuple[Path, int], ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        """The distinct files, in layer order."""
        return tuple(dict.fromkeys(p for p, _ in self.layers))

    @property
    def name(self) -> Path:
        """The file the user named (the first layer's), for messages."""
        return self.layers[0][0]


def _exists(path: Path) -> bool:
    """True when the file exists; GDAL virtual paths (inside a zip) are checked when opened."""
    return str(path).startswith("/vsi") or path.exists()


def _beside(path: Path, sibling: Path) -> Path:
    if not _exists(sibling):
        raise BadInputError(f"{path}: its LOS companion {sibling.name} is not beside it")
    return sibling


def find_los_files(path: str | Path) -> LosFiles:
    """The LOS layers named by `path`: a product's LOS file with its siblings (LiCSAR E/N/U, HyP3 lv_theta/lv_phi),
    or else a 3-band ENU GeoTIFF (the naming rules: `massmap.products`)."""
    path = Path(path)
    if not _exists(path):
        raise BadInputError(f"{path}: LOS geometry file not found")
    for family, module in LOS_FAMILIES.items():
        named = module.los_files(path)
        if named is not None:
            return LosFiles(family, tuple((_beside(path, p), 1) for p in named))
    return LosFiles(ENU_FILE, ((path, 1), (path, 2), (path, 3)))


def check_band_count(path: Path, count: int, needed: int) -> None:
    """Refuse a LOS file with fewer bands than its layers need."""
    if count < needed:
        raise BadInputError(f"{path}: {count} band(s) where a LOS file needs {needed}; give {ACCEPTED_FILES}")


def look_enu_from_layers(files: LosFiles, layers: Sequence[np.ndarray]) -> np.ndarray:
    """massmap's unit look vector (satellite to ground, ENU; float32 (3, rows, cols), NaN where unknown) from
    the layers of `files` read on the phase grid; refuse values that are not such a vector, naming the file."""
    module = LOS_FAMILIES.get(files.family)
    if module is not None:
        look = module.look_enu(layers, files.name)
    else:
        look = np.stack([np.asarray(a, dtype=np.float32) for a in layers])
    return _checked_unit(look, files)


def _checked_unit(look: np.ndarray, files: LosFiles) -> np.ndarray:
    """Normalise the look vectors after refusing ones that are not unit vectors or that point upwards."""
    length = np.sqrt(np.sum(look * look, axis=0))
    known = np.isfinite(length)
    if known.any():
        shortest, longest = float(length[known].min()), float(length[known].max())
        if shortest < 1.0 - UNIT_LENGTH_TOL or longest > 1.0 + UNIT_LENGTH_TOL:
            raise BadInputError(f"{files.name}: LOS vector lengths {shortest:.2f} to {longest:.2f}, not unit "
                                f"vectors; give {ACCEPTED_FILES}")
        if float(np.max(look[2][known])) > 0:
            hint = ("a 3-band massmap LOS file holds the vector from the satellite to the ground: negate it"
                    if files.family == ENU_FILE else f"the file does not follow {files.family}'s convention")
            raise BadInputError(f"{files.name}: the look vector points up from the ground; {hint}")
    with np.errstate(invalid="ignore", divide="ignore"):
        return (look / length).astype(np.float32)
