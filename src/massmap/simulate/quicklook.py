"""Quick-look images of simulated scenes: wrapped phase in a cyclic colour map with label outlines."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from massmap.atomic import atomic_path  # noqa: E402
from massmap.io.labels import rasterize_polygons  # noqa: E402
from massmap.simulate.scene import SimulatedScene  # noqa: E402

PHASE_CMAP = "hsv"  # the cyclic rainbow most InSAR processors (SNAP, LiCSAR, GAMMA) show wrapped phase in
COHERENT_OUTLINE = (0, 0, 0)
DECORRELATED_OUTLINE = (255, 255, 255)
_PNG_METADATA = {"Software": None}  # no version string, so the bytes depend on the data only


def outline_masks(scene: SimulatedScene) -> tuple[np.ndarray, np.ndarray]:
    """One-pixel outlines of the coherent and of the decorrelated label polygons on the scene grid."""
    out = []
    for coherent in (True, False):
        labels = scene.labels[scene.labels["coherent"] == coherent] if len(scene.labels) else scene.labels
        mask = rasterize_polygons(labels, scene.grid).astype(bool)
        out.append(mask & ~ndimage.binary_erosion(mask))
    return out[0], out[1]


def quicklook_rgb(scene: SimulatedScene) -> np.ndarray:
    """The wrapped phase as uint8 RGB (rows, cols, 3) in a cyclic colour map, with label outlines burnt in."""
    cmap = plt.get_cmap(PHASE_CMAP)
    rgb = (cmap((scene.phase_rad + np.pi) / (2 * np.pi))[..., :3] * 255).astype(np.uint8)
    coherent, decorrelated = outline_masks(scene)
    rgb[coherent] = COHERENT_OUTLINE
    rgb[decorrelated] = DECORRELATED_OUTLINE
    return rgb


def write_quicklook(scene: SimulatedScene, path: str | os.PathLike) -> Path:
    """Write the scene's quick-look PNG (one image pixel per grid pixel), atomically."""
    with atomic_path(path) as tmp:
        plt.imsave(tmp, quicklook_rgb(scene), format="png", metadata=_PNG_METADATA)
    return Path(path)

