"""massmap's simulator naming (`massmap simulate`): NAME_phase.tif with NAME_coh.tif, NAME_dem.tif and
NAME_los.tif (unit look vector satellite to ground, 3 bands) beside it."""

from __future__ import annotations

from pathlib import Path

from massmap.products.base import DATE_PAIR, Layer, ProductScene, date_or_none

FAMILY = "massmap simulator"
PHASE_SUFFIX = "_phase.tif"


def scenes_of_file(path: Path) -> list[ProductScene] | None:
    """The scene of a simulator phase file, or None when the name is not the simulator's."""
    if not path.name.lower().endswith(PHASE_SUFFIX):
        return None
    stem = path.name[: -len(PHASE_SUFFIX)]

    def beside(suffix: str) -> str | None:
        sibling = path.with_name(stem + suffix)
        return str(sibling) if sibling.exists() else None

    coherence = beside("_coh.tif")
    return [ProductScene(
        address=str(path), family=FAMILY, scene_id=stem, phase=Layer(str(path)),
        coherence=Layer(coherence) if coherence else None, dem=beside("_dem.tif"), los=beside("_los.tif"),
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
