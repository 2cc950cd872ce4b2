"""The file-level measurements the CLI runs: model against labels, experts against each other, inventory statistics.

Each function reads its inputs (any vector format and CRS, reprojected to the grid, or mask rasters), returns
the JSON-ready result, and optionally writes the JSON and a self-contained HTML report.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

from massmap.area import geodesic_area_m2
from massmap.atomic import published_path
from massmap.constants import INVENTORY_BOOTSTRAP, OBJECT_IOU_THRESHOLD
from massmap.errors import BadInputError
from massmap.evaluate.agreement import candidate_placement, pair_values, pairwise_matrices, spread
from massmap.evaluate.consensus import write_consensus
from massmap.evaluate.inventory import magnitude_frequency, size_class_index, size_class_labels
from massmap.evaluate.staple import majority_vote, staple
from massmap.grid import Grid
from massmap.io.labels import is_raster_path, rasterize_polygons, read_mask, read_polygons
from massmap.io.output_check import check_outputs
from massmap.io.scene import open_scene
from massmap.log import get_logger
from massmap.metrics.matching import CURVE_THRESHOLDS, match_pairs, metrics_from_pairs, overlap_pairs
from massmap.metrics.objects import ObjectSet, objects_from_mask, objects_from_polygons
from massmap.metrics.pixel import pixel_metrics
from massmap.report import write_json

log = get_logger(__name__)

PathLike = str | os.PathLike


def read_grid(path: PathLike) -> tuple[Grid, np.ndarray]:
    """The grid and valid-pixel mask of a scene (a wrapped-phase or complex raster) or of any other raster.

    For a scene, valid pixels are those with finite phase and coherence (`open_scene`); for another raster,
    those outside its nodata mask.
    """
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: grid file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                dtype, count = ds.dtypes[0], ds.count
                georef = ds.crs is not None and not ds.transform.is_identity
                grid = Grid(ds.height, ds.width, ds.transform, ds.crs if georef else None)
                if count == 1 and (dtype.startswith("float") or dtype.startswith("complex")):
                    valid = None
                else:
                    valid = ds.read_masks(1) > 0
    except RasterioIOError as exc:
        raise BadInputError(f"{path}: not a readable raster ({str(exc).splitlines()[0]})") from None
    if valid is None:
        with open_scene(path) as scene:
            grid, valid = scene.grid, scene.read().valid
    if not valid.any():
        raise BadInputError(f"{path}: every pixel of the grid is nodata")
    return grid, valid


def _mask_raster(path: PathLike, grid: Grid, where: str | None) -> np.ndarray:
    if where:
        raise BadInputError(f"{path}: --where applies to polygons, not to a mask raster")
    return read_mask(path, grid).astype(bool)


def read_delineation(
    path: PathLike, grid: Grid, valid: np.ndarray | None, where: str | None = None
) -> tuple[ObjectSet, np.ndarray]:
    """A delineation's objects (one per feature, or 8-connected components of a mask raster) and its boolean mask."""
    if is_raster_path(path):
        mask = _mask_raster(path, grid, where)
        return objects_from_mask(mask, valid), mask
    gdf = read_polygons(path, grid, where)
    return objects_from_polygons(gdf, grid, valid), rasterize_polygons(gdf, grid).astype(bool)


def read_delineation_mask(path: PathLike, grid: Grid, where: str | None = None) -> np.ndarray:
    """A delineation as a boolean mask on the grid (polygons rasterised like training labels, or a mask raster)."""
    if is_raster_path(path):
        return _mask_raster(path, grid, where)
    return rasterize_polygons(read_polygons(path, grid, where), grid).astype(bool)


