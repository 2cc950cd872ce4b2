"""Model comparison: train architectures and ablations under one budget, score them alike, measure their cost."""

import lazy_loader

# Names load from their submodules on first use, so importing one light submodule (a settings class, say)
# does not import torch, geopandas or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "config": ["BenchmarkConfig"],
        "measure": ["NetworkCost", "count_parameters", "cpu_megapixels_per_second", "gflop_per_megapixel"],
        "run": ["BenchmarkResult", "BenchmarkRow", "benchmark_models"],
        "score": ["PatchScores", "evaluation_split", "score_model"],
        "studies": ["BenchmarkRun", "ablation_runs", "architecture_runs", "comparison_runs"],
    },
)
