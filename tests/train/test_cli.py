"""`massmap train` end to end through the command line, and its one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from massmap.cli import app
from massmap.train.curves import read_log

runner = CliRunner()

TINY_ARGS = ["--arch", "unet", "--encoder", "resnet18", "--patch-size", "64", "--epochs", "1",
             "--patches-per-epoch", "8", "--batch-size", "4", "--val-patches", "4"]


def test_train_command_writes_model_card_log_and_curve(training_manifest, tmp_path):
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", "--manifest", str(training_manifest), "--out", str(out), *TINY_ARGS,
                                 "--workers", "1", "--neg-ratio", "1", "--where", "coherent = 1", "--loss", "focal",
                                 "--encoding", "raw", "--no-coherence", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "unet / resnet18" in result.output
    for name in ("model.safetensors", "card.json", "training_log.csv", "learning_curve.png", "checkpoints/last.ckpt"):
        assert (out / name).is_file(), name
    card = json.loads((out / "card.json").read_text())
    assert card["channels"] == ["phase"] and card["patch_size"] == 64
    assert card["training_data"]["where"] == "coherent = 1" and card["training_data"]["train_objects"] == 4
    assert card["training"]["loss"] == "focal" and card["training"]["seed"] == 3
    assert [r["epoch"] for r in read_log(out / "training_log.csv")] == [0]


def test_train_command_reports_a_missing_init_model_in_one_line(training_manifest, tmp_path):
    result = runner.invoke(app, ["train", "--manifest", str(training_manifest), "--out", str(tmp_path / "m"),
                                 *TINY_ARGS, "--init", str(tmp_path / "nowhere"), "--quiet"])
    assert result.exit_code == 1
    assert "nowhere" in result.output and "Traceback" not in result.output


def test_train_command_refuses_an_unknown_architecture(training_manifest, tmp_path):
    result = runner.invoke(app, ["train", "--manifest", str(training_manifest), "--out", str(tmp_path / "m"),
                                 "--arch", "resunet", "--quiet"])
    assert result.exit_code == 1 and "--arch" in result.output
