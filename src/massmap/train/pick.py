"""A model's operating point (probability threshold and smallest polygon kept), chosen on validation scenes.

Each validation scene is mapped whole, as `predict` maps it (tiles, blending: `massmap.predict.run.predict_scene`),
its probability is vectorised at every candidate threshold and minimum area, and the polygons are scored against
the labels as `massmap evaluate` scores them (pixel counts of the rasterised polygons, one-to-one object matching
at IoU 0.4), pooled over scenes. The chosen point maximises the mean of pooled pixel IoU and object F1, so the
figure it reports is what `predict` scores on those scenes with that card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from massmap.constants import MIN_MAPPED_AREA_M2, OBJECT_IOU_THRESHOLD
from massmap.grid import Grid
from massmap.io.labels import is_raster_path, rasterize_polygons, read_mask, read_polygons
from massmap.io.manifest import ManifestRow
from massmap.io.scene import open_scene
from massmap.metrics.matching import metrics_from_pairs, object_scores, overlap_pairs
from massmap.metrics.objects import ObjectSet, objects_from_mask, objects_from_polygons
from massmap.metrics.pixel import metrics_from_counts, pixel_counts
from massmap.models.store import LoadedModel
from massmap.predict.run import predict_scene
from massmap.vectorize import polygons_from_array

# Steps of 0.1: for the default model on the scenes of benchmarks/finetune_gain.py, neighbouring steps of 0.05
# moved the objective by at most 0.02, and every candidate costs one vectorisation of each scene.
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.1, 0.91, 0.1), 2))
# Dropping polygons below the study's mapping limit helps when a model fires on small clutter, and hurts when the
# local patterns are small: the choice is the validation scenes'.
MIN_AREAS_M2 = (0.0, MIN_MAPPED_AREA_M2 / 2, MIN_MAPPED_AREA_M2, 2 * MIN_MAPPED_AREA_M2)
# Pooled counts per (threshold, minimum area): pixel tp, fp, fn, then matched objects, predicted, true.
COUNTS = ("tp", "fp", "fn", "object_tp", "n_pred", "n_truth")


@dataclass(frozen=True)
class ValidationScene:
    """One validation scene ready to score: its manifest row, grid, valid pixels and true objects and mask."""

    row: ManifestRow
    grid: Grid
    valid: np.ndarray
    truth: ObjectSet
    truth_mask: np.ndarray


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold and minimum area (m2) with the pooled figures they give on the validation scenes."""

    threshold: float
    min_area_m2: float
    pixel_iou: float
    object_precision: float
    object_recall: float
    object_f1: float
    scenes: int

    @property
    def score(self) -> float:
        """The objective: mean of pooled pixel IoU and object F1 at IoU 0.4."""
        return (self.pixel_iou + self.object_f1) / 2

    def to_dict(self) -> dict:
        """JSON-ready figures, with the objective."""
        return {**asdict(self), "score": self.score}


def validation_scene(row: ManifestRow, where: str | None = None, pixel_size_m: float | None = None) -> ValidationScene:
    """Read a manifest scene's grid, valid pixels and labels (kept by `where`) for scoring."""
    with open_scene(row.phase, row.coherence, row.dem, pixel_size_m=pixel_size_m, los_path=row.los) as scene:
        grid, valid = scene.grid, scene.read().valid
    if row.labels is None:
        truth_mask = np.zeros(grid.shape, dtype=bool)
        truth = objects_from_mask(truth_mask, valid)
    elif is_raster_path(row.labels):
        truth_mask = read_mask(row.labels, grid).astype(bool)
        truth = objects_from_mask(truth_mask, valid)
    else:
        # One object per polygon, as massmap evaluate reads truth (training may not import evaluate).
        polygons = read_polygons(row.labels, grid, where)
        truth = objects_from_polygons(polygons, grid, valid)
        truth_mask = rasterize_polygons(polygons, grid).astype(bool)
    return ValidationScene(row, grid, valid, truth, truth_mask)


