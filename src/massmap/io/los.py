"""A scene's line-of-sight (LOS) geometry: which files hold it, and how their layers become massmap's look vector.

massmap's look vector is the unit vector from the satellite to the ground in east, north, up (ENU) components,
as the simulator writes it (`massmap.sensor.look_vector_enu`): a displacement d has the
line-of-sight component d . look, positive away from the satellite. Three kinds of file are read:

- a 3-band GeoTIFF of the east, north and up components of that unit vector, satellite to ground (the
  simulator's NAME_los.tif; the convention of FLATSIM's CosENU product). Its up component is negative;
- LiCSAR's per-frame FRAME.geo.E.tif, FRAME.geo.N.tif and FRAME.geo.U.tif: the unit vector from the ground to
  the satellite (LiCSBAS_decomposeLOS.py: "LOSe > 0 -> From East", and U = sqrt(1 - E^2 - N^2) > 0), so it
  is negated; 0 marks nodata;
- HyP3's *_lv_theta.tif and *_lv_phi.tif: look-vector elevation and orientation angles in radians (see
  `hyp3_look_enu`); 0 elevation marks nodata.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from massmap.errors import BadInputError
from massmap.products import hyp3, licsar

ENU_FILE = "enu"
LICSAR = licsar.FAMILY
HYP3 = hyp3.FAMILY
ACCEPTED_FILES = ("a 3-band GeoTIFF of east, north, up (unit vector, satellite to ground), LiCSAR's "
                  "FRAME.geo.E.tif (with its .N and .U siblings) or HyP3's *_lv_theta.tif (with *_lv_phi.tif)")
# Resampled or rounded unit vectors stay within this of length 1; anything further is not a unit vector.
UNIT_LENGTH_TOL = 0.1


@dataclass(frozen=True)
class LosFiles:
    """Where a scene's LOS geometry lies: the product family and its layers as (file, band) pairs.

    Layers are (east, north, up) for the ENU file and LiCSAR, (elevation, orientation) for HyP3.
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
    """The LOS layers named by `path`: a LiCSAR E/N/U file (siblings found), a HyP3 lv_theta/lv_phi file
    (sibling found), or else a 3-band ENU GeoTIFF (the naming rules: `massmap.products`)."""
    path = Path(path)
    if not _exists(path):
        raise BadInputError(f"{path}: LOS geometry file not found")
    enu = licsar.los_files(path)
    if enu is not None:
        east, north, up = (_beside(path, p) for p in enu)
        return LosFiles(LICSAR, ((east, 1), (north, 1), (up, 1)))
    angles = hyp3.los_files(path)
    if angles is not None:
        theta, phi = (_beside(path, p) for p in angles)
        return LosFiles(HYP3, ((theta, 1), (phi, 1)))
    return LosFiles(ENU_FILE, ((path, 1), (path, 2), (path, 3)))


def check_band_count(path: Path, count: int, needed: int) -> None:
    """Refuse a LOS file with fewer bands than its layers need."""
    if count < needed:
        raise BadInputError(f"{path}: {count} band(s) where a LOS file needs {needed}; give {ACCEPTED_FILES}")


def hyp3_look_enu(theta_rad: np.ndarray, phi_rad: np.ndarray) -> np.ndarray:
    """massmap's look vector (satellite to ground, ENU, (3, rows, cols)) from HyP3's look-vector angles.

    GAMMA's look_vector, which HyP3 runs, gives the look vector pointing from the ground towards the SAR as
    lv_theta, the elevation angle above the horizontal (pi/2 up, -pi/2 down), and lv_phi, the orientation of
    its horizontal projection counterclockwise from east (0 east, pi/2 north) (GAMMA DIFF look_vector
    documentation; HyP3 InSAR product guide; ASFHyP3/hyp3-gamma issue 478: "The look vector is defined as the
    vector from pixel to satellite"). That vector is (cos theta cos phi, cos theta sin phi, sin theta); massmap's
    points the other way.
    """
    cos_theta = np.cos(theta_rad)
    to_satellite = np.stack([cos_theta * np.cos(phi_rad), cos_theta * np.sin(phi_rad), np.sin(theta_rad)])
    return (-to_satellite).astype(np.float32)


def _with_nodata(layers: Sequence[np.ndarray], family: str) -> list[np.ndarray]:
    """Layers as float32 with the family's nodata marks turned into NaN."""
    out = [np.asarray(a, dtype=np.float32).copy() for a in layers]
    if family == LICSAR:
        missing = (out[0] == 0) & (out[1] == 0) & (out[2] == 0)
    elif family == HYP3:
        missing = out[0] == 0  # a horizontal look never happens: HyP3 writes 0 where there is no data
    else:
        missing = np.zeros(out[0].shape, dtype=bool)
    for a in out:
        a[missing] = np.nan
    return out


def look_enu_from_layers(files: LosFiles, layers: Sequence[np.ndarray]) -> np.ndarray:
    """massmap's unit look vector (satellite to ground, ENU; float32 (3, rows, cols), NaN where unknown) from
    the layers of `files` read on the phase grid; refuse values that are not such a vector, naming the file."""
    values = _with_nodata(layers, files.family)
    if files.family == HYP3:
        finite = values[0][np.isfinite(values[0])]
        if finite.size and float(np.abs(finite).max()) > math.pi / 2 + 1e-3:
            raise BadInputError(f"{files.name}: look-vector elevation beyond pi/2; HyP3's lv_theta is in radians")
        look = hyp3_look_enu(values[0], values[1])
    else:
        look = np.stack(values)
        if files.family == LICSAR:
            look = -look  # LiCSAR's E, N, U point from the ground to the satellite
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
