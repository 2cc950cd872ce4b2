"""Validation on whole scenes during training, and the operating point and fine-tuning record of the card.

Each epoch the validation scenes are mapped whole with the network being trained, as `predict` maps them, and
scored at the best threshold and minimum area (`massmap.train.pick`): the log's `val_scene_*` figures are those
`predict` gives on those scenes with the card written at the end, which holds that threshold and area.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import lightning as L
import numpy as np
import torch

from massmap.area import geodesic_area_m2
from massmap.data.sampling import SceneIndex
from massmap.log import get_logger
from massmap.models.card import ModelCard
from massmap.models.store import WEIGHTS_FILE, LoadedModel, load_model, resolve_model_dir
from massmap.train.pick import (
    MIN_AREAS_M2,
    THRESHOLDS,
    OperatingPoint,
    ValidationScene,
    best_point,
    map_and_count,
    point_from_counts,
    validation_scene,
)

log = get_logger(__name__)

# Names of the logged figures (also monitor names in TrainConfig).
SCENE_SCORE, SCENE_IOU, SCENE_OBJECT_F1, SCENE_THRESHOLD = (
    "val_scene_score", "val_scene_iou", "val_scene_object_f1", "val_scene_threshold")


def index_summary(index: SceneIndex, pixel_size_m: float | None = None) -> dict:
    """Scenes, labelled polygons and their ground area (m2) of one split."""
    areas = [geodesic_area_m2(s.labels, pixel_size_m).sum() for s in index.scenes if len(s.labels)]
    return {"scenes": len(index.scenes), "polygons": index.n_objects, "area_m2": float(np.sum(areas))}


def weights_sha256(model: str | Path) -> str:
    """SHA-256 of a model folder's weights file (which model a fine-tuning started from)."""
    digest = hashlib.sha256()
    with open(resolve_model_dir(model) / WEIGHTS_FILE, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SceneValidation(L.Callback):
    """Map the validation scenes whole after each validation epoch and log the best operating point's figures."""

    def __init__(self, scenes: Sequence[ValidationScene], card: ModelCard, out: Path) -> None:
        self.scenes = list(scenes)
        self.card = card
        self.out = Path(out)

    @classmethod
    def of_index(cls, index: SceneIndex, card: ModelCard, out: Path, where: str | None,
                   pixel_size_m: float | None) -> SceneValidation:
        """Validation on every scene of an index (the val split)."""
        return cls([validation_scene(s.row, where, pixel_size_m) for s in index.scenes], card, out)

    def _counts(self, model: LoadedModel, thresholds: Sequence[float], min_areas_m2: Sequence[float]) -> np.ndarray:
        return map_and_count(model, self.scenes, thresholds, min_areas_m2, tile_px=model.card.prediction_tile_px,
                             backend="torch")

    def pick(self, net: torch.nn.Module) -> OperatingPoint:
        """The best operating point of `net` on the scenes."""
        was_training = net.training
        model = LoadedModel(net.eval(), self.card, self.out, torch.device("cpu"))
        try:
            return best_point(self._counts(model, THRESHOLDS, MIN_AREAS_M2), THRESHOLDS, MIN_AREAS_M2,
                              len(self.scenes))
        finally:
            net.train(was_training)

    def before(self, init: str) -> dict:
        """Figures of the starting model on the scenes: with its own card, and at its best operating point."""
        model = load_model(init, device="cpu")
        card = model.card
        thresholds = tuple(sorted({*THRESHOLDS, card.threshold}))
        areas = tuple(sorted({*MIN_AREAS_M2, card.prediction_min_area_m2}))
        counts = self._counts(model, thresholds, areas)
        own = point_from_counts(counts[thresholds.index(card.threshold), areas.index(card.prediction_min_area_m2)],
                                card.threshold, card.prediction_min_area_m2, len(self.scenes))
        return {"card": own.to_dict(), "picked": best_point(counts, thresholds, areas, len(self.scenes)).to_dict()}

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Log the best operating point's objective, pixel IoU, object F1 and threshold."""
        if trainer.sanity_checking:
            return
        point = self.pick(cast(torch.nn.Module, pl_module.net))
        pl_module.log_dict({SCENE_SCORE: point.score, SCENE_IOU: point.pixel_iou, SCENE_OBJECT_F1: point.object_f1,
                            SCENE_THRESHOLD: point.threshold})


def record_fine_tuning(card: ModelCard, init: str, train: SceneIndex, val: SceneIndex,
                       before: dict, after: OperatingPoint, pixel_size_m: float | None = None) -> None:
    """Write the fine-tuning record into the card: the starting model, the data, and the validation figures."""
    card.fine_tuning = {
        "init": init,
        "init_weights_sha256": weights_sha256(init),
        "train": index_summary(train, pixel_size_m),
        "val": index_summary(val, pixel_size_m),
        "before": before,
        "after": after.to_dict(),
    }
