"""Factories for training tests: tiny interferograms with fringe blobs, their polygons, and a manifest."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from massmap.constants import HEADING_DESCENDING_DEG
from massmap.io.manifest import ManifestRow, write_manifest
from massmap.sensor import incidence_field, look_vector_enu
from tests.conftest import UTM32, UTM_ORIGIN, fringe_blob, write_raster

PIXEL_M = 20.0  # the pixel size write_raster uses


@dataclass(frozen=True)
class Blob:
    """A bowl of deformation at (row, col) with `radius_px` and `fringes` cycles; `coherent` is its label attribute."""

    row: int
    col: int
    radius_px: float = 12.0
    fringes: float = 2.0
    coherent: int = 1


@dataclass(frozen=True)
class SceneFiles:
    """The files of one test scene."""

    phase: Path
    coherence: Path
    labels: Path | None
    blobs: tuple[Blob, ...] = field(default_factory=tuple)


def pixel_to_utm(row: float, col: float) -> tuple[float, float]:
    """UTM coordinates (x, y) of a pixel centre on the write_raster grid."""
    return UTM_ORIGIN[0] + (col + 0.5) * PIXEL_M, UTM_ORIGIN[1] - (row + 0.5) * PIXEL_M


def write_training_scene(folder: Path, name: str, blobs: tuple[Blob, ...] = (), size: int = 96,
                         coherence: float = 0.8, noise_rad: float = 0.3, seed: int = 0,
                         ramp_fringes: float = 0.0) -> SceneFiles:
    """Write NAME_phase.tif (fringe blobs over phase noise, plus an optional atmospheric-like ramp), NAME_coh.tif and
    NAME_labels.gpkg (one circle per blob, attribute `coherent`); no labels file when there are no blobs."""
    rng = np.random.default_rng(seed)
    phase = rng.normal(0.0, noise_rad, (size, size)).astype(np.float32)
    for b in blobs:
        phase += fringe_blob(size, (b.row, b.col), b.radius_px, b.fringes)
    if ramp_fringes:
        yy, xx = np.mgrid[0:size, 0:size]
        phase += (2 * np.pi * ramp_fringes * (xx + 0.5 * yy) / size).astype(np.float32)
    phase = (np.mod(phase + np.pi, 2 * np.pi) - np.pi).astype(np.float32)
    phase_path = write_raster(folder / f"{name}_phase.tif", phase)
    coh_path = write_raster(folder / f"{name}_coh.tif", np.full((size, size), coherence, dtype=np.float32))
    labels = None
    if blobs:
        # The mapped outline: where the bowl has deformed (a circle of the blob's radius).
        geoms = [Point(*pixel_to_utm(b.row, b.col)).buffer(b.radius_px * PIXEL_M) for b in blobs]
        gdf = gpd.GeoDataFrame({"coherent": [b.coherent for b in blobs]}, geometry=geoms, crs=UTM32)
        labels = folder / f"{name}_labels.gpkg"
        gdf.to_file(labels, driver="GPKG", engine="pyogrio")
    return SceneFiles(phase_path, coh_path, labels, tuple(blobs))


def write_terrain(folder: Path, name: str, size: int = 96) -> tuple[Path, Path]:
    """Write NAME_dem.tif (rolling hills, 1,200-1,800 m) and NAME_los.tif (a descending pass at about 39 degrees
    incidence: the unit vector from the satellite to the ground, bands east, north, up) on the write_raster grid."""
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    dem = (1500.0 + 300.0 * np.sin(rows / 15.0) * np.cos(cols / 20.0)).astype(np.float32)
    incidence = incidence_field((size, size), PIXEL_M, HEADING_DESCENDING_DEG, 39.0)
    look = look_vector_enu(HEADING_DESCENDING_DEG, incidence)
    return write_raster(folder / f"{name}_dem.tif", dem), write_raster(folder / f"{name}_los.tif", look)


def write_training_set(folder: Path, size: int = 96, hard_negative: bool = True, seed: int = 0,
                       terrain: bool = False) -> Path:
    """Two training scenes and one validation scene with two blobs each, plus an optional hard-negative scene
    (an atmospheric ramp, no labels); with `terrain`, every scene has a dem and a los file. Returns the manifest
    path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i, split in enumerate(("train", "train", "val")):
        r1, c1 = rng.integers(18, 40, size=2)
        r2, c2 = rng.integers(size - 40, size - 18, size=2)
        files = write_training_scene(folder, f"scene{i}", (Blob(int(r1), int(c1)), Blob(int(r2), int(c2))), size,
                                     seed=seed + i)
        rows.append(ManifestRow(phase=files.phase, labels=files.labels, split=split, coherence=files.coherence))
    if hard_negative:
        files = write_training_scene(folder, "atmosphere", (), size, seed=seed + 9, ramp_fringes=1.5)
        rows.append(ManifestRow(phase=files.phase, labels=None, split="train", coherence=files.coherence,
                                negative="atmosphere"))
    if terrain:
        terrain_files = [write_terrain(folder, r.phase.name.removesuffix("_phase.tif"), size) for r in rows]
        rows = [replace(r, dem=dem, los=los) for r, (dem, los) in zip(rows, terrain_files)]
    return write_manifest(rows, folder / "manifest.csv")
