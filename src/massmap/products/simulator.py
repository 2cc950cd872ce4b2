"""massmap's simulator naming (`massmap simulate`): NAME_phase.tif with NAME_coh.tif, NAME_dem.tif and
NAME_los.tif (unit look vector satellite to ground, 3 bands) beside it."""

from __future__ import annotations

import os
from pathlib import Path

from massmap.products.base import DATE_PAIR, Layer, ProductScene, date_or_none

FAMILY = "massmap simulator"
# Every file `massmap simulate` writes for scene NAME, by role: NAME + suffix.
SUFFIXES = {"phase": "_phase.tif", "coherence": "_coh.tif", "dem": "_dem.tif", "los": "_los.tif",
            "traps": "_traps.tif", "labels": "_labels.gpkg", "meta": "_meta.json", "quicklook": "_quicklook.png"}
PHASE_SUFFIX = SUFFIXES["phase"]


def scene_files(folder: str | os.PathLike, name: str) -> dict[str, Path]:
    """The paths of every file of simulated scene `name` in `folder`, by role."""
    return {role: Path(folder) / f"{name}{suffix}" for role, suffix in SUFFIXES.items()}


def sibling(phase_path: Path, role: str) -> Path:
    """The file of `role` beside a simulated scene's NAME_phase.tif."""
    return phase_path.with_name(phase_path.name.replace(PHASE_SUFFIX, SUFFIXES[role]))


def scenes_of_file(path: Path) -> list[ProductScene] | None:
    """The scene of a simulator phase file, or None when the name is not the simulator's."""
    if not path.name.lower().endswith(PHASE_SUFFIX):
        return None
    stem = path.name[: -len(PHASE_SUFFIX)]

    def beside(suffix: str) -> str | None:
        sibling = path.with_name(stem + suffix)
        return str(sibling) if sibling.exists() else None

    coherence = beside(SUFFIXES["coherence"])
    return [ProductScene(
        address=str(path), family=FAMILY, scene_id=stem, phase=Layer(str(path)),
        coherence=Layer(coherence) if coherence else None, dem=beside(SUFFIXES["dem"]), los=beside(SUFFIXES["los"]),
    )]


def scenes_in_folder(files: list[Path]) -> tuple[list[ProductScene], list[Path]]:
    """The simulated scenes among the files of one folder, and the files left over."""
    scenes, rest = [], []
    for path in files:
        found = scenes_of_file(path)
        if found:
            scenes.extend(found)
        else:
            rest.append(path)
    return scenes, rest


def raster_scene(path: Path) -> ProductScene:
    """Any other raster: its own name less the extension names the outputs, dates read from a date pair in it."""
    pair = DATE_PAIR.search(path.name)
    return ProductScene(
        address=str(path), family="unknown", phase=Layer(str(path)),
        scene_id=path.stem if path.suffix.lower() in (".tif", ".tiff") else path.name,
        date1=date_or_none(pair.group(1)) if pair else None, date2=date_or_none(pair.group(2)) if pair else None,
    )
