"""simulate writes its set whole or not at all: a killed run leaves nothing under the output name and its staging
folder is reclaimed by the next run; an existing set is replaced only with --overwrite."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from massmap.cli import app
from massmap.io.manifest import read_manifest
from tests.processes import interrupted_line, start_massmap, stop_when

runner = CliRunner()


def _simulate(out: Path, n: int, *extra: str) -> list[str]:
    return ["simulate", "--out", str(out), "--n-scenes", str(n), "--seed", "3", "--size", "64", "-q", *extra]


def _staged_scenes(folder: Path) -> list[Path]:
    return [p for p in folder.glob(".out.massmap-*.partial/scene_*_phase.tif")]


def _stop_simulate_midway(work: Path, sig: signal.Signals, stderr_path: Path | None = None) -> int:
    """Start a long simulate into WORK/out and send `sig` once two scenes are staged; its exit code."""
    proc = start_massmap(_simulate(work / "out", 5000), stderr_path)
    return stop_when(proc, lambda: len(_staged_scenes(work)) >= 2, sig, 120, "simulate")


@pytest.mark.slow  # a second interpreter starts and is killed: about 10 s idle, a minute on a loaded machine
def test_a_killed_simulate_leaves_no_set_and_a_rerun_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stop_simulate_midway(tmp_path, signal.SIGKILL)
    assert not out.exists()  # no partial set under the output name
    assert len(list(tmp_path.glob(".out.massmap-*.partial"))) == 1  # the dead run's staging folder

    rerun = runner.invoke(app, _simulate(out, 2))
    assert rerun.exit_code == 0, rerun.output
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the dead run's folder reclaimed
    assert len(read_manifest(out / "manifest.csv")) == 2


@pytest.mark.slow  # a second interpreter starts and is stopped: as long as the SIGKILL test
def test_ctrl_c_on_simulate_says_interrupted_and_leaves_nothing(tmp_path: Path) -> None:
    work, stderr = tmp_path / "work", tmp_path / "stderr.txt"
    work.mkdir()
    assert _stop_simulate_midway(work, signal.SIGINT, stderr) == 130
    assert interrupted_line(stderr) == "error: interrupted"
    assert list(work.iterdir()) == []  # no set, no staging folder

    rerun = runner.invoke(app, _simulate(work / "out", 2))
    assert rerun.exit_code == 0, rerun.output
    assert len(read_manifest(work / "out" / "manifest.csv")) == 2


def test_an_existing_set_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, _simulate(out, 2)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    again = runner.invoke(app, _simulate(out, 3))
    assert again.exit_code == 1
    assert again.output.strip() == f"error: {out}: already exists and is not empty; give --overwrite to write into it"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    replaced = runner.invoke(app, _simulate(out, 3, "--overwrite"))
    assert replaced.exit_code == 0, replaced.output
    assert len(read_manifest(out / "manifest.csv")) == 3
    assert not list(tmp_path.glob(".*"))  # no staging folder left


def test_simulate_stacks_write_whole_too(tmp_path: Path) -> None:
    out = tmp_path / "stacks"
    args = ["simulate", "--out", str(out), "--n-scenes", "1", "--seed", "1", "--size", "64", "--stack", "3", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert (out / "stacks.csv").exists() and (out / "manifest.csv").exists()
    assert runner.invoke(app, args).exit_code == 1  # not empty now
    assert not list(tmp_path.glob(".*"))


@pytest.mark.slow  # a second interpreter: about 10 s idle
def test_a_file_size_limit_gives_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    import os
    import resource
    import subprocess
    import sys

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (8 * 1024, resource.RLIM_INFINITY))

    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "massmap", *_simulate(tmp_path / "out", 3)], preexec_fn=limit_files,
                          capture_output=True, text=True, env=env, timeout=300)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert proc.returncode == 1, proc.stderr
    assert len(errors) == 1 and "file size limit reached" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no set, no staging folder
