"""The stack page of a report: the persistence (or PGS) map with the polygons, and for each polygon a strip of
its chip in every pair, in date order, marked where the pair detects it (chips drawn as on the per-scene page,
`massmap.scene_report`)."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from rasterio.enums import Resampling
from rasterio.features import rasterize
from shapely.affinity import affine_transform

from massmap.io.labels import rasterize_polygons
from massmap.report import Report
from massmap.stack.fuse import FusedStack
from massmap.stack.grid import onto_grid
from massmap.stack.pairs import pair_dates, stack_span
from massmap.stack.polygons import STACK_COLUMNS, pair_counts

# Polygons shown with a strip (the largest scores first); chips extend this share of the polygon's size around it.
MAX_STRIPS = 12
CHIP_MARGIN = 0.6
MIN_CHIP_PX = 24


def _pixel_geometry(geom, fused: FusedStack):
    inverse = ~fused.grid.transform
    return affine_transform(geom, [inverse.a, inverse.b, inverse.d, inverse.e, inverse.xoff, inverse.yoff])


def chip_windows(polygons: gpd.GeoDataFrame, fused: FusedStack) -> list[tuple[slice, slice]]:
    """A square pixel window around each polygon (rows, cols), clipped to the grid."""
    rows, cols = fused.grid.shape
    windows = []
    for geom in polygons.geometry:
        c0, r0, c1, r1 = _pixel_geometry(geom, fused).bounds
        half = max((c1 - c0), (r1 - r0), MIN_CHIP_PX) * (0.5 + CHIP_MARGIN)
        rc, cc = (r0 + r1) / 2, (c0 + c1) / 2
        windows.append((slice(max(0, int(rc - half)), min(rows, int(np.ceil(rc + half)))),
                        slice(max(0, int(cc - half)), min(cols, int(np.ceil(cc + half))))))
    return windows


def pair_chips(fused: FusedStack, windows: list[tuple[slice, slice]]) -> list[list[np.ndarray]]:
    """The wrapped phase of every pair (date order) in every window, on the stack grid: chips[polygon][pair]."""
    from massmap.io.scene import open_scene

    chips: list[list[np.ndarray]] = [[] for _ in windows]
    for entry in fused.pairs:
        with open_scene(entry.phase, entry.coherence) as reader:
            phase, _ = reader.read_phase()
            phase = onto_grid(phase, reader.grid, fused.grid, Resampling.nearest)
        for k, window in enumerate(windows):
            chips[k].append(phase[window])
    return chips


def strip_items(chips: list[np.ndarray], fused: FusedStack, window: tuple[slice, slice], geom,
                judged: np.ndarray, detected: np.ndarray) -> list[tuple[bytes, str]]:
    """One polygon's chip in every pair (date order) as gallery items: wrapped phase with the polygon's outline
    (`massmap.scene_report.chip_png`), captioned with the pair's dates and whether it detects or can judge it."""
    from massmap.scene_report import chip_png

    rows, cols = window
    transform = fused.grid.transform @ Affine.translation(cols.start, rows.start)
    items = []
    for k, chip in enumerate(chips):
        outline = rasterize([(geom.boundary, 1)], out_shape=chip.shape, transform=transform,
                            all_touched=True).astype(bool)
        d1, d2 = pair_dates(fused.pairs[k])
        state = "detected" if detected[k] else ("not detected" if judged[k] else "cannot judge")
        items.append((chip_png(chip, outline), f"{d1} to {d2}\n{state}"))
    return items


def map_figure(layer: np.ndarray, polygons: gpd.GeoDataFrame, fused: FusedStack, title: str, vmax: float | None):
    """A fused layer over the whole frame with the polygons' outlines and their numbers."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 7 * fused.grid.height / max(fused.grid.width, 1) + 0.5))
    left, bottom, right, top = fused.grid.bounds()
    image = ax.imshow(layer, cmap="magma", vmin=0, vmax=vmax, extent=(left, right, bottom, top),
                      interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.7, label=title)
    polygons.boundary.plot(ax=ax, color="cyan", linewidth=0.8)
    for number, point in enumerate(polygons.geometry.representative_point(), start=1):
        ax.annotate(str(number), (point.x, point.y), color="white", fontsize=7, ha="center")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return fig


def stack_report(fused: FusedStack, polygons: gpd.GeoDataFrame, method: str, settings: dict) -> Report:
    """The stack page: the frame's map, the polygons' table and each polygon's strip of chips in date order."""
    import matplotlib.pyplot as plt

    first, last = stack_span(fused.pairs)
    report = Report(f"Stack of {len(fused.pairs)} interferograms, {first} to {last}",
                    f"Method: {method}. Each polygon is shown in every pair, in date order.")
    if method == "pgs":
        layer, label = fused.extra_bands["pgs_rad_per_px_per_year"], "PGS (rad per pixel per year)"
        vmax = float(np.nanpercentile(layer, 99.5)) if np.isfinite(layer).any() else None
    else:
        layer, label, vmax = fused.persistence, "persistence (share of the pairs judging a pixel that detect it)", 1.0
    figure = map_figure(layer, polygons, fused, label, vmax)
    report.add_figure(figure, caption=f"{label}, with the {len(polygons)} polygons numbered")
    plt.close(figure)
    report.add_table(settings, caption="settings")
    if polygons.empty:
        report.add_text("No polygon was drawn.")
        return report
    table = polygons[STACK_COLUMNS].copy()
    table.insert(0, "polygon", np.arange(1, len(polygons) + 1))
    report.add_table(table, caption="polygons (numbered as on the map)")
    shown = polygons.sort_values(["score", "area_m2"], ascending=False).head(MAX_STRIPS)
    ids = rasterize_polygons(shown, fused.grid, values=np.arange(1, len(shown) + 1))
    judged, detected = pair_counts(fused, ids, len(shown))
    windows = chip_windows(shown, fused)
    chips = pair_chips(fused, windows)
    report.add_heading("Each polygon in every pair")
    for k, (index, row) in enumerate(shown.iterrows()):
        report.add_heading(f"Polygon {index + 1}: detected in {row.n_pairs_detected} of {row.n_pairs_valid} pairs "
                           f"(persistence {row.persistence:.2f}), {row.first_date} to {row.last_date}, "
                           f"{row.area_m2:,.0f} m2", level=3)
        report.add_gallery(strip_items(chips[k], fused, windows[k], row.geometry, judged[:, k], detected[:, k]))
    if len(polygons) > len(shown):
        report.add_text(f"{len(polygons) - len(shown)} more polygons are in the table only.")
    return report


def write_stack_report(fused: FusedStack, polygons: gpd.GeoDataFrame, method: str, settings: dict,
                       path: str | os.PathLike) -> Path:
    """Write the stack page as one self-contained HTML file."""
    import matplotlib

    matplotlib.use("Agg")
    return stack_report(fused, polygons, method, settings).write(path)
