"""Real interferogram patches without deformation, stored as 8-bit grey images (the DeepCubeVolcano layout of
COMET-LiCSAR crops): wrapped phase from grey levels, LiCSAR's zero fill as nodata, and a split by volcano.

Grey g in 0..255 stands for phase g / 255 * 2 pi - pi (offset and sign unknown, which wrapped-phase channels do
not care about). LiCSAR writes 0 where it has no data, which the crops show as grey 128 over larger areas.
"""

from __future__ import annotations

import csv
import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from massmap.errors import BadInputError

# Grey level of LiCSAR's zero fill, and the smallest connected area of it taken as nodata rather than phase.
ZERO_FILL_GREY = 128
ZERO_FILL_MIN_PX = 50


@dataclass(frozen=True)
class GreyPatch:
    """One patch of the index: its image and the volcano it shows."""

    path: Path
    volcano: str


def phase_from_grey(grey: np.ndarray) -> np.ndarray:
    """Wrapped phase (float32 rad, NaN = nodata) of an 8-bit grey patch; connected areas of ZERO_FILL_GREY of
    at least ZERO_FILL_MIN_PX pixels are LiCSAR's zero fill."""
    from scipy import ndimage

    grey = np.asarray(grey)
    phase = (grey.astype(np.float32) / np.float32(255.0) * np.float32(2 * np.pi) - np.float32(np.pi))
    fill, n = ndimage.label(grey == ZERO_FILL_GREY)
    if n:
        sizes = np.bincount(fill.ravel())
        large = sizes >= ZERO_FILL_MIN_PX
        large[0] = False
        phase[large[fill]] = np.nan
    return phase.astype(np.float32)


def read_grey_patch(path: str | os.PathLike) -> np.ndarray:
    """The grey levels of a patch image (one band; an RGB image of three equal bands counts as grey)."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                bands = src.read()
    except RasterioIOError as exc:
        raise BadInputError(f"{path}: not a readable image ({exc})") from None
    if bands.shape[0] >= 3 and not (np.array_equal(bands[0], bands[1]) and np.array_equal(bands[0], bands[2])):
        raise BadInputError(f"{path}: a colour image, not a grey phase patch")
    return bands[0]


def read_index(index_csv: str | os.PathLike) -> list[GreyPatch]:
    """The patches an index CSV (`path,volcano`, paths relative to it) lists."""
    index_csv = Path(index_csv)
    with open(index_csv, newline="") as f:
        return [GreyPatch(index_csv.parent / r["path"], r["volcano"]) for r in csv.DictReader(f)]


def volcano_split(volcano: str, train_share: float = 0.5) -> str:
    """`train` or `test` for a volcano, fixed by its name alone, so no volcano lands in both."""
    digest = int(hashlib.sha256(volcano.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "train" if digest < train_share else "test"


def write_phase_geotiff(phase_rad: np.ndarray, path: str | os.PathLike) -> Path:
    """A GeoTIFF of the phase without georeferencing (float32, NaN nodata), for `predict --pixel-size`."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    path = Path(path)
    profile = dict(driver="GTiff", height=phase_rad.shape[0], width=phase_rad.shape[1], count=1, dtype="float32",
                   nodata=float("nan"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(phase_rad.astype(np.float32), 1)
    return path
