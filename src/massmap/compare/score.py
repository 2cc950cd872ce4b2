"""Scores of a trained model on fixed held-out patches: pixel IoU, Dice, object F1 at IoU 0.4.

Every model of a comparison is scored on the very same patches: drawn from the manifest's `test` split (the `val`
split when there is no test split) with one seed, at a fixed positive:negative ratio, whatever the model was
trained with. Scoring reuses the training's validation step, so the numbers are computed exactly as during training.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import lightning as L

from massmap.compare.config import EVAL_NEG_RATIO, EVAL_PATCHES
from massmap.data.sampling import build_scene_index
from massmap.errors import BadInputError
from massmap.io.manifest import read_manifest
from massmap.models.store import load_model
from massmap.train.config import TrainConfig
from massmap.train.datamodule import PatchDataModule
from massmap.train.module import SegmentationModule

EVAL_HARD_FRACTION = 0.5
EVAL_SPLITS = ("test", "val")


@dataclass(frozen=True)
class PatchScores:
    """Pooled scores of a model on the fixed patches of one split, with what was scored."""

    iou: float
    dice: float
    precision: float
    recall: float
    object_precision: float
    object_recall: float
    object_f1: float
    split: str
    n_patches: int
    neg_ratio: float
    seed: int

    def to_dict(self) -> dict:
        """The scores as a plain dict."""
        return asdict(self)


def evaluation_split(manifest: str | Path) -> str:
    """The split models are scored on: `test` when the manifest has one, else `val`."""
    splits = {row.split for row in read_manifest(manifest)}
    for split in EVAL_SPLITS:
        if split in splits:
            return split
    raise BadInputError(f"{manifest}: a comparison needs a test or val split to score the models on")


def score_model(model_dir: str | Path, config: TrainConfig, split: str, n_patches: int = EVAL_PATCHES,
                neg_ratio: float = EVAL_NEG_RATIO) -> PatchScores:
    """Score a trained model on `n_patches` fixed patches of `split`, drawn with `config`'s seed, size and `where`.

    Args:
        model_dir: folder with model.safetensors and card.json.
        config: the run's settings; its seed, patch size, `where`, batch size and pixel size choose the patches.
        split: manifest split to draw from (all its scenes, hard negatives included).
    """
    rows = [r for r in read_manifest(config.manifest) if r.split == split]
    if not rows:
        raise BadInputError(f"{config.manifest}: no scene in the {split} split")
    scene_index = build_scene_index(rows, config.patch_size, config.where, config.pixel_size_m)
    if scene_index.n_objects == 0:
        raise BadInputError(f"{config.manifest}: no labelled object in the {split} split to score models on")
    loaded = load_model(model_dir, device="cpu")
    eval_config = replace(config, neg_ratio=neg_ratio, hard_fraction=EVAL_HARD_FRACTION, val_patches=n_patches,
                          workers=0, augment=False)
    module = SegmentationModule(loaded.net, eval_config, steps_per_epoch=1)
    data = PatchDataModule(scene_index, scene_index, tuple(loaded.card.channels), eval_config)
    trainer = L.Trainer(accelerator="cpu", devices=1, precision="32-true", logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False)
    metrics = trainer.validate(module, datamodule=data, verbose=False)[0]

    def value(key: str) -> float:
        return float(metrics.get(key, math.nan))

    return PatchScores(
        iou=value("val_iou"), dice=value("val_dice"), precision=value("val_precision"), recall=value("val_recall"),
        object_precision=value("val_object_precision"), object_recall=value("val_object_recall"),
        object_f1=value("val_object_f1"), split=split, n_patches=n_patches, neg_ratio=neg_ratio, seed=config.seed,
    )
