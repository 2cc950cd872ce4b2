"""Unmapped motion of a simulated scene: visible deformation phase that the labels leave out.

The simulator labels a movement only where an expert would map it (half a fringe over at least a dozen pixels,
`SimulationConfig`), so a scene also holds weaker or tinier motion that shows in the phase but carries no label.
Trained as background, those faint blobs teach a network that a small phase anomaly is not motion, against the
small labelled patterns beside them. Written as label rows with `coherent = False` (kind UNMAPPED_KIND), they
fall outside `massmap train --where "coherent = 1"` and are left out of the loss, like decorrelated movements.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.features import shapes
from scipy import ndimage
from shapely.geometry import shape

from massmap.area import geodesic_area_m2
from massmap.constants import FRINGE_LOS_M
from massmap.grid import Grid
from massmap.io.labels import rasterize_polygons
from massmap.simulate.labels import LABEL_COLUMNS

UNMAPPED_KIND = "unmapped"
# One pixel around the visible part: the deformation phase fades below the visibility level there, not to zero.
MARGIN_PX = 1


def unmapped_motion(deformation_rad: np.ndarray, no_signal: np.ndarray, labelled: np.ndarray,
                    visible_phase_rad: float, margin_px: int = MARGIN_PX) -> np.ndarray:
    """Pixels of visible deformation phase (|phase| > visible_phase_rad) outside every label and outside
    layover/shadow (`no_signal`), grown by `margin_px` but never into a label, as a bool mask.

    Only the unlabelled blobs grow: the edges of labelled patterns stay taught as they are.
    """
    unmapped = (np.abs(deformation_rad) > visible_phase_rad) & ~no_signal & ~labelled
    if margin_px > 0:
        unmapped = ndimage.binary_dilation(unmapped, iterations=margin_px)
    return unmapped & ~labelled


def unmapped_rows(deformation_rad: np.ndarray, no_signal: np.ndarray, labels: gpd.GeoDataFrame, grid: Grid,
                  visible_phase_rad: float) -> gpd.GeoDataFrame:
    """Label rows (the simulator's columns) for a scene's unmapped motion: one polygon per 4-connected blob, kind
    UNMAPPED_KIND, `coherent` False, `max_los_mm` its peak line-of-sight motion, `area_m2` geodesic."""
    labelled = rasterize_polygons(labels, grid).astype(bool)
    mask = unmapped_motion(deformation_rad, no_signal, labelled, visible_phase_rad)
    blobs, n = ndimage.label(mask)
    geoms, peaks = [], []
    if n:
        peak_rad = ndimage.maximum(np.abs(deformation_rad), blobs, index=np.arange(1, n + 1))
        for geom, value in shapes(blobs.astype(np.int32), mask=mask, transform=grid.transform, connectivity=4):
            geoms.append(shape(geom))
            peaks.append(float(peak_rad[int(value) - 1]) / (2 * np.pi) * FRINGE_LOS_M * 1000.0)
    frame = pd.DataFrame({"kind": [UNMAPPED_KIND] * len(geoms), "coherent": [False] * len(geoms),
                          "max_los_mm": np.asarray(peaks, dtype=np.float64)})
    rows = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=grid.crs), crs=grid.crs)
    rows["area_m2"] = geodesic_area_m2(rows.geometry, grid.pixel_size_m) if len(rows) else np.zeros(0)
    return rows[list(LABEL_COLUMNS) + ["geometry"]]


def with_unmapped(labels: gpd.GeoDataFrame, unmapped: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The scene's labels followed by its unmapped-motion rows, in the labels' columns and CRS."""
    if len(unmapped) == 0:
        return labels
    return gpd.GeoDataFrame(pd.concat([labels, unmapped.to_crs(labels.crs)[labels.columns]], ignore_index=True),
                            crs=labels.crs)
