"""Segmentation models: the factory over segmentation-models-pytorch, the input channels, the model card and storage."""

import lazy_loader

# Names load from their submodules on first use, so importing one light submodule (a settings class, say)
# does not import torch, geopandas or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "card": ["ModelCard"],
        "factory": ["create_network"],
        "store": ["LoadedModel", "load_model", "save_model"],
    },
)
