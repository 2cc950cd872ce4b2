"""Every bad input of `cases.md` is refused with one line naming the problem (--quiet), exit 1, and no file touched."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch
from affine import Affine
from typer.testing import CliRunner

from massmap.cli import app
from massmap.models import ModelCard, create_network, save_model
from tests.conftest import UTM_ORIGIN, fringe_blob, snapshot, utm_square, write_raster

CASES_FILE = Path(__file__).with_name("cases.md")
runner = CliRunner()


def read_cases() -> list[tuple[str, str, str]]:
    """(case, command, message) rows of the Markdown table in cases.md."""
    rows = []
    for line in CASES_FILE.read_text().splitlines():
        m = re.match(r"^\| (?P<case>[^|`]+?) \| `(?P<cmd>[^`]+)` \| `(?P<msg>[^`]+)` \|$", line)
        if m:
            rows.append((m["case"], m["cmd"], m["msg"]))
    return rows


def make_inputs(folder: Path) -> None:
    """The good and bad files the cases name, on a 64 x 64 grid of 20 m pixels in UTM 32N."""
    good = fringe_blob()
    write_raster(folder / "scene_phase.tif", good)
    write_raster(folder / "scene2_phase.tif", fringe_blob(centre=(20, 40)))
    (folder / "empty_phase.tif").write_bytes(b"")
    (folder / "text_phase.tif").write_text("phase,coherence\n0.1,0.5\n")
    big = np.tile(fringe_blob(), (4, 4))
    whole = write_raster(folder / "whole_phase.tif", big)
    data = whole.read_bytes()
    (folder / "truncated_phase.tif").write_bytes(data[: int(len(data) * 0.6)])
    whole.unlink()
    write_raster(folder / "unwrapped_phase.tif", np.linspace(0, 40, 64 * 64, dtype=np.float32).reshape(64, 64))
    write_raster(folder / "degrees_phase.tif", np.degrees(good).astype(np.float32))
    write_raster(folder / "nan_phase.tif", np.full((64, 64), np.nan, np.float32))
    write_raster(folder / "int16_phase.tif", (good * 1000).astype(np.int16))
    write_raster(folder / "two_band_phase.tif", np.stack([good, good]))
    write_raster(folder / "tiny_phase.tif", np.zeros((1, 1), np.float32))
    write_raster(folder / "percent_coh.tif", np.full((64, 64), 63.0, np.float32))
    third = np.full((64, 64), 0.7, np.float32)
    third[22:] = np.nan
    write_raster(folder / "third_coh.tif", third, nodata=float("nan"))
    far = Affine(20.0, 0, UTM_ORIGIN[0] + 50_000, 0, -20.0, UTM_ORIGIN[1])
    write_raster(folder / "far_coh.tif", np.full((64, 64), 0.7, np.float32), transform=far)
    write_raster(folder / "nocrs_phase.tif", good, crs=None)
    write_raster(folder / "small_nocrs_coh.tif", np.full((32, 32), 0.7, np.float32), crs=None)
    write_raster(folder / "pair_phase.tif", good)
    write_raster(folder / "pair_coh.tif", np.full((64, 64), 0.7, np.float32))
    (folder / "existing.gpkg").write_bytes(b"an earlier result")
    (folder / "old.dbf").write_bytes(b"an earlier table")
    (folder / "sub").mkdir()
    (folder / "run" / "checkpoints").mkdir(parents=True)
    (folder / "run" / "checkpoints" / "last.ckpt").write_bytes(b"a run killed after its first epoch")
    write_raster(folder / "sub" / "scene_phase.tif", good)
    (folder / "catalog.csv").write_text("phase\nscene_phase.tif\n")
    (folder / "unknown_setting.json").write_text('{"learning_rate": 0.001}\n')
    # A finished model comparison (settings, table and figure) and one killed halfway (settings and a run only).
    for name in ("comparison", "halfway"):
        (folder / name / "unet-resnet18-sincos-neg0").mkdir(parents=True)
        (folder / name / "benchmark_config.json").write_text("{}\n")
    for result in ("table.md", "table.csv", "figure.png"):
        (folder / "comparison" / result).write_text("a result\n")
    (folder / "nophase.csv").write_text("coherence\npair_coh.tif\n")
    (folder / "nolabels.csv").write_text("phase,split\nscene_phase.tif,train\n")
    x0, y0 = UTM_ORIGIN[0] + 300, UTM_ORIGIN[1] - 900
    utm_square(x0, y0, 400, coherent=1).to_file(folder / "labels.gpkg")
    utm_square(x0, y0, 400, coherent=1).iloc[:0].to_file(folder / "empty_labels.gpkg")
    utm_square(x0 + 90_000, y0, 400, coherent=1).to_file(folder / "far_labels.gpkg")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The input folder and a small random U-Net model folder (sin, cos, coherence; 64 px tiles)."""
    folder = tmp_path_factory.mktemp("bad_inputs")
    make_inputs(folder)
    torch.manual_seed(0)
    card = ModelCard(arch="unet", encoder="resnet18", patch_size=64)
    model = save_model(create_network(card.arch, card.encoder, card.in_channels), card,
                       tmp_path_factory.mktemp("model") / "unet")
    return folder, model


def test_the_table_names_at_least_40_bad_inputs() -> None:
    cases = read_cases()
    assert len(cases) >= 40 and len({c for c, _, _ in cases}) == len(cases)


@pytest.mark.parametrize("case, command, message", read_cases(), ids=[c for c, _, _ in read_cases()])
def test_bad_input_is_one_line_exit_1_and_nothing_written(case, command, message, inputs,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder, model = inputs
    monkeypatch.setenv("MASSMAP_CACHE_DIR", str(folder.parent / "cache"))
    args = [a.format(tmp=folder, model=model) for a in shlex.split(command)] + ["--quiet"]
    before = snapshot(folder)
    result = runner.invoke(app, args)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message.format(tmp=folder) in lines[0], lines[0]
    assert snapshot(folder) == before  # no input changed, no output or hidden partial file left
