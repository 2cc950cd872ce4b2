"""`massmap demo`: simulate one realistic scene, map it with the shipped model, score it, and report."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from massmap.constants import DEMO_SEED, DEMO_SIZE  # noqa: E402
from massmap.errors import OutputError  # noqa: E402
from massmap.evaluate.api import evaluate  # noqa: E402
from massmap.io.labels import rasterize_polygons  # noqa: E402
from massmap.log import get_logger  # noqa: E402
from massmap.predict import predict_scene  # noqa: E402
from massmap.report import Report  # noqa: E402
from massmap.simulate.config import SimulationConfig  # noqa: E402
from massmap.simulate.dataset import write_scene  # noqa: E402
from massmap.simulate.scene import SimulatedScene, simulate_scene  # noqa: E402

log = get_logger(__name__)

# A slope busy with movements, so that the report has several coherent patterns to show (a scene drawn with the
# simulator's default count holds about three labelled patterns per 1024 x 1024 pixels, often just one coherent).
DEMO_MOVEMENTS = (30, 40)
COHERENT_ONLY = "coherent = 1"


@dataclass
class DemoResult:
    """Where the demo wrote its outputs, its headline figures and how long it took."""

    out_dir: Path
    report: Path
    polygons: Path
    probability: Path
    metrics: dict
    seconds: float


def _outline(mask: np.ndarray) -> np.ndarray:
    mask = mask.astype(bool)
    return mask & ~ndimage.binary_erosion(mask, iterations=2)


def demo_figure(scene: SimulatedScene, predicted: np.ndarray, probability: np.ndarray):
    """Wrapped phase with true (black) and predicted (white) outlines, beside the probability map."""
    coherent = scene.labels[scene.labels["coherent"]] if len(scene.labels) else scene.labels
    truth = rasterize_polygons(coherent, scene.grid)
    left, bottom, right, top = scene.grid.bounds()
    extent = [left / 1e3, right / 1e3, bottom / 1e3, top / 1e3]
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2), constrained_layout=True)
    rgb = plt.get_cmap("hsv")((scene.phase_rad + np.pi) / (2 * np.pi))[..., :3]
    rgb[_outline(truth)] = 0.0
    rgb[_outline(predicted)] = 1.0
    axes[0].imshow(rgb, extent=extent, interpolation="nearest")
    axes[0].set_title("wrapped phase; true outlines black, predicted white")
    im = axes[1].imshow(probability, extent=extent, cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_title("probability of a mass-movement phase pattern")
    fig.colorbar(im, ax=axes[1], shrink=0.8)
    for ax in axes:
        ax.set_xlabel(f"easting (km, {scene.grid.crs})")
        ax.set_ylabel("northing (km)")
    return fig


def run_demo(
    out_dir: str | os.PathLike = "massmap-demo",
    seed: int = DEMO_SEED,
    size: int = DEMO_SIZE,
    model: str | os.PathLike = "default",
    backend: str = "auto",
    progress: bool = True,
) -> DemoResult:
    """Simulate a scene with known labels, map it with `model`, evaluate it on coherent patterns, write a report."""
    start = time.perf_counter()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the demo folder ({exc.strerror})") from None
    config = SimulationConfig(size=size, hard_negative_fraction=0.0, n_movements=DEMO_MOVEMENTS)
    scene = simulate_scene(config, seed)
    (out / "scene").mkdir(exist_ok=True)
    paths = write_scene(scene, out / "scene", "demo", quicklook=False)
    result = predict_scene(
        paths["phase"], out / "predicted.gpkg", probability=out / "probability.tif", model=model,
        backend=backend, progress=progress, return_probability=True,
    )
    metrics = evaluate(out / "predicted.gpkg", paths["labels"], paths["phase"], where=COHERENT_ONLY,
                       json_path=out / "metrics.json")
    predicted = rasterize_polygons(result.polygons, scene.grid)
    seconds = time.perf_counter() - start

    report = Report("massmap demo", f"simulated Sentinel-1 scene, seed {seed}, {size} x {size} pixels of "
                                    f"{config.pixel_size_m:g} m, model {model}")
    report.add_text(
        "One simulated interferogram of alpine terrain (exact labels known), mapped by the model and scored against "
        "the coherent label polygons. Matching objects count when their IoU is at least 0.4, as in the study."
    )
    assert result.probability is not None  # asked for with return_probability=True
    report.add_figure(demo_figure(scene, predicted, result.probability), caption="outlines and probability")
    px, ob = metrics["pixel"], metrics["object"]
    report.add_heading("Figures")
    report.add_table([
        {"level": "pixel", "IoU": px["iou"], "Dice": px["dice"], "precision": px["precision"], "recall": px["recall"]},
    ])
    report.add_table([
        {"level": "object (IoU >= 0.4)", "precision": ob["precision"], "recall": ob["recall"], "F1": ob["f1"],
         "true positives": ob["tp"], "true objects": ob["n_truth"], "predicted objects": ob["n_pred"]},
    ])
    report.add_table(metrics["missed_by_size"])
    report.add_heading("Scene parameters")
    report.add_json({k: v for k, v in scene.meta.items() if not isinstance(v, (list, dict)) or len(str(v)) < 400})
    report.add_text(f"Outputs: predicted.gpkg (polygons), probability.tif (COG), metrics.json, scene/ (inputs). "
                    f"Mapped in {result.timings.seconds:.1f} s; whole demo {seconds:.1f} s.")
    report_path = report.write(out / "report.html")
    return DemoResult(out, report_path, out / "predicted.gpkg", out / "probability.tif", metrics,
                      time.perf_counter() - start)
