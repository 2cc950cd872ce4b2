"""`massmap train` end to end through the command line, and its one-line errors."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from massmap.cli import app
from massmap.models import load_model
from massmap.train.curves import read_log
from tests.train.factories import write_training_set

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


def test_train_command_with_los_stores_the_channel_in_the_card(tmp_path):
    manifest = write_training_set(tmp_path / "data", terrain=True)
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", "--manifest", str(manifest), "--out", str(out), *TINY_ARGS, "--los",
                                 "--workers", "0", "--quiet"])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "card.json").read_text())
    assert card["channels"] == ["sin", "cos", "coherence", "los"] and card["training"]["los"] is True
    assert card["training"]["global_step"] == 2  # 8 patches in batches of 4
    first_conv = next(m for m in load_model(out).net.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 4


def test_train_with_los_on_a_manifest_without_los_is_one_line_naming_the_line(training_manifest, tmp_path):
    result = runner.invoke(app, ["train", "--manifest", str(training_manifest), "--out", str(tmp_path / "m"),
                                 *TINY_ARGS, "--los", "--quiet"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{training_manifest}: line 2: the los channel needs the dem and los columns" in lines[0]
    assert not (tmp_path / "m" / "card.json").exists()


@pytest.mark.slow  # a second interpreter trains until its first checkpoint: about 20 s idle
def test_a_file_size_limit_gives_one_line_and_no_model(training_manifest, tmp_path):
    import os
    import resource
    import subprocess
    import sys
    from pathlib import Path

    def limit_files() -> None:
        # Far below a checkpoint of the tiny U-Net (tens of MB), above the scene files it reads.
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, resource.RLIM_INFINITY))

    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = tmp_path / "model"
    proc = subprocess.run([sys.executable, "-m", "massmap", "train", "--manifest", str(training_manifest), "--out",
                           str(out), *TINY_ARGS, "--workers", "0", "--quiet"], preexec_fn=limit_files,
                          capture_output=True, text=True, env=env, timeout=600)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert proc.returncode == 1, proc.stderr
    assert len(errors) == 1 and "file size limit reached" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
