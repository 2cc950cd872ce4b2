"""Factories for tiny georeferenced rasters and vectors that tests make themselves."""

from __future__ import annotations

import hashlib
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

UTM32 = "EPSG:32632"
# A 64 x 64 grid of 20 m pixels in UTM 32N (Valais), origin near Sion.
UTM_ORIGIN = (590000.0, 5120000.0)
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def restore_signal_handlers():
    """Put back the test process's SIGINT, SIGTERM and SIGXFSZ handlers after a test: a CLI command run in-process
    installs its own (SIGTERM -> "interrupted"), which must not turn a later signal into a KeyboardInterrupt of
    pytest."""
    names = [s for s in ("SIGINT", "SIGTERM", "SIGXFSZ") if hasattr(signal, s)]
    before = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in before.items():
        signal.signal(getattr(signal, name), handler)


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder for one test module's shared files, removed when the module ends: trained models and their
    checkpoints weigh hundreds of MB, and a whole session's worth filled the CI machine's disk."""
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def write_raster(
    path: Path,
    array: np.ndarray,
    crs: str | None = UTM32,
    transform: Affine | None = None,
    nodata: float | None = None,
) -> Path:
    """Write a 2-D (or 3-D band-first) array to a GeoTIFF; `crs=None` writes no georeferencing."""
    arr = array if array.ndim == 3 else array[None]
    kwargs = dict(driver="GTiff", height=arr.shape[1], width=arr.shape[2], count=arr.shape[0], dtype=arr.dtype.name)
    if crs is not None:
        kwargs.update(crs=crs, transform=transform or Affine(20.0, 0, UTM_ORIGIN[0], 0, -20.0, UTM_ORIGIN[1]))
    if nodata is not None:
        kwargs["nodata"] = nodata
    with rasterio.open(path, "w", **kwargs) as dst:
        dst.write(arr)
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a hash of its bytes (folders: 'dir')."""
    return {str(p.relative_to(folder)): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def fringe_blob(size: int = 64, centre: tuple[int, int] = (32, 32), radius: float = 12.0,
                fringes: float = 2.0) -> np.ndarray:
    """Wrapped phase (float32 radians) of a smooth bowl of deformation: `fringes` cycles at the centre, 0 outside."""
    yy, xx = np.mgrid[0:size, 0:size]
    r2 = ((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) / radius**2
    unwrapped = 2 * np.pi * fringes * np.clip(1 - r2, 0, None) ** 2
    return (np.mod(unwrapped + np.pi, 2 * np.pi) - np.pi).astype(np.float32)


def wrap(phase_rad: np.ndarray) -> np.ndarray:
    """Phase wrapped into [-pi, pi), float32."""
    return (np.mod(phase_rad + np.pi, 2 * np.pi) - np.pi).astype(np.float32)


@pytest.fixture
def utm_phase(tmp_path: Path) -> Path:
    """A 64 x 64 UTM wrapped-phase GeoTIFF named like massmap's simulator (NAME_phase.tif), no coherence beside it."""
    return write_raster(tmp_path / "scene_phase.tif", fringe_blob())


@pytest.fixture
def licsar_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A LiCSAR-named pair: X.geo.diff_pha.tif (EPSG:4326 float radians) and X.geo.cc.tif (uint8 coherence).

    The phase is offset by 0.1 rad: LiCSAR writes 0 where there is no data.
    """
    transform = Affine(0.0002, 0, 7.3, 0, -0.0002, 46.2)
    phase = write_raster(tmp_path / "012A_05443_131313_20200101_20200113.geo.diff_pha.tif", wrap(fringe_blob() + 0.1),
                         crs="EPSG:4326", transform=transform)
    coh = np.full((64, 64), 204, dtype=np.uint8)
    coh_path = write_raster(tmp_path / "012A_05443_131313_20200101_20200113.geo.cc.tif", coh,
                            crs="EPSG:4326", transform=transform)
    return phase, coh_path


@pytest.fixture
def hyp3_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A HyP3-named pair: *_wrapped_phase.tif and *_corr.tif (float coherence), UTM."""
    stem = "S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B"
    phase = write_raster(tmp_path / f"{stem}_wrapped_phase.tif", fringe_blob())
    coh = write_raster(tmp_path / f"{stem}_corr.tif", np.full((64, 64), 0.6, dtype=np.float32))
    return phase, coh


def utm_square(x0: float, y0: float, side_m: float, crs: str = UTM32, **attrs) -> gpd.GeoDataFrame:
    """One square polygon in UTM with attributes."""
    return gpd.GeoDataFrame({k: [v] for k, v in attrs.items()}, geometry=[box(x0, y0, x0 + side_m, y0 + side_m)],
                            crs=crs)