def check_reference_on_grid(path: PathLike, mask: np.ndarray, valid: np.ndarray, grid_path: PathLike,
                            where: str | None = None, require_truth: bool = True) -> None:
    """Refuse reference labels that lie entirely off the grid (or on its nodata), and empty ones when
    `require_truth`: scores against them would be 0 and mean nothing."""
    matching = f" matching --where {where!r}" if where else ""
    if not mask.any():
        n_features = 0 if is_raster_path(path) else len(read_polygons(path, None, where))
        if n_features:
            raise BadInputError(f"{path}: all {n_features} label polygons{matching} lie outside the grid of "
                                f"{grid_path} (check the CRS and the scene)")
        if require_truth:
            raise BadInputError(f"{path}: no labels{matching}; nothing to score against")
    elif not (mask & valid).any():
        raise BadInputError(f"{path}: every labelled pixel lies on nodata of {grid_path}")


def _check_outputs(outputs: dict[str, PathLike | None], inputs: list[PathLike | None], overwrite: bool) -> None:
    check_outputs(outputs, inputs, overwrite)


def evaluate(
    pred_path: PathLike,
    truth_path: PathLike,
    grid_path: PathLike,
    iou_threshold: float = OBJECT_IOU_THRESHOLD,
    where: str | None = None,
    *,
    json_path: PathLike | None = None,
    report_path: PathLike | None = None,
    require_truth: bool = True,
    overwrite: bool = True,
) -> dict:
    """Score a predicted delineation against the true one on a scene's grid, at pixel and object level.

    Reference labels off the grid are refused; empty ones too unless `require_truth` is False (motion-free
    scenes, where only false positives count).

    `where` (OGR SQL) filters the true polygons. Objects are counted on valid pixels only; objects cut by the
    scene border keep their part inside it, for prediction and truth alike (flagged `touches_border`).
    Returns the JSON structure: `pixel` (iou, dice, precision, recall, tp, fp, fn), `object` (precision, recall,
    f1, tp, n_truth, n_pred, iou_threshold), `curve` (object metrics at t = 0.1 ... 0.9), `truth_objects`
    (id, area_m2, best_iou, matched, size_class, touches_border) and `missed_by_size`.
    """
    if not 0.0 < iou_threshold <= 1.0:
        raise BadInputError(f"--iou-threshold must be in (0, 1], got {iou_threshold}")
    _check_outputs({"--json": json_path, "--report": report_path}, [pred_path, truth_path, grid_path], overwrite)
    grid, valid = read_grid(grid_path)
    truth, truth_mask = read_delineation(truth_path, grid, valid, where)
    check_reference_on_grid(truth_path, truth_mask, valid, grid_path, where, require_truth)
    pred, pred_mask = read_delineation(pred_path, grid, valid)

    pairs = overlap_pairs(pred, truth)
    _, matched_truth = match_pairs(pairs, iou_threshold)
    matched = np.zeros(len(truth), dtype=bool)
    matched[matched_truth] = True
    area_m2 = truth.areas_m2(grid)
    size_class = size_class_index(area_m2)
    names = size_class_labels()
    border = truth.touches_border()
    best = pairs.best_truth_iou()
    truth_objects = [
        {"id": int(i), "area_m2": float(a), "best_iou": float(b), "matched": bool(m),
         "size_class": names[c], "touches_border": bool(e)}
        for i, a, b, m, c, e in zip(truth.ids, area_m2, best, matched, size_class, border)
    ]
    missed_by_size = []
    for c, name in enumerate(names):
        in_class = size_class == c
        n, n_missed = int(in_class.sum()), int((in_class & ~matched).sum())
        missed_by_size.append({"size_class": name, "n_truth": n, "n_missed": n_missed,
                               "fraction_missed": n_missed / n if n else None})
    result: dict[str, Any] = {
        # Files staged with this output (the demo's) are named where they will stay.
        "inputs": {"pred": str(published_path(pred_path)), "truth": str(published_path(truth_path)),
                   "grid": str(published_path(grid_path)), "where": where},
        "pixel": pixel_metrics(pred_mask, truth_mask, valid),
        "object": metrics_from_pairs(pairs, iou_threshold),
        "curve": [metrics_from_pairs(pairs, t) for t in CURVE_THRESHOLDS],
        "areas_m2": {"pred": grid.mask_area_m2(pred_mask & valid), "truth": grid.mask_area_m2(truth_mask & valid),
                     "valid": grid.mask_area_m2(valid)},
        "truth_objects": truth_objects,
        "missed_by_size": missed_by_size,
    }
    log.info("pixel IoU %.3f, object precision %.3f at IoU >= %g",
             result["pixel"]["iou"], result["object"]["precision"], iou_threshold)
    if json_path is not None:
        write_json(json_path, result)
    if report_path is not None:
        from massmap.evaluate.reporting import evaluation_report

        evaluation_report(result, pred_mask, truth_mask, valid, grid).write(report_path)
    return result


