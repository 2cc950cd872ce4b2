"""HyP3 (ASF) INSAR_GAMMA naming: one product per folder or zip, every file named after the product.

`NAME/NAME_wrapped_phase.tif` (optional in HyP3 jobs) or `NAME_unw_phase.tif` (radians), `NAME_corr.tif`
(coherence 0..1), `NAME_dem.tif` (m), `NAME_lv_theta.tif` and `NAME_lv_phi.tif` (look-vector angles); the zip
`NAME.zip` holds the folder `NAME/`. NAME is `S1AA_yyyymmddThhmmss_yyyymmddThhmmss_...`; 0 means no data.
A zip is read where it lies, through GDAL's /vsizip/.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from massmap.errors import BadInputError
from massmap.products.base import Layer, ProductScene, date_or_none, keep_preferred, ranked_phase_kind

if TYPE_CHECKING:
    import numpy as np

FAMILY = "HyP3"
# (file name ending, unwrapped?) in order of preference.
PHASE_KINDS: tuple[tuple[str, bool], ...] = (("_wrapped_phase.tif", False), ("_unw_phase.tif", True))
COHERENCE_SUFFIX = "_corr.tif"
DEM_SUFFIX = "_dem.tif"
LOS_SUFFIX = "_lv_theta.tif"
# The look-vector angle files: NAME_lv_theta.tif (elevation) and NAME_lv_phi.tif (orientation).
LOS_NAME = re.compile(r"_lv_(theta|phi)\.tif$", re.IGNORECASE)
NAME = re.compile(r"^S1[A-D_]{2}_(\d{8})T\d{6}_(\d{8})T\d{6}_")


def los_files(path: Path) -> tuple[Path, Path] | None:
    """The lv_theta and lv_phi files of the product that `path` (either of them) belongs to, or None."""
    if not LOS_NAME.search(path.name):
        return None
    theta, phi = (path.with_name(LOS_NAME.sub(f"_lv_{a}.tif", path.name)) for a in ("theta", "phi"))
    return theta, phi


def look_from_angles(theta_rad: np.ndarray, phi_rad: np.ndarray) -> np.ndarray:
    """massmap's look vector (satellite to ground, ENU, (3, rows, cols)) from HyP3's look-vector angles.

    GAMMA's look_vector, which HyP3 runs, gives the look vector pointing from the ground towards the SAR as
    lv_theta, the elevation angle above the horizontal (pi/2 up, -pi/2 down), and lv_phi, the orientation of
    its horizontal projection counterclockwise from east (0 east, pi/2 north) (GAMMA DIFF look_vector
    documentation; HyP3 InSAR product guide; ASFHyP3/hyp3-gamma issue 478: "The look vector is defined as the
    vector from pixel to satellite"). That vector is (cos theta cos phi, cos theta sin phi, sin theta); massmap's
    points the other way.
    """
    import numpy as np  # here, so naming a product does not import numpy (the command line starts without it)

    cos_theta = np.cos(theta_rad)
    to_satellite = np.stack([cos_theta * np.cos(phi_rad), cos_theta * np.sin(phi_rad), np.sin(theta_rad)])
    return (-to_satellite).astype(np.float32)


def look_enu(layers: Sequence[np.ndarray], name: Path) -> np.ndarray:
    """massmap's look vector (float32 (3, rows, cols), NaN where HyP3 wrote 0) from the lv_theta and lv_phi
    layers `los_files` names, read on the phase grid; elevations beyond pi/2 (degrees?) are refused naming `name`."""
    import numpy as np

    theta, phi = (np.asarray(a, dtype=np.float32).copy() for a in layers)
    missing = theta == 0  # a horizontal look never happens: HyP3 writes 0 where there is no data
    theta[missing] = phi[missing] = np.nan
    finite = theta[np.isfinite(theta)]
    if finite.size and float(np.abs(finite).max()) > math.pi / 2 + 1e-3:
        raise BadInputError(f"{name}: look-vector elevation beyond pi/2; HyP3's lv_theta is in radians")
    return look_from_angles(theta, phi)


def phase_kind(name: str) -> tuple[str, bool, int] | None:
    """(suffix, unwrapped, preference rank) of a HyP3 phase file name, or None."""
    return ranked_phase_kind(name, PHASE_KINDS)


def _scene(address: str, stem: str, phase: str, unwrapped: bool, exists, sibling) -> ProductScene:
    """A HyP3 scene from its product name; `sibling(suffix)` gives a file's path, `exists(path)` checks it."""
    def found(suffix: str) -> str | None:
        path = sibling(suffix)
        return path if exists(path) else None

    coherence = found(COHERENCE_SUFFIX)
    dates = NAME.search(stem)
    return ProductScene(
        address=address, family=FAMILY, scene_id=stem, phase=Layer(phase),
        coherence=Layer(coherence) if coherence else None, unwrapped=unwrapped, zero_is_nodata=True,
        dem=found(DEM_SUFFIX), los=found(LOS_SUFFIX),
        date1=date_or_none(dates.group(1)) if dates else None, date2=date_or_none(dates.group(2)) if dates else None,
    )


def _file_scene(path: Path, suffix: str, unwrapped: bool) -> ProductScene:
    stem = path.name[: -len(suffix)]
    return _scene(str(path), stem, str(path), unwrapped, lambda p: Path(p).exists(),
                  lambda s: str(path.with_name(stem + s)))


def _zip_scene(path: Path) -> ProductScene | None:
    """The product in a HyP3 zip (its preferred phase kind), or None when the zip holds no HyP3 phase."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(f"{path}: not a readable zip ({exc})") from None
    ranked = sorted((k[2], m, k) for m in members if (k := phase_kind(Path(m).name)))
    if not ranked:
        return None
    _, member, (suffix, unwrapped, _) = ranked[0]
    stem = Path(member).name[: -len(suffix)]
    prefix = member[: -len(Path(member).name)]
    vsi = f"/vsizip/{path.resolve()}/"
    return _scene(str(path), stem, vsi + member, unwrapped, lambda p: p[len(vsi):] in members,
                  lambda s: f"{vsi}{prefix}{stem}{s}")


def scenes_of_file(path: Path) -> list[ProductScene] | None:
    """The scene of a HyP3 phase file or product zip, or None when the name is not HyP3's."""
    if path.suffix.lower() == ".zip" and path.is_file():
        scene = _zip_scene(path)
        return [scene] if scene else None
    kind = phase_kind(path.name)
    return [_file_scene(path, kind[0], kind[1])] if kind else None


def scenes_in_folder(files: list[Path]) -> tuple[list[ProductScene], list[Path]]:
    """The products among the files of one folder (wrapped phase preferred) and the files left over."""
    ranked, rest = [], []
    for path in files:
        kind = phase_kind(path.name)
        if kind is not None:
            ranked.append((kind[2], _file_scene(path, kind[0], kind[1])))
        elif path.suffix.lower() == ".zip" and (scene := _zip_scene(path)) is not None:
            ranked.append((0, scene))
        else:
            rest.append(path)
    return keep_preferred(ranked), rest
