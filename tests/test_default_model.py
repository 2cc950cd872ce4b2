"""The shipped default model: it loads offline, its card matches its weights, and it finds motion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
from safetensors import safe_open

from massmap.evaluate.run import evaluate
from massmap.models.card import ModelCard
from massmap.models.store import CARD_FILE, WEIGHTS_FILE, card_in_weights, default_model_dir, load_model
from massmap.predict import predict_scene
from massmap.simulate.config import SimulationConfig
from massmap.simulate.dataset import write_scene
from massmap.simulate.scene import simulate_scene

WEIGHTS = default_model_dir() / WEIGHTS_FILE


def test_default_model_loads_and_its_card_matches_its_weights():
    loaded = load_model("default", device="cpu")
    card = ModelCard.read(default_model_dir() / CARD_FILE)
    assert loaded.card == card == card_in_weights(WEIGHTS)
    assert (card.arch, card.encoder) == ("unetplusplus", "resnet18")
    assert card.limits and "simulated" in card.limits
    assert card.metrics["heldout"]["all"]["pixel"]["iou"] > 0
    with safe_open(str(WEIGHTS), framework="pt") as f:
        dtypes = {str(f.get_slice(k).get_dtype()) for k in f.keys()}
        n_floats = sum(int(np.prod(f.get_slice(k).get_shape())) for k in f.keys() if "F" in f.get_slice(k).get_dtype())
    assert "F16" in dtypes and "F32" not in dtypes  # shipped as float16
    assert n_floats == sum(p.numel() for p in loaded.net.parameters()) + sum(
        b.numel() for n, b in loaded.net.named_buffers() if b.is_floating_point())
    assert next(loaded.net.parameters()).dtype.is_floating_point and next(loaded.net.parameters()).dtype.itemsize == 4


def test_default_model_finds_motion_in_a_small_simulated_scene(tmp_path):
    # A scene with clear coherent motion; the held-out figures in the card say how often the model finds less.
    config = SimulationConfig(size=256, hard_negative_fraction=0.0, n_movements=(8, 8))
    scene = simulate_scene(config, [77, 3])
    paths = write_scene(scene, tmp_path, "t", quicklook=False)
    result = predict_scene(paths["phase"], tmp_path / "pred.gpkg", progress=False)
    scores = evaluate(tmp_path / "pred.gpkg", paths["labels"], paths["phase"], where="coherent = 1")
    assert len(result.polygons) >= 1
    assert scores["pixel"]["iou"] > 0.4
    assert scores["object"]["tp"] >= 1


def test_demo_writes_report_polygons_and_cog(tmp_path):
    from massmap.demo import run_demo

    result = run_demo(tmp_path / "demo", size=256, progress=False)
    assert result.report.exists() and result.report.stat().st_size > 10_000
    html = result.report.read_text()
    assert "data:image/png;base64," in html and "IoU" in html
    metrics = json.loads((tmp_path / "demo" / "metrics.json").read_text())
    assert set(metrics["pixel"]) >= {"iou", "dice", "precision", "recall"}
    assert (tmp_path / "demo" / "predicted.gpkg").exists() and (tmp_path / "demo" / "probability.tif").exists()
    assert not list((tmp_path / "demo").glob("*.partial*"))
    # Staged in a hidden sibling and renamed into place: the files name each other by their final paths.
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]
    scene = tmp_path / "demo" / "scene"
    assert metrics["inputs"]["truth"] == str(scene / "demo_labels.gpkg")
    assert pyogrio.read_info(tmp_path / "demo" / "predicted.gpkg")["layer_metadata"]["input_phase"] == str(
        scene / "demo_phase.tif")
    with rasterio.open(tmp_path / "demo" / "probability.tif") as src:
        assert src.tags()["input_coherence"] == str(scene / "demo_coh.tif")
    staged = [p.relative_to(tmp_path) for p in (tmp_path / "demo").rglob("*")
              if p.is_file() and b".demo.massmap-" in p.read_bytes()]
    assert staged == []


def test_a_failed_demo_leaves_nothing(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import massmap.demo
    from massmap.cli import app
    from massmap.errors import BadInputError

    def fail(scene, *args, **kwargs):
        assert Path(scene).is_file()  # the simulated scene is written, in the staging folder
        raise BadInputError(f"{scene}: injected failure")

    monkeypatch.setattr(massmap.demo, "predict_scene", fail)
    result = CliRunner().invoke(app, ["demo", "-o", str(tmp_path / "demo"), "--size", "64", "-q"])
    assert result.exit_code == 1 and "injected failure" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["demo", "--size", "256", "-q"]])
def test_demo_cli(tmp_path, args, monkeypatch):
    from typer.testing import CliRunner

    from massmap.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "massmap-demo" / "report.html").exists()
