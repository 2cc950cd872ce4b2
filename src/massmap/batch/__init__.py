"""Many scenes at once on Dask: catalog of inputs, resumable per-scene tasks, merged catalogue and summary.

`from massmap.batch import predict_batch, read_catalog, scenes_from_paths`.
"""

import lazy_loader

# Names load from their submodules on first use, so importing one light submodule (a settings class, say)
# does not import torch, geopandas or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "catalog": ["SceneEntry", "parse_scene_name", "read_catalog", "scenes_from_paths"],
        "run": ["BatchResult", "SceneOutcome", "map_scene", "predict_batch"],
    },
)
