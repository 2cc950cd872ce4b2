"""Training data: patches sampled from whole scenes (windows, never whole scenes in memory) and augmentations."""

import lazy_loader

# Names load from their submodules on first use, so importing one light submodule (a settings class, say)
# does not import torch, geopandas or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "augment": ["AugmentSettings", "augment_patch"],
        "patches": ["PatchDataset", "PatchSampler"],
        "sampling": [
            "HARD_NEGATIVE", "IGNORE_LABEL", "NEGATIVE", "POSITIVE", "LabelledScene", "PatchArrays", "PatchWindow",
            "SceneIndex", "build_scene_index", "epoch_kinds", "read_patch",
        ],
    },
)