def scene_counts(probability: np.ndarray, scene: ValidationScene, thresholds: Sequence[float] = THRESHOLDS,
                 min_areas_m2: Sequence[float] = MIN_AREAS_M2) -> np.ndarray:
    """Counts (len(thresholds), len(min_areas_m2), 6) of a scene's probability vectorised as `predict` does."""
    out = np.zeros((len(thresholds), len(min_areas_m2), len(COUNTS)), dtype=np.int64)
    n_truth = len(scene.truth)
    for i, t in enumerate(thresholds):
        for j, m in enumerate(min_areas_m2):
            polygons = polygons_from_array(probability, scene.grid, float(t), float(m))
            if len(polygons) == 0:
                out[i, j] = (0, 0, int((scene.truth_mask & scene.valid).sum()), 0, 0, n_truth)
                continue
            mask = rasterize_polygons(polygons, scene.grid).astype(bool)
            objects = metrics_from_pairs(overlap_pairs(objects_from_polygons(polygons, scene.grid, scene.valid),
                                                       scene.truth), OBJECT_IOU_THRESHOLD)
            out[i, j] = (*pixel_counts(mask, scene.truth_mask, scene.valid),
                         objects["tp"], objects["n_pred"], objects["n_truth"])
    return out


def map_and_count(model: LoadedModel, scenes: Sequence[ValidationScene], thresholds: Sequence[float] = THRESHOLDS,
                  min_areas_m2: Sequence[float] = MIN_AREAS_M2, tile_px: int | None = None,
                  backend: str = "torch") -> np.ndarray:
    """Map every scene whole with `model` (as `predict` does) and pool its counts over the candidate points."""
    total = np.zeros((len(thresholds), len(min_areas_m2), len(COUNTS)), dtype=np.int64)
    for scene in scenes:
        r = scene.row
        result = predict_scene(r.phase, coherence=r.coherence, dem=r.dem, los=r.los, model=model, tile_px=tile_px,
                               backend=backend, progress=False, return_probability=True,
                               pixel_size_m=None if scene.grid.crs else scene.grid.pixel_size_m)
        assert result.probability is not None  # asked for with return_probability
        total += scene_counts(result.probability, scene, thresholds, min_areas_m2)
    return total


def point_from_counts(counts: np.ndarray, threshold: float, min_area_m2: float, scenes: int) -> OperatingPoint:
    """The figures of pooled counts (6 values) at one operating point."""
    tp, fp, fn, obj_tp, n_pred, n_truth = (int(v) for v in counts)
    pixel = metrics_from_counts(tp, fp, fn)
    objects = object_scores(obj_tp, n_pred, n_truth, OBJECT_IOU_THRESHOLD)
    return OperatingPoint(float(threshold), float(min_area_m2), float(pixel["iou"]), float(objects["precision"]),
                          float(objects["recall"]), float(objects["f1"]), scenes)


def best_point(counts: np.ndarray, thresholds: Sequence[float], min_areas_m2: Sequence[float],
               scenes: int) -> OperatingPoint:
    """The operating point with the highest objective (the lowest threshold and area among ties)."""
    points = [point_from_counts(counts[i, j], t, m, scenes)
              for i, t in enumerate(thresholds) for j, m in enumerate(min_areas_m2)]
    return max(points, key=lambda p: (p.score, -p.threshold, -p.min_area_m2))


def pick_operating_point(model: LoadedModel, scenes: Sequence[ValidationScene],
                         thresholds: Sequence[float] = THRESHOLDS, min_areas_m2: Sequence[float] = MIN_AREAS_M2,
                         tile_px: int | None = None, backend: str = "torch") -> OperatingPoint:
    """The threshold and minimum area maximising mean pixel IoU and object F1 over the scenes, mapped whole."""
    counts = map_and_count(model, scenes, thresholds, min_areas_m2, tile_px, backend)
    return best_point(counts, thresholds, min_areas_m2, len(scenes))


def card_point(model: LoadedModel, scenes: Sequence[ValidationScene], tile_px: int | None = None,
               backend: str = "torch") -> OperatingPoint:
    """The figures `predict` gives on the scenes with the model's own card (its threshold and minimum area)."""
    threshold, min_area = model.card.threshold, model.card.prediction_min_area_m2
    counts = map_and_count(model, scenes, (threshold,), (min_area,), tile_px, backend)
    return point_from_counts(counts[0, 0], threshold, min_area, len(scenes))
