"""Training data: patches sampled from whole scenes (windows, never whole scenes in memory) and augmentations."""

from massmap.data.augment import AugmentSettings, augment_patch
from massmap.data.patches import PatchDataset, PatchSampler
from massmap.data.sampling import (
    HARD_NEGATIVE,
    IGNORE_LABEL,
    NEGATIVE,
    POSITIVE,
    LabelledScene,
    PatchArrays,
    PatchWindow,
    SceneIndex,
    build_scene_index,
    epoch_kinds,
    read_patch,
)

__all__ = [
    "AugmentSettings", "augment_patch", "PatchDataset", "PatchSampler", "HARD_NEGATIVE", "IGNORE_LABEL", "NEGATIVE",
    "POSITIVE", "PatchArrays", "PatchWindow", "SceneIndex", "LabelledScene", "build_scene_index", "epoch_kinds",
    "read_patch",
]
