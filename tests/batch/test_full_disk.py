"""`massmap predict-batch` on a full disk (a file-size limit stands in for it): each scene fails in one line naming
it and the problem, the batch exits 1 without a traceback, and only the summary of the failures is left."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from tests.processes import REPO


def _massmap_temporary_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("massmap-*"))


def test_a_file_size_limit_fails_every_scene_in_one_line_each(tiny_model: Path, simulated_catalog: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "batch"

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40 * 1024, resource.RLIM_INFINITY))

    before = _massmap_temporary_folders()
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run(
        [sys.executable, "-m", "massmap", "predict-batch", "--catalog", str(simulated_catalog), "--out-dir", str(out),
         "--model", str(tiny_model), "--backend", "torch", "--workers", "1", "-q"],
        preexec_fn=limit_files, capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 3, proc.stderr
    assert all("_phase.tif: " in e and "file size limit reached" in e for e in errors), errors
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]
    assert pd.read_csv(out / "summary.csv")["status"].tolist() == ["failed"] * 3
    assert _massmap_temporary_folders() <= before
