"""`massmap predict-batch` killed with SIGKILL or stopped by Ctrl-C (its local workers too): every file under an
output name is complete and vouched for or redone, no catalogue or summary is half-written, Ctrl-C says
"interrupted" in one line and leaves no staging or temporary folder, and a rerun finishes the batch (after a
SIGKILL, removing the dead run's staging folders)."""

from __future__ import annotations

import signal
from pathlib import Path

import pandas as pd
import psutil
import pytest
from typer.testing import CliRunner

from massmap.batch import read_catalog
from massmap.batch.completeness import damage_reason, sidecar_path
from massmap.batch.run import STAGING_DIR
from massmap.cli import app
from tests.processes import interrupted_line, start_massmap, stop_when, temporary_folders_of


def _stop_after_first_scene(args: list[str], out: Path, scenes: list, sig: signal.Signals,
                            stderr_path: Path | None = None) -> tuple[int, list[int]]:
    """Start a batch on one local worker and send `sig` to its session once a scene is vouched for; its exit code
    and the process ids of the batch and its workers."""
    proc = start_massmap([*args, "--workers", "1"], stderr_path)
    pids: list[int] = []

    def one_scene_done() -> bool:
        pids[:] = [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]
        return any(sidecar_path(out, s.scene_id).exists() for s in scenes[:2])

    return stop_when(proc, one_scene_done, sig, 600, "the batch"), pids


def _check_nothing_half_written_then_rerun(args: list[str], out: Path, scenes: list, cluster_address: str) -> None:
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


def _batch_args(catalog: Path, out: Path, model: Path) -> list[str]:
    return ["predict-batch", "--catalog", str(catalog), "--out-dir", str(out), "--model", str(model),
            "--backend", "torch", "-q"]


@pytest.mark.slow  # a batch process and its worker start and are killed mid-batch: 1-5 minutes when loaded
def test_a_killed_batch_leaves_nothing_half_written_and_a_rerun_finishes_it(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    args = _batch_args(simulated_catalog, out, tiny_model)
    scenes = read_catalog(simulated_catalog)
    _stop_after_first_scene(args, out, scenes, signal.SIGKILL)
    _check_nothing_half_written_then_rerun(args, out, scenes, cluster_address)


@pytest.mark.slow  # a batch process and its worker start and are stopped by Ctrl-C mid-batch: minutes when loaded
def test_ctrl_c_on_a_batch_says_interrupted_and_leaves_no_staging_or_temporary_folder(
    tiny_model: Path, simulated_catalog: Path, cluster_address: str, tmp_path: Path,
) -> None:
    out, stderr = tmp_path / "out", tmp_path / "stderr.txt"
    args = _batch_args(simulated_catalog, out, tiny_model)
    scenes = read_catalog(simulated_catalog)
    code, pids = _stop_after_first_scene(args, out, scenes, signal.SIGINT, stderr)
    assert code == 130
    assert interrupted_line(stderr) == "error: interrupted"
    assert not (out / STAGING_DIR).exists() and not [p for p in out.iterdir() if p.name.startswith(".")]
    assert [folder for pid in pids for folder in temporary_folders_of(pid)] == []
    _check_nothing_half_written_then_rerun(args, out, scenes, cluster_address)