def _unique_names(paths: Sequence[Path]) -> list[str]:
    names = [p.stem for p in paths]
    if len(set(names)) < len(names):
        names = [str(p) for p in paths]
    return names


def read_delineations(
    paths: Sequence[PathLike], grid: Grid, where: str | None = None, by: str | None = None
) -> tuple[list[str], list[gpd.GeoDataFrame]]:
    """Each mapper's polygons on the grid: one file per mapper, or files split by the values of column `by`."""
    files = [Path(p) for p in paths]
    names, frames = [], []
    for path, stem in zip(files, _unique_names(files)):
        if is_raster_path(path):
            raise BadInputError(f"{path}: agreement reads polygons (any vector format), not mask rasters")
        gdf = read_polygons(path, grid, where)
        if by is None:
            names.append(stem)
            frames.append(gdf)
            continue
        if by not in gdf.columns:
            columns = ", ".join(map(str, gdf.columns))
            raise BadInputError(f"{path}: no column {by!r} to split mappers by (columns: {columns})")
        for value, group in gdf.groupby(by, sort=True):
            names.append(str(value) if len(paths) == 1 else f"{stem}:{value}")
            frames.append(group)
    if len(frames) < 2:
        raise BadInputError(
            f"{', '.join(map(str, paths))}: agreement needs at least two delineations, found {len(frames)}")
    return names, frames


def _class_masks(gdf: gpd.GeoDataFrame, grid: Grid, column: str, classes: list[str], source: str) -> np.ndarray:
    """(classes, rows, cols) masks of one mapper's polygons, one layer per class value."""
    if column not in gdf.columns:
        raise BadInputError(f"{source}: no class column {column!r}")
    values = gdf[column].astype(str)
    return np.stack([rasterize_polygons(gdf[values == c], grid).astype(bool) for c in classes])


def _matrix_block(iou: np.ndarray, dice: np.ndarray) -> dict:
    return {"iou_matrix": iou.tolist(), "dice_matrix": dice.tolist(),
            "iou": spread(pair_values(iou)), "dice": spread(pair_values(dice))}


