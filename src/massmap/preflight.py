"""Checks run on a scene before its first tile, in well under a second whatever its size.

A strided sample of small windows (the last rows and columns included, where a truncated file fails) and the
smallest overview prove the file readable; the sample's values show an unwrapped or degree-scaled phase, a
coherence in percent or a phase raster given as coherence, and how much of the phase grid the coherence
covers. Memory and free disk are compared with what the run will need.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
from rasterio.windows import Window

from massmap.errors import BadInputError, OutputError
from massmap.grid import Grid
from massmap.io.scene import COHERENCE_RANGE_TOL, PHASE_RANGE_TOL_RAD, SceneReader, check_phase_range
from massmap.log import get_logger

log = get_logger(__name__)

# Sample: SAMPLE_BANDS x SAMPLE_BANDS windows of SAMPLE_PX pixels, spread evenly, the last at the far corner.
SAMPLE_BANDS = 8
SAMPLE_PX = 16
# A scene smaller than this on a side holds no pattern an expert could map (a pattern is >= 12 pixels).
MIN_SCENE_PX = 8
# Share of the phase's valid pixels without coherence: warn above the first, refuse above the second.
COVERAGE_WARN, COVERAGE_REFUSE = 0.01, 0.5
# float32 arrays per pixel of a row of tiles that predict holds at once (phase, coherence, validity, encoded
# channels, blending weights and the rolling buffer of blended rows): an estimate with margin.
WORKING_ARRAYS_PER_PIXEL = 48
# Pixel size assumed for the minimum area when a scene has neither a CRS nor --pixel-size: Sentinel-1
# products are posted at 20 to 100 m; massmap's models were trained at 20 and 30 m.
ASSUMED_PIXEL_SIZE_M = 20.0


@dataclass
class Sample:
    """Phase, raw coherence (None for the proxy) and validity of the sampled pixels, flattened."""

    phase_rad: np.ndarray
    coherence: np.ndarray | None


def sample_windows(grid: Grid, bands: int = SAMPLE_BANDS, size_px: int = SAMPLE_PX) -> list[Window]:
    """Small windows spread evenly over the grid, the first at the origin and the last at the far corner."""
    h, w = min(size_px, grid.height), min(size_px, grid.width)
    rows = np.unique(np.linspace(0, grid.height - h, min(bands, grid.height)).round().astype(int))
    cols = np.unique(np.linspace(0, grid.width - w, min(bands, grid.width)).round().astype(int))
    return [Window(int(c), int(r), w, h) for r in rows for c in cols]


def check_size(reader: SceneReader) -> None:
    """Refuse a scene too small to hold a mappable pattern."""
    g = reader.grid
    if g.height < MIN_SCENE_PX or g.width < MIN_SCENE_PX:
        raise BadInputError(f"{reader.phase_path}: {g.width} x {g.height} pixels is too small to map "
                            f"(at least {MIN_SCENE_PX} x {MIN_SCENE_PX})")


def read_sample(reader: SceneReader) -> Sample:
    """Read the strided sample (phase, coherence file) and the smallest overview; unreadable parts fail here."""
    phases, cohs = [], []
    for window in sample_windows(reader.grid):
        phase, _ = reader.read_phase(window)
        phases.append(phase.ravel())
        if reader.has_coherence:
            cohs.append(reader.read_coherence_file(window).ravel())
    _read_overview(reader)
    return Sample(np.concatenate(phases), np.concatenate(cohs) if cohs else None)


def _read_overview(reader: SceneReader) -> None:
    """Read the phase's smallest overview, when it has one: a broken overview fails before any tile."""
    ds = reader._phase_ds
    band = reader._band
    if not hasattr(ds, "overviews"):
        return  # a layer of an HDF5 stack: no overviews
    factors = ds.overviews(band)
    if not factors:
        return
    f = factors[-1]
    shape = (max(1, ds.height // f), max(1, ds.width // f))
    try:
        ds.read(band, out_shape=shape)
    except Exception as exc:  # noqa: BLE001 -- GDAL raises several classes for a damaged file
        raise BadInputError(f"{reader.phase_path}: cannot read its overview ({str(exc).splitlines()[0]})") from None


def check_phase(reader: SceneReader, sample: Sample) -> None:
    """Refuse a phase that is not wrapped radians (unwrapped, degrees) or holds no valid pixel at all."""
    finite = sample.phase_rad[np.isfinite(sample.phase_rad)]
    if finite.size == 0:
        _check_any_valid(reader)
        return
    if reader.kind != "wrapped-phase" or reader.rewrap:
        return
    check_phase_range(reader.phase_path, float(finite.min()), float(finite.max()))


def _check_any_valid(reader: SceneReader) -> None:
    """The sample found only nodata: look through the phase for one valid pixel, stopping at the first."""
    g = reader.grid
    rows = max(1, min(g.height, 4_000_000 // max(g.width, 1)))
    for r0 in range(0, g.height, rows):
        phase, _ = reader.read_phase(Window(0, r0, g.width, min(rows, g.height - r0)))
        if np.isfinite(phase).any():
            return
    raise BadInputError(f"{reader.phase_path}: every pixel is nodata or NaN")


def check_coherence(reader: SceneReader, sample: Sample) -> float:
    """Refuse a coherence outside 0..1 or that looks like phase; warn or refuse by its coverage of the phase.

    Returns the share of the sampled valid phase pixels that have no coherence.
    """
    if sample.coherence is None:
        return 0.0
    path = reader.coherence_source
    coh = sample.coherence
    finite = coh[np.isfinite(coh)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if lo < -COHERENCE_RANGE_TOL and hi <= np.pi + PHASE_RANGE_TOL_RAD and lo >= -np.pi - PHASE_RANGE_TOL_RAD:
            raise BadInputError(f"{path}: coherence range [{lo:.3f}, {hi:.3f}] looks like a wrapped phase, "
                                "not a coherence in 0..1; give the coherence file with --coherence")
        if lo < -COHERENCE_RANGE_TOL or hi > 1 + COHERENCE_RANGE_TOL:
            hint = (" (in percent? divide by 100)" if lo >= 0 and hi <= 100 else
                    " (a two-band ISCE .cor holds it in band 2: --coherence-band 2)")
            raise BadInputError(f"{path}: coherence range [{lo:.3f}, {hi:.3f}] is outside 0..1{hint}")
    phase_valid = np.isfinite(sample.phase_rad)
    if not phase_valid.any():
        return 0.0
    missing = float((~np.isfinite(coh[phase_valid])).mean())
    if missing > COVERAGE_REFUSE:
        raise BadInputError(f"{path}: coherence covers only {100 * (1 - missing):.0f} % of the valid phase of "
                            f"{reader.phase_path} (at least {100 * (1 - COVERAGE_REFUSE):.0f} % needed)")
    if missing > COVERAGE_WARN:
        log.warning("%s: coherence is missing on %.1f %% of the valid phase of %s; those pixels are not mapped",
                    path, 100 * missing, reader.phase_path)
    return missing


def temp_bytes(grid: Grid, bands: int) -> int:
    """Bytes of the uncompressed float32 probability file a prediction keeps while it runs."""
    return grid.height * grid.width * 4 * bands


def check_resources(grid: Grid, tile_px: int, bands: int, temp_dir: str | os.PathLike,
                    probability_dir: str | os.PathLike | None = None) -> None:
    """Refuse a scene whose working arrays exceed the free memory or whose files exceed the free disk."""
    need_memory = grid.width * tile_px * 4 * WORKING_ARRAYS_PER_PIXEL
    free_memory = psutil.virtual_memory().available
    if need_memory > free_memory:
        raise BadInputError(f"{grid.width} x {grid.height} pixels: a row of tiles needs about "
                            f"{_size(need_memory)} of memory, {_size(free_memory)} is free")
    needs: dict[str, tuple[Path, int]] = {}

    def add(folder: Path, n_bytes: int) -> None:
        key = _device(folder)
        needs[key] = (folder, needs.get(key, (folder, 0))[1] + n_bytes)

    add(Path(temp_dir), temp_bytes(grid, bands))
    if probability_dir is not None:
        add(Path(probability_dir), temp_bytes(grid, 1) // 2)  # deflate with overviews: at most about half
    for folder, need in needs.values():
        free = shutil.disk_usage(folder).free
        if need > free:
            raise OutputError(f"{folder}: about {_size(need)} of disk space needed for {grid.width} x "
                              f"{grid.height} pixels, {_size(free)} free")


def _device(folder: Path) -> str:
    try:
        return str(os.stat(folder).st_dev)
    except OSError:
        return str(folder)


def _size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1024 or unit == "PB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} PB"


def area_in_grid_units(grid: Grid, area_m2: float, option: str = "--min-area") -> float:
    """An area in m2 in the units the grid measures: m2, or pixels (with a warning) when the grid has neither a
    CRS nor a pixel size, taking ASSUMED_PIXEL_SIZE_M as the pixel size."""
    if area_m2 < 0 or not math.isfinite(area_m2):
        raise BadInputError(f"{option} must be 0 or more (m2), got {area_m2:g}")
    if grid.crs is not None or grid.pixel_size_m:
        return area_m2
    area_px = area_m2 / ASSUMED_PIXEL_SIZE_M**2
    log.warning("no CRS and no --pixel-size: areas are in pixels; %s %g m2 taken as %g pixels of %g m "
                "(give --pixel-size for areas in m2)", option, area_m2, area_px, ASSUMED_PIXEL_SIZE_M)
    return area_px


def check_scene(reader: SceneReader) -> Sample:
    """Every check on a scene's inputs that needs no tile: size, readability, phase range, coherence."""
    check_size(reader)
    sample = read_sample(reader)
    check_phase(reader, sample)
    check_coherence(reader, sample)
    return sample
