"""The operating point picked on validation scenes is the one that scores best when `predict` maps them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from massmap.evaluate.run import evaluate
from massmap.io.manifest import read_manifest
from massmap.predict.run import predict_scene
from massmap.train.pick import best_point, map_and_count, pick_operating_point, point_from_counts, validation_scene
from tests.train.detectors import detector_model
from tests.train.factories import write_training_set

THRESHOLDS = (0.3, 0.5, 0.7, 0.9)
MIN_AREAS_M2 = (0.0, 5600.0, 60000.0)
WHERE = "coherent = 1"


@pytest.fixture(scope="module")
def scenes(tmp_path_factory) -> list:
    """Three scenes with two fringe blobs each."""
    rows = read_manifest(write_training_set(tmp_path_factory.mktemp("pick") / "data", size=96, hard_negative=False))
    return [validation_scene(r, WHERE) for r in rows]


def _predicted_and_evaluated(model, scenes, threshold: float, min_area_m2: float, folder: Path):
    """Pooled counts of predict's polygons scored by `massmap evaluate`, scene by scene."""
    total = np.zeros(6, dtype=np.int64)
    for i, s in enumerate(scenes):
        out = folder / f"p{i}_{threshold}_{min_area_m2}.gpkg"
        predict_scene(s.row.phase, out, model=model, threshold=threshold, min_area_m2=min_area_m2, backend="torch",
                      progress=False)
        r = evaluate(out, s.row.labels, s.row.phase, where=WHERE)
        total += (r["pixel"]["tp"], r["pixel"]["fp"], r["pixel"]["fn"], r["object"]["tp"], r["object"]["n_pred"],
                  r["object"]["n_truth"])
    return total


def test_counts_equal_what_predict_and_evaluate_give(scenes, tmp_path):
    model = detector_model(tmp_path)
    thresholds, areas = (0.3, 0.7), (0.0, 60000.0)
    counts = map_and_count(model, scenes, thresholds, areas)
    for i, t in enumerate(thresholds):
        for j, m in enumerate(areas):
            assert counts[i, j].tolist() == _predicted_and_evaluated(model, scenes, t, m, tmp_path).tolist(), (t, m)


def test_the_picked_point_maximises_the_mean_of_pixel_iou_and_object_f1(scenes, tmp_path):
    model = detector_model(tmp_path)
    picked = pick_operating_point(model, scenes, THRESHOLDS, MIN_AREAS_M2)
    counts = map_and_count(model, scenes, THRESHOLDS, MIN_AREAS_M2)
    scores = np.array([[point_from_counts(counts[i, j], t, m, len(scenes)).score for j, m in enumerate(MIN_AREAS_M2)]
                       for i, t in enumerate(THRESHOLDS)])
    assert picked.score == pytest.approx(scores.max())
    # The objective is not flat over the candidates, so the choice matters.
    assert scores.max() - scores.min() > 0.2
    i, j = THRESHOLDS.index(picked.threshold), MIN_AREAS_M2.index(picked.min_area_m2)
    assert scores[i, j] == scores.max()
    assert picked.scenes == 3 and 0.0 < picked.pixel_iou <= 1.0 and 0.0 < picked.object_f1 <= 1.0


def test_ties_go_to_the_lowest_threshold_and_area():
    counts = np.zeros((2, 2, 6), dtype=np.int64)
    counts[:, :] = (10, 5, 5, 1, 2, 1)
    point = best_point(counts, (0.4, 0.6), (0.0, 100.0), 1)
    assert (point.threshold, point.min_area_m2) == (0.4, 0.0)
    assert point.pixel_iou == pytest.approx(0.5) and point.object_f1 == pytest.approx(2 / 3)


def test_a_scene_without_labels_counts_every_mapped_pixel_as_a_false_alarm(tmp_path):
    rows = read_manifest(write_training_set(tmp_path / "data", size=96))
    scene = validation_scene(next(r for r in rows if r.labels is None))
    assert len(scene.truth) == 0
    result = predict_scene(scene.row.phase, model=detector_model(tmp_path), threshold=0.3, min_area_m2=0.0,
                           backend="torch", progress=False)
    counts = map_and_count(detector_model(tmp_path), [scene], (0.3,), (0.0,))[0, 0]
    assert len(result.polygons) > 0
    assert counts.tolist() == [0, counts[1], 0, 0, len(result.polygons), 0] and counts[1] > 100


def test_predict_drops_polygons_below_the_cards_minimum_area(scenes, tmp_path):
    model = detector_model(tmp_path, threshold=0.5)
    phase = scenes[0].row.phase
    kept = predict_scene(phase, model=model, backend="torch", progress=False).polygons
    assert len(kept) > 0 and kept["area_m2"].min() >= 5600.0  # no card value: the study's mapping limit
    model.card.min_area_m2 = float(kept["area_m2"].max()) + 1.0
    assert len(predict_scene(phase, model=model, backend="torch", progress=False).polygons) == 0
    everything = predict_scene(phase, model=model, backend="torch", progress=False, min_area_m2=0.0).polygons
    assert len(everything) >= len(kept)