def agreement(
    paths: Sequence[PathLike],
    grid_path: PathLike,
    where: str | None = None,
    by: str | None = None,
    class_column: str | None = None,
    candidate_path: PathLike | None = None,
    *,
    consensus_path: PathLike | None = None,
    json_path: PathLike | None = None,
    report_path: PathLike | None = None,
    overwrite: bool = True,
) -> dict:
    """Agreement of several delineations of one scene: pairwise IoU/Dice, consensus (majority, STAPLE), a candidate.

    Without a class column all polygons of a mapper are merged. With `class_column` the result holds both views:
    `without_classes` (merged) and `with_classes` (a pixel agrees only when both give it the same class; IoU pools
    per-class intersections and unions, with per-class matrices beside). `candidate_path` (e.g. the model's
    prediction) is placed within the experts' spread. Spreads are mean, sample std, min and max over pairs.
    """
    _check_outputs({"--json": json_path, "--report": report_path, "--consensus": consensus_path},
                   [*paths, grid_path, candidate_path], overwrite)
    grid, valid = read_grid(grid_path)
    names, frames = read_delineations(paths, grid, where, by)
    masks = [rasterize_polygons(g, grid).astype(bool) for g in frames]
    iou, dice = pairwise_matrices(masks, valid)
    result: dict = {
        "inputs": {"paths": [str(p) for p in paths], "grid": str(grid_path), "where": where, "by": by,
                   "class_column": class_column, "candidate": str(candidate_path) if candidate_path else None},
        "mappers": names, "n_mappers": len(names),
        "without_classes": _matrix_block(iou, dice),
        "with_classes": None, "candidate": None,
    }
    class_masks = classes = None
    if class_column is not None:
        classes = sorted({str(v) for g in frames if class_column in g.columns for v in g[class_column].dropna()})
        if not classes:
            raise BadInputError(f"{', '.join(map(str, paths))}: the class column {class_column!r} holds no values")
        class_masks = [_class_masks(g, grid, class_column, classes, n) for g, n in zip(frames, names)]
        c_iou, c_dice = pairwise_matrices(class_masks, valid)
        per_class = {}
        for ci, cls in enumerate(classes):
            k_iou, k_dice = pairwise_matrices([m[ci] for m in class_masks], valid)
            per_class[cls] = _matrix_block(k_iou, k_dice)
        result["with_classes"] = {"class_column": class_column, "classes": classes, **_matrix_block(c_iou, c_dice),
                                  "per_class": per_class}
    candidate_mask = None
    if candidate_path is not None:
        candidate_mask = read_delineation_mask(candidate_path, grid)
        placed = {"name": Path(candidate_path).stem,
                  "without_classes": candidate_placement(candidate_mask, masks, iou, dice, valid),
                  "with_classes": None}
        if class_masks is not None and not is_raster_path(candidate_path):
            cand = read_polygons(candidate_path, grid)
            assert class_column is not None and classes is not None  # class_masks exist only with a class column
            if class_column in cand.columns:
                cand_classes = _class_masks(cand, grid, class_column, classes, str(candidate_path))
                w = result["with_classes"]
                placed["with_classes"] = candidate_placement(
                    cand_classes, class_masks, np.asarray(w["iou_matrix"]), np.asarray(w["dice_matrix"]), valid)
            else:
                log.info("%s has no column %r: the candidate is placed without classes only",
                         candidate_path, class_column)
        result["candidate"] = placed
    stacked = np.stack(masks)
    majority = majority_vote(stacked, valid)
    estimate = staple(stacked, valid)
    result["consensus"] = {
        "majority": {"area_m2": grid.mask_area_m2(majority), "rule": "more than half of the mappers"},
        "staple": {
            "area_m2": grid.mask_area_m2(estimate.consensus() & valid),
            "sensitivity": dict(zip(names, estimate.sensitivity.tolist())),
            "specificity": dict(zip(names, estimate.specificity.tolist())),
            "prior": estimate.prior, "iterations": estimate.iterations, "converged": estimate.converged,
        },
        "path": str(consensus_path) if consensus_path else None,
    }
    if consensus_path is not None:
        write_consensus(consensus_path, majority, estimate.probability, grid)
    if json_path is not None:
        write_json(json_path, result)
    if report_path is not None:
        from massmap.evaluate.reporting import agreement_report

        agreement_report(result, masks, candidate_mask, grid).write(report_path)
    return result


def inventory_stats(
    path: PathLike,
    where: str | None = None,
    n_bootstrap: int = INVENTORY_BOOTSTRAP,
    seed: int = 0,
    *,
    json_path: PathLike | None = None,
    report_path: PathLike | None = None,
    overwrite: bool = True,
) -> dict:
    """Magnitude-frequency analysis of an inventory's polygon areas (m2 of ground, geodesic in any CRS)."""
    _check_outputs({"--json": json_path, "--report": report_path}, [path], overwrite)
    gdf = read_polygons(path, None, where)
    if len(gdf) == 0:
        raise BadInputError(f"{path}: no polygons to analyse")
    if gdf.crs is None:
        log.warning("%s has no CRS: areas are in squared map units, not m2", path)
    areas = geodesic_area_m2(gdf.geometry)
    result = {"inputs": {"path": str(path), "where": where},
              **magnitude_frequency(areas, n_bootstrap=n_bootstrap, seed=seed)}
    if json_path is not None:
        write_json(json_path, result)
    if report_path is not None:
        from massmap.evaluate.reporting import inventory_report

        inventory_report(result).write(report_path)
    return result
