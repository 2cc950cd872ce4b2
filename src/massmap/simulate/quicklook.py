"""Quick-look images of simulated scenes: wrapped phase in a cyclic colour map with label outlines."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LightSource  # noqa: E402
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


def write_quicklook_figure(scene: SimulatedScene, path: str | os.PathLike, dpi: int = 100) -> Path:
    """A four-panel figure for documentation: phase with outlines, a zoom on the largest labelled movement,
    coherence, and shaded relief with layover/shadow."""
    fig, axes = plt.subplots(2, 2, figsize=(14, 13), constrained_layout=True)
    (ax_phase, ax_zoom), (ax_coh, ax_dem) = axes
    left, bottom, right, top = (v / 1000 for v in scene.grid.bounds())
    extent = (left, right, bottom, top)
    rgb = quicklook_rgb(scene)
    ax_phase.imshow(rgb, extent=extent, interpolation="nearest")
    meta = scene.meta
    ax_phase.set_title(f"wrapped phase: {meta['geometry']['orbit']}, {meta['temporal_baseline_days']} days, "
                       f"{meta['looks']} looks" + (", Goldstein-filtered" if meta["goldstein"]["applied"] else "")
                       + "\nlabel outlines: black coherent, white decorrelated")
    if len(scene.labels):
        # Show the movement with the most fringes to see: coherent, large, at least half a fringe.
        labels = scene.labels
        score = labels["area_m2"] * labels["coherent"].astype(float) * (labels["max_los_mm"] > 14).astype(float)
        biggest = labels.loc[score.idxmax() if score.max() > 0 else labels["area_m2"].idxmax()]
        x0, y0, x1, y1 = (v / 1000 for v in biggest.geometry.bounds)
        half = max(x1 - x0, y1 - y0, 1.5) * 0.9
        half = min(half, (right - left) / 2, (top - bottom) / 2)
        cx = float(np.clip((x0 + x1) / 2, left + half, right - half))
        cy = float(np.clip((y0 + y1) / 2, bottom + half, top - half))
        ax_zoom.imshow(rgb, extent=extent, interpolation="nearest")
        ax_zoom.set_xlim(cx - half, cx + half)
        ax_zoom.set_ylim(cy - half, cy + half)
        ax_phase.add_patch(plt.Rectangle((cx - half, cy - half), 2 * half, 2 * half, fill=False, color="white"))
        ax_zoom.set_title(f"zoom: {biggest['kind'].replace('_', ' ')}, {biggest['area_m2'] / 1e6:.2f} km2, "
                          f"max LOS {biggest['max_los_mm']:.0f} mm")
    im = ax_coh.imshow(scene.coherence, cmap="gray", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    ax_coh.set_title("estimated coherence (forest, snow, water and layover low)")
    fig.colorbar(im, ax=ax_coh, shrink=0.7)
    px = scene.grid.pixel_size_m or 1.0
    shade = LightSource(315, 45).shade(scene.dem_m, plt.get_cmap("terrain"), vert_exag=1, dx=px, dy=px,
                                       blend_mode="soft")
    ax_dem.imshow(shade, extent=extent, interpolation="nearest")
    ax_dem.contour(scene.layover_shadow, levels=[0.5], colors="red", linewidths=0.4,
                   extent=(left, right, top, bottom))
    ax_dem.set_title(f"DEM {scene.dem_m.min():.0f}-{scene.dem_m.max():.0f} m, red: layover/shadow")
    crs = scene.grid.crs.to_string() if scene.grid.crs else "pixels"
    for ax in axes.ravel():
        ax.set_xlabel(f"easting (km, {crs})")
        ax.set_ylabel("northing (km)")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata=_PNG_METADATA)
    plt.close(fig)
    return Path(path)
