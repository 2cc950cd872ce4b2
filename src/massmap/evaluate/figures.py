"""Figures of the evaluation reports (matplotlib Figure objects, no pyplot state): curves, maps, matrices, densities."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from massmap.constants import MIN_MAPPED_AREA_M2
from massmap.grid import Grid

# Largest side (pixels) drawn on a map figure; larger rasters are reduced by blocks first.
MAP_MAX_SIDE_PX = 1200


def _extent(grid: Grid) -> list[float]:
    left, bottom, right, top = grid.bounds()
    return [left, right, bottom, top]


def _block_any(mask: np.ndarray, step: int) -> np.ndarray:
    """Reduce a mask by `step` x `step` blocks, a block being True when any of its pixels is (thin objects survive)."""
    if step <= 1:
        return np.asarray(mask, dtype=bool)
    h, w = mask.shape
    ph, pw = math.ceil(h / step) * step, math.ceil(w / step) * step
    padded = np.zeros((ph, pw), dtype=bool)
    padded[:h, :w] = mask
    return np.asarray(padded.reshape(ph // step, step, pw // step, step).any(axis=(1, 3)))


def _map_axes(fig: Figure, grid: Grid):
    ax = fig.add_subplot(1, 1, 1)
    unit = "pixels" if grid.crs is None else ("degrees" if grid.is_geographic else "m")
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    ax.ticklabel_format(useOffset=False, style="plain")
    return ax


def curve_figure(curve: list[dict], iou_threshold: float | None = None) -> Figure:
    """Object precision, recall and F1 against the IoU threshold of a match."""
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.add_subplot(1, 1, 1)
    t = [c["iou_threshold"] for c in curve]
    for key, style in (("precision", "o-"), ("recall", "s-"), ("f1", "^-")):
        ax.plot(t, [c[key] for c in curve], style, label=key if key != "f1" else "F1")
    if iou_threshold is not None:
        ax.axvline(iou_threshold, color="grey", ls="--", lw=1, label=f"t = {iou_threshold:g}")
    ax.set_xlabel("IoU threshold of a match")
    ax.set_ylabel("object score")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def missed_by_size_figure(rows: list[dict]) -> Figure:
    """Share of true objects missed in each size class, with the object counts on the bars."""
    fig = Figure(figsize=(6.0, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    names = [r["size_class"] for r in rows]
    share = [r["fraction_missed"] if r["fraction_missed"] is not None else 0.0 for r in rows]
    bars = ax.bar(range(len(rows)), share, color="#c0504d")
    for bar, r in zip(bars, rows):
        ax.annotate(f"{r['n_missed']}/{r['n_truth']}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(rows)), names, rotation=20, fontsize=8)
    ax.set_ylabel("fraction of true objects missed")
    ax.set_ylim(0, 1.1)
    return fig


def overlay_map_figure(pred: np.ndarray, truth: np.ndarray, valid: np.ndarray | None, grid: Grid) -> Figure:
    """Map of agreement: both (true positive), prediction only (false positive), truth only (false negative), nodata."""
    step = max(1, math.ceil(max(grid.shape) / MAP_MAX_SIDE_PX))
    p, t = _block_any(pred, step), _block_any(truth, step)
    category = np.zeros(p.shape, dtype=np.uint8)
    if valid is not None:
        category[_block_any(~np.asarray(valid, dtype=bool), step) & ~(p | t)] = 4
    category[p & ~t] = 2
    category[t & ~p] = 3
    category[p & t] = 1
    colours = ["white", "#2ca02c", "#d62728", "#1f77b4", "#bbbbbb"]
    cmap = ListedColormap(colours)
    fig = Figure(figsize=(6.5, 6.0))
    ax = _map_axes(fig, grid)
    ax.imshow(category, cmap=cmap, vmin=0, vmax=4, extent=_extent(grid), interpolation="nearest")

    names = ["both", "prediction only", "truth only", "nodata"]
    handles = [Patch(color=c, label=n) for c, n in zip(colours[1:], names)]
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    return fig


def matrix_figure(matrix: np.ndarray, names: list[str], title: str) -> Figure:
    """Heat map of a pairwise score matrix with each value written in its cell."""
    k = len(names)
    fig = Figure(figsize=(1.2 + 0.8 * k, 1.0 + 0.7 * k))
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] < 0.6 else "black")
    ax.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return fig


def outlines_figure(masks: list[np.ndarray], names: list[str], grid: Grid) -> Figure:
    """Map of every delineation's outline in its own colour."""
    step = max(1, math.ceil(max(grid.shape) / MAP_MAX_SIDE_PX))
    fig = Figure(figsize=(6.5, 6.0))
    ax = _map_axes(fig, grid)
    left, right, bottom, top = _extent(grid)
    colours = [f"C{i % 10}" for i in range(len(masks))]

    handles = []
    for mask, name, colour in zip(masks, names, colours):
        m = _block_any(mask, step)
        if m.any() and not m.all():
            # Pixel centres of the reduced raster, in grid coordinates, for contouring.
            xs = left + (np.arange(m.shape[1]) + 0.5) * (right - left) * step / grid.width
            ys = top - (np.arange(m.shape[0]) + 0.5) * (top - bottom) * step / grid.height
            ax.contour(xs, ys, m.astype(np.float32), levels=[0.5], colors=[colour], linewidths=1.0)
        handles.append(Line2D([], [], color=colour, label=name))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal" if not grid.is_geographic else 1.0 / max(math.cos(math.radians((top + bottom) / 2)), 1e-3))
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    return fig


