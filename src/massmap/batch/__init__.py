"""Many scenes at once on Dask: catalog of inputs, resumable per-scene tasks, merged catalogue and summary.

`from massmap.batch import predict_batch, read_catalog, scenes_from_paths`.
"""

from massmap.batch.catalog import SceneEntry, parse_scene_name, read_catalog, scenes_from_paths
from massmap.batch.run import BatchResult, SceneOutcome, map_scene, predict_batch

__all__ = ["SceneEntry", "parse_scene_name", "read_catalog", "scenes_from_paths", "predict_batch", "map_scene",
           "BatchResult", "SceneOutcome"]
