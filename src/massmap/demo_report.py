"""The demo's report: a simulated scene mapped by the model and scored object by object against its labels.

The wrapped phase in the cyclic `twilight` colour map with the true (yellow) and predicted (green) outlines and a
phase colour bar, the probability with a labelled colour bar, the true/false-positive map that `evaluate --report`
draws, zoomed chips of every true positive, missed pattern and false alarm, a per-object table, and the scene's
parameters as a table.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from rasterio.features import rasterize
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from massmap.constants import OBJECT_IOU_THRESHOLD
from massmap.evaluate.figures import overlay_map_figure
from massmap.grid import Grid
from massmap.metrics.matching import match_pairs, overlap_pairs
from massmap.metrics.objects import objects_from_polygons
from massmap.report import Report
from massmap.scene_report import OUTLINE_RGB, PHASE_CMAP, _chip_window, _outline_segments, chip_png, lonlat

TRUTH_RGB = (1.0, 0.85, 0.0)  # yellow: the true outlines
TRUE_POSITIVE, MISSED, FALSE_POSITIVE = "true positive", "missed", "false positive"


def object_outcomes(pred: gpd.GeoDataFrame, truth: gpd.GeoDataFrame, grid: Grid,
                    iou_threshold: float = OBJECT_IOU_THRESHOLD) -> list[dict]:
    """Every object's outcome under the optimal one-to-one matching: true positives (with the true and predicted
    rows), missed true objects and false-positive predictions, each with its IoU, score and area."""
    p_obj, t_obj = objects_from_polygons(pred, grid), objects_from_polygons(truth, grid)
    pairs = overlap_pairs(p_obj, t_obj)
    mp, mt = match_pairs(pairs, iou_threshold)
    iou = pairs.dense()
    best_for_pred = iou.max(axis=1) if iou.size else np.zeros(len(p_obj))
    best_for_truth = iou.max(axis=0) if iou.size else np.zeros(len(t_obj))
    rows: list[dict] = []
    for i, j in zip(mp, mt):
        rows.append(dict(kind=TRUE_POSITIVE, pred=int(p_obj.ids[i]), truth=int(t_obj.ids[j]), iou=float(iou[i, j])))
    for j in sorted(set(range(len(t_obj))) - set(mt.tolist())):
        rows.append(dict(kind=MISSED, pred=None, truth=int(t_obj.ids[j]), iou=float(best_for_truth[j])))
    for i in sorted(set(range(len(p_obj))) - set(mp.tolist())):
        rows.append(dict(kind=FALSE_POSITIVE, pred=int(p_obj.ids[i]), truth=None, iou=float(best_for_pred[i])))
    for r in rows:
        r["score"] = float(pred.iloc[r["pred"]]["score"]) if r["pred"] is not None else None
        r["area_m2"] = float(truth.iloc[r["truth"]]["area_m2"]) if r["truth"] is not None else float(
            pred.iloc[r["pred"]]["area_m2"])
    return rows


def demo_overview(phase_rad: np.ndarray, probability: np.ndarray, pred: gpd.GeoDataFrame, truth: gpd.GeoDataFrame,
                  grid: Grid) -> Figure:
    """Wrapped phase with true and predicted outlines beside the probability, each with its labelled colour bar."""
    fig = Figure(figsize=(14, 6.2), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    left, bottom, right, top = (v / 1e3 for v in grid.bounds())
    extent = (left, right, bottom, top)
    im = axes[0].imshow(phase_rad, cmap=PHASE_CMAP, vmin=-np.pi, vmax=np.pi, extent=extent, interpolation="nearest")
    bar = fig.colorbar(im, ax=axes[0], shrink=0.8, ticks=[-np.pi, 0, np.pi])
    bar.ax.set_yticklabels(["-\u03c0", "0", "\u03c0"])
    bar.set_label("wrapped phase (rad)")
    im = axes[1].imshow(probability, cmap="magma", vmin=0, vmax=1, extent=extent, interpolation="nearest")
    fig.colorbar(im, ax=axes[1], shrink=0.8).set_label("probability of a mass-movement pattern")
    for frame, colour in ((truth, TRUTH_RGB), (pred, OUTLINE_RGB)):
        if len(frame):
            segments = [s / 1e3 for s in _outline_segments(frame)]
            for ax in axes:
                ax.add_collection(LineCollection(segments, colors=[colour], linewidths=1.3))
    axes[0].set_title("wrapped phase; true outlines yellow, predicted green")
    axes[1].set_title("probability; the same outlines")
    for ax in axes:
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        ax.set_xlabel(f"easting (km, {grid.crs.to_string() if grid.crs else 'pixels'})")
    axes[0].set_ylabel("northing (km)")
    return fig


def _chip(phase_rad: np.ndarray, grid: Grid, truth_geom, pred_geom) -> bytes:
    """A zoomed chip of the phase around a true (yellow) and/or predicted (green) outline."""
    geoms = [g for g in (truth_geom, pred_geom) if g is not None]
    bounds = np.array([g.bounds for g in geoms])
    window = _chip_window((bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()), grid)
    r0, c0 = int(window.row_off), int(window.col_off)
    phase = phase_rad[r0:r0 + int(window.height), c0:c0 + int(window.width)]
    transform = window_transform(Window(c0, r0, phase.shape[1], phase.shape[0]), grid.transform)

    def line(geom) -> np.ndarray | None:
        if geom is None:
            return None
        return rasterize([(geom.boundary, 1)], out_shape=phase.shape, transform=transform, all_touched=True) > 0

    predicted, true = line(pred_geom), line(truth_geom)
    if predicted is None:
        return chip_png(phase, np.zeros_like(true), true, TRUTH_RGB)
    return chip_png(phase, predicted, true, TRUTH_RGB)


def demo_report(title: str, subtitle: str, phase_rad: np.ndarray, probability: np.ndarray, pred: gpd.GeoDataFrame,
                truth: gpd.GeoDataFrame, grid: Grid, metrics: Mapping, parameters: Mapping[str, object],
                note: str) -> Report:
    """The demo's page: maps, figures, chips of every true positive, miss and false alarm, tables."""
    report = Report(title, subtitle)
    report.add_text(
        "One simulated interferogram of alpine terrain (exact labels known), mapped by the model and scored against "
        f"the coherent label polygons. Objects match when their IoU is at least {OBJECT_IOU_THRESHOLD:g}, as in the "
        "study."
    )
    report.add_figure(demo_overview(phase_rad, probability, pred, truth, grid),
                      caption="wrapped phase (twilight: -\u03c0 and \u03c0 meet) and probability", photo=True)
    truth_mask = rasterize([(g, 1) for g in truth.geometry], out_shape=grid.shape, transform=grid.transform) \
        if len(truth) else np.zeros(grid.shape, np.uint8)
    pred_mask = rasterize([(g, 1) for g in pred.geometry], out_shape=grid.shape, transform=grid.transform) \
        if len(pred) else np.zeros(grid.shape, np.uint8)
    report.add_figure(overlay_map_figure(pred_mask.astype(bool), truth_mask.astype(bool), None, grid),
                      caption="true positives (both), false positives (prediction only), misses (truth only)")
    px, ob = metrics["pixel"], metrics["object"]
    report.add_heading("Figures")
    report.add_table([
        {"level": "pixel", "IoU": px["iou"], "Dice": px["dice"], "precision": px["precision"], "recall": px["recall"]},
    ])
    report.add_table([
        {"level": f"object (IoU >= {OBJECT_IOU_THRESHOLD:g})", "precision": ob["precision"], "recall": ob["recall"],
         "F1": ob["f1"], "true positives": ob["tp"], "true objects": ob["n_truth"], "predicted objects": ob["n_pred"]},
    ])
    report.add_table(metrics["missed_by_size"], caption="true objects missed, by size")
    outcomes = object_outcomes(pred, truth, grid)
    points = {}
    if len(pred):
        points["pred"] = lonlat(pred)
    if len(truth):
        points["truth"] = lonlat(truth)
    report.add_heading("Every object")
    items, table = [], []
    for kind in (TRUE_POSITIVE, MISSED, FALSE_POSITIVE):
        for r in sorted((r for r in outcomes if r["kind"] == kind), key=lambda r: -r["area_m2"]):
            true_geom = truth.geometry.iloc[r["truth"]] if r["truth"] is not None else None
            pred_geom = pred.geometry.iloc[r["pred"]] if r["pred"] is not None else None
            which, index = ("truth", r["truth"]) if r["truth"] is not None else ("pred", r["pred"])
            where = points.get(which)
            lat_lon = f"{where[index, 1]:.5f}, {where[index, 0]:.5f}" if where is not None else ""
            score = f"score {r['score']:.2f}, " if r["score"] is not None else ""
            items.append((_chip(phase_rad, grid, true_geom, pred_geom),
                          f"{kind}\n{score}IoU {r['iou']:.2f}\n{r['area_m2']:,.0f} m2\n{lat_lon}"))
            table.append({"outcome": kind, "area_m2": r["area_m2"], "IoU": r["iou"], "score": r["score"],
                          "latitude, longitude": lat_lon})
    report.add_text("Zoomed chips of the wrapped phase: true outlines yellow, predicted green; true positives first, "
                    "then missed patterns, then false alarms, largest first. IoU of a miss or a false alarm: its best "
                    "overlap with any object of the other set.")
    if items:
        report.add_gallery(items)
        report.add_table(table, caption="every object: its outcome, area (true area for matches), IoU and score")
    report.add_heading("Scene parameters")
    report.add_table([{"parameter": k, "value": _readable(v)} for k, v in parameters.items()])
    report.add_text(note)
    return report


def _readable(value: object) -> str:
    """A parameter value as a short text: numbers rounded, lists of numbers joined."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)
