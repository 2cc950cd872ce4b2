"""`massmap predict-batch` killed with SIGKILL (its local workers too): every file under an output name is complete
and vouched for or redone, no catalogue or summary is half-written, and a rerun finishes the batch and removes the
dead run's staging folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from massmap.batch import read_catalog
from massmap.batch.completeness import damage_reason, sidecar_path
from massmap.batch.run import STAGING_DIR
from massmap.cli import app

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # a batch process and its worker start and are killed mid-batch: minutes when loaded
def test_a_killed_batch_leaves_nothing_half_written_and_a_rerun_finishes_it(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    args = ["predict-batch", "--catalog", str(simulated_catalog), "--out-dir", str(out), "--model", str(tiny_model),
            "--backend", "torch", "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "massmap", *args, "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    scenes = read_catalog(simulated_catalog)
    deadline = time.monotonic() + 300
    while not sidecar_path(out, scenes[0].scene_id).exists() and not sidecar_path(out, scenes[1].scene_id).exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the batch ended before it could be killed"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (out / "catalogue.gpkg").exists() and not (out / "summary.csv").exists()
    vouched = [s for s in scenes if sidecar_path(out, s.scene_id).exists()]
    assert 1 <= len(vouched) < len(scenes)
    assert all(damage_reason(sidecar_path(out, s.scene_id)) is None for s in vouched)

    rerun = CliRunner().invoke(app, [*args, "--scheduler", cluster_address])
    assert rerun.exit_code == 0, rerun.output
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert sorted(summary["status"]) == sorted(["skipped"] * len(vouched) + ["mapped"] * (len(scenes) - len(vouched)))
    assert not (out / STAGING_DIR).exists()  # the dead run's staging folders went with the rerun
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
