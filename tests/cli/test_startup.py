"""The command line starts at once: `--help` of massmap and of every command imports none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.main import get_command
from typer.testing import CliRunner

from massmap.cli import app

# Each costs from a few hundred milliseconds (geopandas, matplotlib, Dask) to seconds (torch) to import.
HEAVY_MODULES = ("torch", "onnxruntime", "geopandas", "matplotlib", "dask", "distributed", "lightning",
                 "segmentation_models_pytorch", "scipy", "rasterio", "pyproj", "numpy")

_HELP_ALL = """
import json, sys
from typer.main import get_command
from typer.testing import CliRunner
from massmap.cli import app
runner = CliRunner()
codes = {}
for name in [""] + sorted(get_command(app).commands):
    codes[name] = runner.invoke(app, ([name] if name else []) + ["--help"]).exit_code
print(json.dumps({"codes": codes, "heavy": sorted(m for m in HEAVY if m in sys.modules)}))
"""


def test_help_of_every_command_imports_no_heavy_library() -> None:
    code = f"HEAVY = {HEAVY_MODULES!r}\n" + _HELP_ALL
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert len(found["codes"]) >= 12 and set(found["codes"].values()) == {0}, found["codes"]
    assert found["heavy"] == []


def test_every_command_says_out_for_what_it_writes() -> None:
    runner = CliRunner()
    for name in ("predict", "predict-batch", "simulate", "combine", "demo", "train", "benchmark-models"):
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "--out" in result.output, name
    assert set(get_command(app).commands) >= {"predict", "predict-batch", "info", "demo"}
