"""`massmap demo`: simulate one realistic scene, map it with the shipped model, score it, and report."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from massmap.atomic import atomic_folder
from massmap.constants import DEFAULT_MODEL, DEMO_SEED, DEMO_SIZE
from massmap.demo_report import demo_report
from massmap.evaluate.run import evaluate
from massmap.log import get_logger
from massmap.predict.run import predict_scene
from massmap.predict.settings import PredictSettings
from massmap.simulate.config import SimulationConfig
from massmap.simulate.dataset import write_scene
from massmap.simulate.scene import simulate_scene

log = get_logger(__name__)

# A slope busy with movements, so that the report has several coherent patterns to show (a scene drawn with the
# simulator's default count holds about three labelled patterns per 1024 x 1024 pixels, often just one coherent).
DEMO_MOVEMENTS = (30, 40)
COHERENT_ONLY = "coherent = 1"
REPORT_FILE = "report.html"
POLYGONS_FILE = "predicted.gpkg"
PROBABILITY_FILE = "probability.tif"


@dataclass
class DemoResult:
    """Where the demo wrote its outputs, its headline figures and how long it took."""

    out_dir: Path
    report: Path
    polygons: Path
    probability: Path
    metrics: dict
    seconds: float


def run_demo(
    out_dir: str | os.PathLike = "massmap-demo",
    seed: int = DEMO_SEED,
    size: int = DEMO_SIZE,
    model: str | os.PathLike = DEFAULT_MODEL,
    settings: PredictSettings | None = None,
    progress: bool = True,
    overwrite: bool = True,
) -> DemoResult:
    """Simulate a scene with known labels, map it with `model` (and `settings`), score coherent patterns, report.

    Everything is written into a hidden folder beside `out_dir` that is renamed into place when complete
    (`atomic_folder`), so a refused, failed or killed demo leaves nothing under `out_dir`; the files it writes
    name one another by their final paths. Without `overwrite` (the command line's default), a non-empty
    `out_dir` is refused."""
    start = time.perf_counter()
    with atomic_folder(out_dir, overwrite) as stage:
        metrics = _demo_into(stage, seed, size, model, settings, progress, start)
    out = Path(out_dir)
    return DemoResult(out, out / REPORT_FILE, out / POLYGONS_FILE, out / PROBABILITY_FILE, metrics,
                      time.perf_counter() - start)


def _demo_into(out: Path, seed: int, size: int, model: str | os.PathLike, settings: PredictSettings | None,
               progress: bool, start: float) -> dict:
    """Write the demo's scene, polygons, probability, scores and report into `out`; return the scores."""
    # Labels by the rule the shipped model was trained on (its card: half a fringe over 12 px or more), so the
    # demo scores it against what it was taught; `massmap simulate` draws the newer detectable labels.
    config = SimulationConfig(size=size, hard_negative_fraction=0.0, n_movements=DEMO_MOVEMENTS, label_rule="visible")
    scene = simulate_scene(config, seed)
    (out / "scene").mkdir()
    paths = write_scene(scene, out / "scene", "demo", quicklook=False)
    result = predict_scene(
        paths["phase"], out / POLYGONS_FILE, probability=out / PROBABILITY_FILE, model=model,
        settings=settings, progress=progress, return_probability=True,
    )
    metrics = evaluate(out / POLYGONS_FILE, paths["labels"], paths["phase"], where=COHERENT_ONLY,
                       json_path=out / "metrics.json")
    seconds = time.perf_counter() - start

    assert result.probability is not None  # asked for with return_probability
    truth = scene.labels[scene.labels["coherent"].astype(bool)] if len(scene.labels) else scene.labels
    parameters = {k: v for k, v in scene.meta.items() if not isinstance(v, (list, dict)) or len(str(v)) < 200}
    report = demo_report(
        "massmap demo",
        f"simulated Sentinel-1 scene, seed {seed}, {size} x {size} pixels of {config.pixel_size_m:g} m, model {model}",
        scene.phase_rad, result.probability, result.polygons, truth, scene.grid, metrics, parameters,
        f"Outputs: {POLYGONS_FILE} (polygons), {PROBABILITY_FILE} (COG), metrics.json, scene/ (inputs). "
        f"Mapped in {result.timings.seconds:.1f} s; whole demo {seconds:.1f} s.",
    )
    report.write(out / REPORT_FILE)
    return metrics
