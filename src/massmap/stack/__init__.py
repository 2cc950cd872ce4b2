"""Many interferograms of one frame: per-pixel persistence of detections, and phase-gradient stacking.

`from massmap.stack import predict_stack`.
"""

import lazy_loader

# Names load from their submodules on first use, so importing the light settings module does not import
# geopandas, rasterio or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "run": ["StackResult", "predict_stack"],
    },
)
