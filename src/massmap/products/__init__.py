"""Product naming, in one home: how LiCSAR/LiCSBAS, HyP3, MintPy and massmap's simulator lay out and name a
scene's files (phase, coherence, DEM, LOS geometry), read by scene opening, the batch catalog and output naming.

Each family is a module declaring its names (as torchgeo declares a dataset's file naming on its class) with two
functions: `scenes_of_file(path)` (the scenes a named file, zip or stack holds, or None when the name is not the
family's) and `scenes_in_folder(files)` (the scenes among one folder's files, and the files left over). Adding a
layout means adding a module here and listing it in FAMILIES.
"""

from __future__ import annotations

import os
from pathlib import Path

from massmap.errors import BadInputError
from massmap.products import hyp3, licsar, mintpy, simulator
from massmap.products.base import PAIR_SEPARATOR, Layer, ProductScene

__all__ = ["FAMILIES", "PAIR_SEPARATOR", "Layer", "ProductScene", "describe", "find_scenes", "resolve_scene",
           "scene_id"]

# Asked in this order: a HyP3 `_wrapped_phase.tif` would otherwise pass for a simulator `_phase.tif`.
FAMILIES = (mintpy, hyp3, licsar, simulator)


def _of_file(path: Path) -> list[ProductScene]:
    for family in FAMILIES:
        found = family.scenes_of_file(path)
        if found is not None:
            return found
    return [simulator.raster_scene(path)]


def _in_folder(folder: Path) -> list[ProductScene]:
    """Every scene in a folder tree; hidden folders (such as a batch's staging folder) are left out."""
    children = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    files = [p for p in children if p.is_file()]
    scenes: list[ProductScene] = []
    for family in FAMILIES:
        found, files = family.scenes_in_folder(files)
        scenes.extend(found)
    for sub in (p for p in children if p.is_dir()):
        scenes.extend(_in_folder(sub))
    return scenes


def find_scenes(path: str | os.PathLike) -> list[ProductScene]:
    """Every scene a path holds: a phase file, a HyP3 zip, a MintPy stack (each pair), or a folder searched for
    all of these (a LiCSAR frame or GEOC folder, a HyP3 product folder, a folder of products)."""
    text = str(path)
    path = Path(text)
    if PAIR_SEPARATOR in text or not path.is_dir():
        if PAIR_SEPARATOR not in text and not path.exists():
            raise BadInputError(f"{path}: file not found")
        return _of_file(path)
    scenes = _in_folder(path)
    if not scenes:
        raise BadInputError(f"{path}: no interferogram found in the folder (LiCSAR *.geo.diff_pha.tif, "
                            "*.geo.diff_unfiltered_pha.tif or *.geo.unw.tif, HyP3 *_wrapped_phase.tif or "
                            "*_unw_phase.tif or product zips, MintPy ifgramStack.h5, massmap *_phase.tif)")
    return scenes


def resolve_scene(path: str | os.PathLike) -> ProductScene:
    """The one scene a path names; a path holding several is refused with their count and how to name one."""
    text = str(path)
    if text.startswith("/vsi"):
        return simulator.raster_scene(Path(text))
    scenes = find_scenes(path)
    if len(scenes) > 1:
        example = scenes[0].address
        raise BadInputError(f"{path}: holds {len(scenes)} interferograms; name one (e.g. {example}) or map them "
                            "all with massmap predict-batch")
    return scenes[0]


def describe(path: str | os.PathLike) -> ProductScene:
    """What product naming tells of one scene's path, also when the file is not there (names only)."""
    text = str(path)
    p = Path(text)
    if p.exists() or PAIR_SEPARATOR in text:
        return resolve_scene(path)
    return _of_file(p)[0]


def scene_id(path: str | os.PathLike) -> str:
    """The name a scene's outputs carry, from its product naming (the phase file name less its product suffix,
    with the LiCSAR frame kept; a HyP3 product's name; `stack_DATE1_DATE2` for a MintPy pair)."""
    return describe(path).scene_id
