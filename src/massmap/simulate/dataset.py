"""Write simulated scenes to disk (GeoTIFFs, label GeoPackage, metadata, quick-look) and a manifest over them."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyogrio

from massmap.atomic import atomic_folder, atomic_path
from massmap.errors import BadInputError
from massmap.io.manifest import SPLITS, ManifestRow, write_manifest
from massmap.io.scene import open_scene
from massmap.io.write import write_geotiff, write_vector
from massmap.log import get_logger
from massmap.products import simulator as simulator_files
from massmap.simulate.config import SimulationConfig
from massmap.simulate.quicklook import write_quicklook
from massmap.simulate.scene import SimulatedScene, simulate_scene
from massmap.simulate.traps import trap_marks

log = get_logger(__name__)

MANIFEST_NAME = "manifest.csv"

SPLIT_SHARES = {"train": 0.8, "val": 0.1, "test": 0.1}
# GeoPackages record a 'last_change' time; a fixed one keeps same-seed runs byte-identical.
_FIXED_GPKG_DATE = "2000-01-01T00:00:00.000Z"


@contextlib.contextmanager
def fixed_vector_timestamps() -> Iterator[None]:
    """Within this block GeoPackages record a fixed last-change time, so same-seed runs write the same bytes."""
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def write_scene(scene: SimulatedScene, out_dir: str | os.PathLike, name: str,
                quicklook: bool = True) -> dict[str, Path]:
    """Write NAME_phase.tif, NAME_coh.tif, NAME_dem.tif, NAME_los.tif, NAME_traps.tif, NAME_labels.gpkg,
    NAME_meta.json and NAME_quicklook.png.

    NAME_los.tif holds the unit look vector from the satellite to the ground (float32 bands east, north, up;
    `massmap.io.los`); NAME_traps.tif the motion-free trap pixels (uint8 codes, `massmap.simulate.traps`). A
    scene built without its look vector, atmosphere or true coherence gets no such file. Returns the paths by
    role: phase, coherence, dem, los, traps, labels, meta, quicklook.
    """
    out = Path(out_dir)
    paths = simulator_files.scene_files(out, name)
    write_geotiff(paths["phase"], scene.phase_rad.astype(np.float32), scene.grid)
    write_geotiff(paths["coherence"], scene.coherence.astype(np.float32), scene.grid)
    write_geotiff(paths["dem"], scene.dem_m.astype(np.float32), scene.grid)
    if scene.look_enu is not None:
        write_geotiff(paths["los"], scene.look_enu.astype(np.float32), scene.grid)
    else:
        del paths["los"]
    if scene.atmosphere_rad is not None and scene.true_coherence is not None:
        pixel_size_m = scene.grid.mean_pixel_size_m()
        write_geotiff(paths["traps"], trap_marks(scene.deformation_rad, scene.atmosphere_rad, scene.layover_shadow,
                                                 scene.true_coherence, pixel_size_m), scene.grid)
    else:
        del paths["traps"]
    with fixed_vector_timestamps():
        write_vector(scene.labels, paths["labels"], layer="labels")
    write_text(paths["meta"], json.dumps(scene.meta, indent=1, sort_keys=True))
    if quicklook:
        write_quicklook(scene, paths["quicklook"])
    else:
        del paths["quicklook"]
    return paths


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def meta_path(phase_path: str | os.PathLike) -> Path:
    """NAME_meta.json beside a written scene's NAME_phase.tif."""
    phase_path = Path(phase_path)
    return simulator_files.sibling(phase_path, "meta")


def simulate_again(phase_path: str | os.PathLike) -> SimulatedScene:
    """A written scene simulated again from the seed and settings in its NAME_meta.json, with every array the
    files do not hold (deformation, atmosphere, true coherence); checked against the phase on disk."""
    meta = json.loads(meta_path(phase_path).read_text())
    scene = simulate_scene(SimulationConfig.from_dict(meta["config"]), meta["seed"])
    with open_scene(phase_path) as reader:
        on_disk, _ = reader.read_phase()
    if not np.allclose(on_disk, scene.phase_rad, atol=1e-5):
        raise BadInputError(f"{phase_path}: the scene simulated again from its meta.json differs from the file")
    return scene


def assign_splits(n_scenes: int, seed: int, split: str = "auto") -> list[str]:
    """Split names per scene: one given split for all, or "auto" (a seeded shuffle, about 80/10/10)."""
    if split != "auto":
        if split not in SPLITS:
            raise BadInputError(f"--split {split!r} is not one of auto, {', '.join(SPLITS)}")
        return [split] * n_scenes
    order = np.random.default_rng([seed, 0x5B117]).permutation(n_scenes)
    n_val = int(round(n_scenes * SPLIT_SHARES["val"]))
    n_test = int(round(n_scenes * SPLIT_SHARES["test"]))
    names = np.array(["train"] * n_scenes, dtype=object)
    names[order[:n_val]] = "val"
    names[order[n_val:n_val + n_test]] = "test"
    return names.tolist()


def scene_name(index: int) -> str:
    """The file stem of scene `index`."""
    return f"scene_{index:05d}"


def simulate_dataset(
    out_dir: str | os.PathLike,
    n_scenes: int,
    seed: int,
    config: SimulationConfig | None = None,
    split: str = "auto",
    on_scene: Callable[[int], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Simulate `n_scenes` scenes into `out_dir` and write `out_dir/manifest.csv`; returns the manifest path.

    Scene i draws from np.random.default_rng([seed, i]), so a scene depends only on (config, seed, i).
    `on_scene(i)` is called after each scene is written (for progress bars). The set is written into a hidden
    folder that becomes `out_dir` once complete (`atomic_folder`): a killed run leaves no partial set, and an
    existing non-empty `out_dir` is refused unless `overwrite`.
    """
    config = config or SimulationConfig()
    if n_scenes < 1:
        raise BadInputError(f"--n-scenes {n_scenes} must be at least 1")
    splits = assign_splits(n_scenes, seed, split)
    with atomic_folder(out_dir, overwrite) as out:
        rows = []
        for i in range(n_scenes):
            scene = simulate_scene(config, [seed, i])
            paths = write_scene(scene, out, scene_name(i))
            rows.append(ManifestRow(phase=paths["phase"], labels=paths["labels"], split=splits[i],
                                    coherence=paths["coherence"], dem=paths["dem"], negative=scene.negative,
                                    los=paths.get("los"), traps=paths.get("traps")))
            log.debug("%s: %d labels, negative=%r", scene_name(i), len(scene.labels), scene.negative)
            if on_scene is not None:
                on_scene(i)
        write_text(out / "config.json", config.to_json())
        write_manifest(rows, out / MANIFEST_NAME)
    return Path(out_dir) / MANIFEST_NAME
