"""`massmap train` killed with SIGKILL: no model under the output name, a plain rerun is refused in one line (the
checkpoints are kept), and `--resume` continues the run to a finished model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from massmap.cli import app
from massmap.train.curves import read_log
from tests.train.test_cli import TINY_ARGS

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # a training process is started, killed after its first epoch, and resumed: minutes
def test_a_killed_training_leaves_no_model_and_resume_finishes_it(training_manifest: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    args = ["train", "--manifest", str(training_manifest), "--out", str(out), *TINY_ARGS, "--epochs", "3",
            "--patches-per-epoch", "32", "--workers", "0", "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "massmap", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    last = out / "checkpoints" / "last.ckpt"
    deadline = time.monotonic() + 300
    while not last.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "training ended before it could be killed"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (out / "model.safetensors").exists() and not (out / "card.json").exists()
    assert not list(out.rglob("*.partial"))

    runner = CliRunner()
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "holds an interrupted run's checkpoints; give --resume" in again.output
    assert last.exists()
    resumed = runner.invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert (out / "model.safetensors").is_file() and (out / "card.json").is_file()
    assert [r["epoch"] for r in read_log(out / "training_log.csv")][-1] == 2  # ran to the third epoch
