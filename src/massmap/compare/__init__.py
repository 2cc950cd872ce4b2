"""Model comparison: train architectures and ablations under one budget, score them alike, measure their cost."""

from massmap.compare.measure import NetworkCost, count_parameters, cpu_megapixels_per_second, gflop_per_megapixel
from massmap.compare.run import BenchmarkConfig, BenchmarkResult, BenchmarkRow, benchmark_models
from massmap.compare.score import PatchScores, evaluation_split, score_model
from massmap.compare.studies import BenchmarkRun, ablation_runs, architecture_runs, comparison_runs

__all__ = [
    "BenchmarkRun", "ablation_runs", "architecture_runs", "comparison_runs", "NetworkCost", "count_parameters",
    "cpu_megapixels_per_second", "gflop_per_megapixel", "BenchmarkConfig", "BenchmarkResult", "BenchmarkRow",
    "benchmark_models", "PatchScores", "evaluation_split", "score_model",
]