def magnitude_frequency_figure(result: dict) -> Figure:
    """Log-log density of areas with the power-law tail, the inverse-gamma fit, the rollover and the study's limit."""
    from scipy import stats

    fig = Figure(figsize=(6.5, 4.6))
    ax = fig.add_subplot(1, 1, 1)
    d = result["density"]
    centres, density, counts = (np.asarray(d[k], dtype=float) for k in ("centres_m2", "density_per_m2", "counts"))
    ok = counts > 0
    ax.loglog(centres[ok], density[ok], "o", ms=4, color="k", label="inventory (log bins)")
    n = result["n_objects"]
    pl = result["power_law"]
    if pl["alpha"] is not None and centres.size:
        a = np.geomspace(pl["xmin_m2"], centres[ok].max() * 1.5, 50)
        # The tail holds n_tail of n objects: scale the normalised power law to the whole inventory's density.
        p = (pl["n_tail"] / n) * (pl["alpha"] - 1) / pl["xmin_m2"] * (a / pl["xmin_m2"]) ** (-pl["alpha"])
        ax.loglog(a, p, "-", color="C3", label=f"power law, alpha = {pl['alpha']:.2f}")
        ax.axvline(pl["xmin_m2"], color="C3", ls=":", lw=1, label=f"A_min = {pl['xmin_m2']:,.0f} m2")
    ig = result["inverse_gamma"]
    if ig["rho"] is not None and centres.size:
        a = np.geomspace(max(centres[ok].min() / 1.5, ig["s_m2"] + 1e-9 if ig["s_m2"] > 0 else 1e-9),
                         centres[ok].max() * 1.5, 200)
        p = stats.invgamma.pdf(a, ig["rho"], loc=ig["s_m2"], scale=ig["a_m2"])
        ax.loglog(a, p, "-", color="C0", label=f"inverse gamma, rho = {ig['rho']:.2f}")
    if result["rollover_m2"] is not None:
        ax.axvline(result["rollover_m2"], color="C2", ls="--", lw=1, label=f"rollover {result['rollover_m2']:,.0f} m2")
    ax.axvline(MIN_MAPPED_AREA_M2, color="grey", ls="-.", lw=1, label=f"study limit {MIN_MAPPED_AREA_M2:,.0f} m2")
    if ok.any():
        ax.set_ylim(density[ok].min() / 10, density[ok].max() * 10)
    ax.set_xlabel("area A (m2)")
    ax.set_ylabel("probability density p(A) (1/m2)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower left")
    return fig
