"""A picture of one mapped scene, for an expert to accept or reject its detections in seconds.

One self-contained HTML page (`massmap.report.Report`): the wrapped phase in a cyclic, perceptually uniform colour
map (matplotlib's `twilight`) with the polygons drawn on it, coherence and probability beside it, a histogram of
polygon scores, and a gallery of every detection as a phase chip with its outline, sorted by score, with area,
score and coordinates. The scene is read in row strips (overviews keep every n-th pixel; wrapped phase cannot be
averaged) and chips one window each, so memory stays bounded whatever the scene size.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from matplotlib import colormaps, patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from rasterio.enums import Resampling
from rasterio.features import rasterize
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from massmap.grid import Grid
from massmap.report import Report

# Largest side (pixels) of the scene overview; larger scenes keep every n-th pixel.
OVERVIEW_MAX_PX = 900
# Detections shown in the gallery, best scores first; the rest are counted.
GALLERY_MAX = 400
# A chip shows its polygon with this share of its size around it, and at least this many pixels.
CHIP_MARGIN = 0.6
CHIP_MIN_PX = 48
CHIP_MAX_PX = 512
# Chips are enlarged by whole pixels to at least this size, so that small detections stay visible.
CHIP_DISPLAY_PX = 176
OUTLINE_RGB = (0.0, 1.0, 0.35)  # a green that the twilight map never uses
PHASE_CMAP = "twilight"


def _png(rgb: np.ndarray) -> bytes:
    """An RGB float image (rows, cols, 3) in 0..1 as PNG bytes."""
    import matplotlib.image

    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, np.clip(rgb, 0, 1), format="png")
    return buffer.getvalue()


def phase_rgb(phase_rad: np.ndarray, nodata_rgb: tuple[float, float, float] = (0.55, 0.55, 0.55)) -> np.ndarray:
    """Wrapped phase as RGB in the twilight colour map (-pi and pi meet), nodata grey."""
    rgb = colormaps[PHASE_CMAP]((np.nan_to_num(phase_rad) + np.pi) / (2 * np.pi))[..., :3]
    rgb[~np.isfinite(phase_rad)] = nodata_rgb
    return rgb


def chip_png(phase_rad: np.ndarray, outline: np.ndarray, second: np.ndarray | None = None,
             second_rgb: tuple[float, float, float] = (1.0, 0.85, 0.0)) -> bytes:
    """A phase chip with an outline (and optionally a `second` one, drawn first) over it, enlarged by whole pixels to
    about CHIP_DISPLAY_PX (a large chip keeps every n-th pixel instead)."""
    rgb = phase_rgb(phase_rad)
    step = max(1, round(max(rgb.shape[:2]) / (1.5 * CHIP_DISPLAY_PX)))
    for mask, colour in ((second, second_rgb), (outline, OUTLINE_RGB)):
        if mask is None:
            continue
        if step > 1:
            # Keep the outline visible where the stride would miss it: thicken it to the stride first.
            from scipy import ndimage

            mask = ndimage.binary_dilation(mask, iterations=step // 2 + 1)
        rgb[mask] = colour
    rgb = rgb[::step, ::step]
    zoom = max(1, CHIP_DISPLAY_PX // max(rgb.shape[:2]))
    return _png(np.repeat(np.repeat(rgb, zoom, axis=0), zoom, axis=1))


def strided_overview(reader, max_px: int = OVERVIEW_MAX_PX) -> tuple[np.ndarray, np.ndarray, int]:
    """Every n-th pixel of a scene's wrapped phase and coherence (n = the step returned), read in row strips."""
    grid = reader.grid
    step = max(math.ceil(max(grid.height, grid.width) / max_px), 1)
    block = step * max(1, 512 // step)
    phases, cohs = [], []
    for r0 in range(0, grid.height, block):
        sw = reader.read(Window(0, r0, grid.width, min(block, grid.height - r0)))
        phases.append(sw.phase_rad[::step, ::step])
        cohs.append(sw.coherence[::step, ::step])
    return np.concatenate(phases), np.concatenate(cohs), step


def read_decimated(path: str | Path, shape: tuple[int, int]) -> np.ndarray:
    """Band 1 of a raster read onto `shape` pixels (nearest; overviews used when the file has them)."""
    with rasterio.open(path) as src:
        return src.read(1, out_shape=shape, resampling=Resampling.nearest).astype(np.float32)


def _extent(grid: Grid) -> tuple[float, float, float, float]:
    left, bottom, right, top = grid.bounds()
    return (left, right, bottom, top)


def _outline_segments(polygons: gpd.GeoDataFrame) -> list[np.ndarray]:
    rings = shapely.get_parts(shapely.boundary(polygons.geometry.values))
    return [np.asarray(shapely.get_coordinates(r)) for r in shapely.get_parts(rings)]


def overview_figure(phase: np.ndarray, coherence: np.ndarray, probability: np.ndarray, polygons: gpd.GeoDataFrame,
                    grid: Grid, threshold: float, coherence_title: str = "coherence") -> Figure:
    """Wrapped phase (twilight) with the polygons, coherence, and probability with the polygons, side by side."""
    fig = Figure(figsize=(15, 5.4), layout="constrained")
    axes = fig.subplots(1, 3, sharex=True, sharey=True)
    extent = _extent(grid)
    segments = _outline_segments(polygons) if len(polygons) else []
    im = axes[0].imshow(phase, cmap=PHASE_CMAP, vmin=-np.pi, vmax=np.pi, extent=extent, interpolation="nearest")
    bar = fig.colorbar(im, ax=axes[0], shrink=0.75, ticks=[-np.pi, 0, np.pi])
    bar.ax.set_yticklabels(["-\u03c0", "0", "\u03c0"])
    bar.set_label("wrapped phase (rad)")
    axes[0].set_title(f"wrapped phase and {len(polygons)} detections")
    im = axes[1].imshow(coherence, cmap="gray", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    fig.colorbar(im, ax=axes[1], shrink=0.75).set_label("coherence")
    axes[1].set_title(coherence_title)
    im = axes[2].imshow(probability, cmap="magma", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    bar = fig.colorbar(im, ax=axes[2], shrink=0.75)
    bar.set_label("probability of a mass-movement pattern")
    bar.ax.axhline(threshold, color=OUTLINE_RGB, lw=2)
    axes[2].set_title(f"probability (threshold {threshold:g})")
    for ax in (axes[0], axes[2]):
        if segments:
            ax.add_collection(LineCollection(segments, colors=[OUTLINE_RGB], linewidths=1.2))
    unit = "pixels" if grid.crs is None else ("degrees" if grid.is_geographic else "m")
    for ax in axes:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(min(extent[2], extent[3]), max(extent[2], extent[3]))
        ax.set_xlabel(f"x ({unit})")
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(f"y ({unit})")
    return fig


def score_histogram(scores: np.ndarray, threshold: float) -> Figure:
    """How many polygons reached each mean score, with the threshold marked."""
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    low = max(0.0, min(threshold, float(np.min(scores))) - 0.02)
    ax.hist(scores, bins=np.linspace(low, 1, 31).tolist(), color="#5a4a9c", edgecolor="white")
    ax.axvline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:g}")
    ax.set_xlim(low, 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("polygon score (mean probability inside)")
    ax.set_ylabel("polygons")
    ax.legend(fontsize=8)
    return fig


def lonlat(polygons: gpd.GeoDataFrame) -> np.ndarray | None:
    """Longitude and latitude (degrees, (n, 2)) of a point inside each polygon, or None without a CRS."""
    if polygons.crs is None:
        return None
    points = gpd.GeoSeries(polygons.geometry.representative_point(), crs=polygons.crs).to_crs("EPSG:4326")
    return np.column_stack([points.x, points.y])


def _chip_window(bounds: tuple[float, float, float, float], grid: Grid) -> Window:
    """The window around a polygon's bounds, with a margin, at least CHIP_MIN_PX and at most CHIP_MAX_PX wide."""
    # Through the inverse transform rather than from_bounds: rasters without georeferencing run y downwards.
    left, bottom, right, top = bounds
    cols, rows = ~grid.transform @ (np.array([left, right, left, right]), np.array([bottom, bottom, top, top]))
    width, height = float(np.ptp(cols)), float(np.ptp(rows))
    side = min(max(max(width, height) * (1 + 2 * CHIP_MARGIN), CHIP_MIN_PX), CHIP_MAX_PX)
    c_col, c_row = float(np.mean(cols)), float(np.mean(rows))
    col0 = int(round(min(max(c_col - side / 2, 0), max(grid.width - side, 0))))
    row0 = int(round(min(max(c_row - side / 2, 0), max(grid.height - side, 0))))
    return Window(col0, row0, min(int(side), grid.width - col0), min(int(side), grid.height - row0))


def detection_gallery(reader, polygons: gpd.GeoDataFrame, max_items: int = GALLERY_MAX) -> list[tuple[bytes, str]]:
    """Every detection (best score first, at most `max_items`) as a phase chip with its outline and a caption of
    rank, score, area and coordinates."""
    grid = reader.grid
    order = polygons.sort_values("score", ascending=False).head(max_items)
    coords = lonlat(order)
    items = []
    for k, (_, row) in enumerate(order.iterrows()):
        window = _chip_window(row.geometry.bounds, grid)
        phase, _ = reader.read_phase(window)
        outline = rasterize([(row.geometry.boundary, 1)], out_shape=phase.shape,
                            transform=window_transform(window, grid.transform), all_touched=True).astype(bool)
        where = (f"{coords[k, 1]:.5f}, {coords[k, 0]:.5f}" if coords is not None
                 else f"x {row.geometry.centroid.x:.0f}, y {row.geometry.centroid.y:.0f}")
        caption = (f"#{k + 1}  score {row['score']:.2f} (max {row['score_max']:.2f})\n"
                   f"{row['area_m2']:,.0f} m2\n{where}")
        items.append((chip_png(phase, outline), caption))
    return items


def _table_rows(parameters: Mapping[str, object]) -> list[dict]:
    return [{"parameter": str(k), "value": "\u2013" if v is None else str(v)} for k, v in parameters.items()]


def scene_report(reader, probability_path: str | Path, polygons: gpd.GeoDataFrame, threshold: float,
                 parameters: Mapping[str, object] | None = None, title: str | None = None) -> Report:
    """The report page of one mapped scene: overview maps, score histogram, detection gallery, parameters."""
    product, grid = reader.product, reader.grid
    facts = [product.family if product.family != "unknown" else "raster"]
    if product.date1 and product.date2:
        facts.append(f"{product.date1:%Y-%m-%d} to {product.date2:%Y-%m-%d}")
    if product.orbit:
        facts.append(product.orbit)
    facts.append(f"{grid.width} x {grid.height} pixels")
    if grid.crs is not None:
        facts.append(f"{grid.area_km2():,.1f} km2, {grid.crs.to_string()}")
    report = Report(title or f"massmap: {product.scene_id}", "; ".join(facts))
    area = float(polygons["area_m2"].sum()) if len(polygons) else 0.0
    coherence = reader.coherence_source if reader.has_coherence else "none; a phase-consistency proxy stands in"
    report.add_text(
        f"{len(polygons)} detections above probability {threshold:g} ({area / 1e6:,.3f} km2 in all). Outlines are "
        "drawn in green on the wrapped phase (twilight colour map: -\u03c0 and \u03c0 meet in white) and on the "
        f"probability. Coherence: {coherence}."
    )
    phase, coherence, step = strided_overview(reader)
    probability = read_decimated(probability_path, phase.shape)
    note = f" (every {step}th pixel)" if step > 1 else ""
    coherence_title = "coherence" if reader.has_coherence else "phase-consistency proxy (no coherence file)"
    report.add_figure(overview_figure(phase, coherence, probability, polygons, grid, threshold, coherence_title),
                      caption=f"the scene{note}: wrapped phase with detections, coherence, probability", photo=True)
    if len(polygons):
        report.add_heading("Detections")
        report.add_figure(score_histogram(polygons["score"].to_numpy(), threshold),
                          caption="polygon scores (mean probability inside each polygon)")
        shown = min(len(polygons), GALLERY_MAX)
        more = f"; the {len(polygons) - shown} with the lowest scores are not shown" if shown < len(polygons) else ""
        report.add_text(f"Every detection as a chip of wrapped phase with its outline, best score first{more}. "
                        "Coordinates: latitude, longitude (WGS 84) of a point inside the polygon.")
        report.add_gallery(detection_gallery(reader, polygons))
    if parameters:
        report.add_heading("Parameters")
        report.add_table(_table_rows(parameters))
    return report


def thumbnail_png(probability_path: str | Path, polygons: gpd.GeoDataFrame, grid: Grid, max_px: int = 220) -> bytes:
    """A small picture of a mapped scene for a summary page: probability (magma) with the outlines."""
    scale = max(grid.height, grid.width) / max_px
    shape = (max(1, round(grid.height / scale)), max(1, round(grid.width / scale)))
    prob = read_decimated(probability_path, shape)
    fig = Figure(figsize=(shape[1] / 100, shape[0] / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    extent = _extent(grid)
    ax.imshow(prob, cmap="magma", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    if len(polygons):
        # A dark edge keeps the outline visible on the pale yellow of high probabilities.
        ax.add_collection(LineCollection(_outline_segments(polygons), colors=[OUTLINE_RGB], linewidths=1.0,
                                         path_effects=[patheffects.withStroke(linewidth=2.2, foreground="black")]))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(min(extent[2], extent[3]), max(extent[2], extent[3]))
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def summary_report(items: Sequence[tuple[bytes, str, str | None]], title: str, text: str) -> Report:
    """A page of scene thumbnails (PNG bytes, caption, link to the scene's own page)."""
    report = Report(title, text)
    report.add_gallery([(png, caption) for png, caption, _ in items], links=[link for _, _, link in items])
    return report
