"""Training: settings, the Lightning module and data module, losses, the run itself and its log."""

import lazy_loader

# Names load from their submodules on first use, so importing one light submodule (a settings class, say)
# does not import torch, geopandas or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "config": ["TrainConfig"],
        "recipe": ["apply_recipe", "finetune_config"],
        "run": ["TrainResult", "train"],
    },
)
