"""Small product trees in each family's real layout (names, dtypes, nodata, attributes), made by the tests.

- LiCSBAS: FRAME/GEOC/yyyymmdd_yyyymmdd/yyyymmdd_yyyymmdd.geo.{unw,diff_pha,diff_unfiltered_pha,cc}.tif,
  FRAME/GEOC/FRAME.geo.{hgt,E,N,U}.tif; EPSG:4326 at 0.001 degrees; float32 phase and uint8 coherence with 0
  where there is no data (LiCSAR declares no nodata value).
- HyP3: NAME/NAME_{wrapped_phase,unw_phase,corr,dem,lv_theta,lv_phi}.tif in UTM, float32, nodata 0 declared;
  NAME.zip holds the folder NAME/.
- MintPy: ifgramStack.h5 with /unwrapPhase (or /wrapPhase), /coherence, /date, string attributes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from affine import Affine

from tests.conftest import UTM_ORIGIN, fringe_blob, write_raster

FRAME = "012A_05443_131313"
PAIRS = ("20170320_20170413", "20170401_20170413", "20170413_20170425")
SIZE = 64
GEO_TRANSFORM = Affine(0.001, 0, 7.3, 0, -0.001, 46.2)
HYP3_NAME = "S1AA_20170320T053000_20170413T053000_VVP024_INT80_G_ueF_1A2B"
# Rows LiCSAR and HyP3 leave empty (0): the first four.
EMPTY_ROWS = 4


def unwrapped_bowl(k: int = 0) -> np.ndarray:
    """An unwrapped phase (radians, float32) spanning several cycles: a bowl plus a ramp, offset per pair."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    bowl = 4 * np.pi * np.clip(1 - ((yy - 32) ** 2 + (xx - 32) ** 2) / 14**2, 0, None) ** 2
    return (bowl + 0.15 * xx + 0.5 + k).astype(np.float32)


def _wrapped(phase: np.ndarray) -> np.ndarray:
    return (np.mod(phase + np.pi, 2 * np.pi) - np.pi).astype(np.float32)


def coherence_u8(k: int = 0) -> np.ndarray:
    """LiCSAR coherence: uint8 0..255, 0 where there is no data."""
    coh = np.full((SIZE, SIZE), 150 + 20 * k, dtype=np.uint8)
    coh[:EMPTY_ROWS] = 0
    return coh


def licsbas_frame(root: Path, kinds: tuple[str, ...] = ("unw",), pairs: tuple[str, ...] = PAIRS,
                  frame_files: bool = True) -> Path:
    """A LiCSBAS frame folder FRAME/GEOC/ with one folder per pair; returns the GEOC folder."""
    geoc = root / FRAME / "GEOC"
    for k, pair in enumerate(pairs):
        folder = geoc / pair
        folder.mkdir(parents=True)
        unw = unwrapped_bowl(k)
        unw[:EMPTY_ROWS] = 0
        for kind in kinds:
            data = unw if kind == "unw" else np.where(unw == 0, 0, _wrapped(unw)).astype(np.float32)
            write_raster(folder / f"{pair}.geo.{kind}.tif", data, crs="EPSG:4326", transform=GEO_TRANSFORM)
        write_raster(folder / f"{pair}.geo.cc.tif", coherence_u8(k), crs="EPSG:4326", transform=GEO_TRANSFORM)
    if frame_files:
        write_raster(geoc / f"{FRAME}.geo.hgt.tif", np.full((SIZE, SIZE), 1500, np.float32), crs="EPSG:4326",
                     transform=GEO_TRANSFORM)
        # Ground to satellite, ascending, 39 degrees incidence: E < 0 (the satellite is to the west).
        for comp, value in (("E", -0.61), ("N", -0.12), ("U", 0.78)):
            write_raster(geoc / f"{FRAME}.geo.{comp}.tif", np.full((SIZE, SIZE), value, np.float32),
                         crs="EPSG:4326", transform=GEO_TRANSFORM)
    return geoc


def hyp3_product(root: Path, name: str = HYP3_NAME, wrapped: bool = True, as_zip: bool = False) -> Path:
    """A HyP3 INSAR_GAMMA product folder (or zip of it, the folder then removed); returns its path."""
    folder = root / name
    folder.mkdir(parents=True)
    unw = unwrapped_bowl()
    unw[:EMPTY_ROWS] = 0
    transform = Affine(80.0, 0, UTM_ORIGIN[0], 0, -80.0, UTM_ORIGIN[1])
    layers = {"unw_phase": unw, "corr": np.where(unw == 0, 0, 0.7).astype(np.float32),
              "dem": np.full((SIZE, SIZE), 900, np.float32),
              "lv_theta": np.full((SIZE, SIZE), 0.88, np.float32), "lv_phi": np.full((SIZE, SIZE), -0.2, np.float32)}
    if wrapped:
        layers["wrapped_phase"] = np.where(unw == 0, 0, _wrapped(unw)).astype(np.float32)
    for suffix, data in layers.items():
        write_raster(folder / f"{name}_{suffix}.tif", data, transform=transform, nodata=0.0)
    if not as_zip:
        return folder
    path = root / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for f in sorted(folder.iterdir()):
            archive.write(f, f"{name}/{f.name}")
            f.unlink()
    folder.rmdir()
    return path


def mintpy_stack(path: Path, pairs: tuple[str, ...] = PAIRS, wrapped: bool = False, geo: str = "utm") -> Path:
    """A MintPy ifgramStack.h5: /unwrapPhase (and /wrapPhase), /coherence (0.5 + 0.1 k for pair k), /date;
    attributes as MintPy writes them (strings), geocoded in UTM zone 32N or WGS 84 degrees."""
    import h5py

    n = len(pairs)
    unw = np.stack([unwrapped_bowl(k) for k in range(n)])
    with h5py.File(path, "w") as f:
        f.create_dataset("unwrapPhase", data=unw, chunks=(1, 32, 32))
        if wrapped:
            f.create_dataset("wrapPhase", data=_wrapped(unw))
        f.create_dataset("coherence", data=np.stack([np.full((SIZE, SIZE), 0.5 + 0.1 * k, np.float32)
                                                     for k in range(n)]))
        f.create_dataset("date", data=np.array([p.split("_") for p in pairs], dtype="S8"))
        f.create_dataset("dropIfgram", data=np.ones(n, dtype=bool))
        attrs = dict(FILE_TYPE="ifgramStack", LENGTH=str(SIZE), WIDTH=str(SIZE), ORBIT_DIRECTION="DESCENDING")
        if geo == "utm":
            attrs.update(X_FIRST=str(UTM_ORIGIN[0]), Y_FIRST=str(UTM_ORIGIN[1]), X_STEP="30.0", Y_STEP="-30.0",
                         X_UNIT="meters", Y_UNIT="meters", UTM_ZONE="32N")
        elif geo == "degrees":
            attrs.update(X_FIRST="7.3", Y_FIRST="46.2", X_STEP="0.001", Y_STEP="-0.001", X_UNIT="degrees",
                         Y_UNIT="degrees", EPSG="4326")
        f.attrs.update(attrs)
    return path


def fringe_phase_file(path: Path) -> Path:
    """A simulator-named wrapped phase (NAME_phase.tif) for mixed folders."""
    return write_raster(path, fringe_blob())
