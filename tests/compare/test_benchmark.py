"""`massmap benchmark-models` end to end on tiny scenes: table rows, independent cost counts, ablations, resuming."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from massmap.cli import app
from massmap.compare.run import RunRecord
from massmap.compare.score import score_model
from massmap.inputs import channels_for
from massmap.models import create_network
from massmap.train import TrainConfig
from tests.compare.test_measure import conv_gflop_per_megapixel
from tests.conftest import snapshot
from tests.train.factories import write_training_set

runner = CliRunner()

# Two steps of 4 patches of 64 px per run; cost measured on 64 px inputs; one thread (the cores are shared).
TINY = ["--archs", "unet,fpn", "--encoders", "resnet18", "--budget-minutes", "2", "--patch-size", "64",
        "--batch-size", "4", "--epochs", "1", "--patches-per-epoch", "8", "--val-patches", "4", "--eval-patches", "8",
        "--ablation-arch", "unet", "--measure-size", "64", "--speed-threads", "1", "--threads", "1", "--quiet"]
NUMBERS = ("pixel_iou", "dice", "object_f1", "parameters", "gflop_per_mp", "cpu_mp_per_s", "train_minutes")


def read_rows(out: Path) -> list[dict]:
    with open(out / "table.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def comparison(module_tmp: Path) -> tuple[Path, Path]:
    """One tiny comparison (unet and fpn, plus both ablations on unet), shared by the tests that read it."""
    folder = module_tmp
    manifest = write_training_set(folder / "data")
    out = folder / "out"
    result = runner.invoke(app, ["benchmark-models", "--manifest", str(manifest), "--out", str(out), *TINY])
    assert result.exit_code == 0, result.output
    return manifest, out


def test_table_has_one_row_per_combination_with_finite_numbers(comparison):
    _, out = comparison
    rows = [r for r in read_rows(out) if r["study"] == "architecture"]
    assert [(r["arch"], r["encoder"]) for r in rows] == [("unet", "resnet18"), ("fpn", "resnet18")]
    for row in read_rows(out):
        assert all(math.isfinite(float(row[k])) for k in NUMBERS), row
        assert 0.0 <= float(row["pixel_iou"]) <= float(row["dice"]) <= 1.0
        assert (row["epochs"], row["steps"]) == ("1", "2")
        # The tiny set has no test split: every model is scored on the same 8 val patches.
        assert (row["eval_split"], row["eval_patches"]) == ("val", "8")
    md = (out / "table.md").read_text()
    assert "| architecture | unet / resnet18 |" in md and "| architecture | fpn / resnet18 |" in md
    assert "Base training settings, which the ablation rows vary one at a time: inputs sin, cos, coherence;" in md
    assert (out / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parameters_and_gflop_per_megapixel_match_an_independent_count(comparison):
    _, out = comparison
    for row in read_rows(out):
        channels = len(channels_for(row["encoding"]))
        net = create_network(row["arch"], row["encoder"], channels)
        assert int(row["parameters"]) == sum(p.numel() for p in net.parameters())
        assert float(row["gflop_per_mp"]) == pytest.approx(conv_gflop_per_megapixel(net, channels, 64), rel=1e-9)


def test_ablation_rows_exist_with_their_settings(comparison):
    _, out = comparison
    rows = read_rows(out)
    ratio = [r for r in rows if r["study"] == "ratio ablation"]
    assert [(float(r["neg_ratio"]), r["hard_negatives"]) for r in ratio] == [
        (0.0, "True"), (1.0, "True"), (1.0, "False"), (3.0, "True"), (3.0, "False")]
    encoding = [r for r in rows if r["study"] == "encoding ablation"]
    assert [r["encoding"] for r in encoding] == ["sincos", "raw", "repeat", "residual", "sincos+residual"]
    assert {(r["arch"], r["encoder"]) for r in ratio + encoding} == {("unet", "resnet18")}
    # The base settings are trained once and shared by three rows.
    base = {r["run"] for r in rows if r["setting"] in ("unet / resnet18", "positives only", "sincos")}
    assert base == {"unet-resnet18-sincos-neg0"}
    # What each run was trained with, as its model card says: 8 patches per epoch of 64 px.
    cards = {r["run"]: json.loads((out / r["run"] / "card.json").read_text()) for r in rows}
    data = {name: c["training_data"] for name, c in cards.items()}
    assert data["unet-resnet18-sincos-neg1-hard"]["hard_negatives_per_epoch"] == 2
    assert data["unet-resnet18-sincos-neg1-nohard"]["hard_negatives_per_epoch"] == 0
    assert data["unet-resnet18-sincos-neg1-nohard"]["hard_negative_scenes"] == []
    assert (data["unet-resnet18-sincos-neg3-hard"]["positives_per_epoch"],
            data["unet-resnet18-sincos-neg3-hard"]["hard_negatives_per_epoch"]) == (2, 3)
    assert cards["unet-resnet18-raw-neg0"]["channels"] == ["phase", "coherence"]
    assert cards["unet-resnet18-repeat-neg0"]["channels"] == ["phase", "phase", "phase", "coherence"]
    assert cards["unet-resnet18-residual-neg0"]["channels"] == ["res4_sin", "res4_cos", "res12_sin", "res12_cos",
                                                                "coherence"]
    for card in cards.values():
        assert card["training"]["seed"] == 0 and card["training"]["max_minutes"] == 2.0
    # Finished runs keep their weights but not their checkpoints (never resumed; several times the weights' size).
    assert {p.parent.name for p in out.glob("*/model.safetensors")} == set(cards)
    assert not list(out.glob("*/checkpoints"))


def test_scores_come_from_fixed_patches_whatever_the_training_ratio(comparison):
    manifest, out = comparison
    folder = out / "unet-resnet18-sincos-neg3-nohard"
    stored = RunRecord.read(folder / "benchmark.json")
    torch.set_num_threads(1)
    # Scored again with the settings of another run (positives only, hard negatives on): same patches, same scores.
    other = TrainConfig(manifest=str(manifest), out=str(folder), patch_size=64, batch_size=4, neg_ratio=0.0)
    again = score_model(folder, other, "val", n_patches=8)
    assert again.to_dict() == stored.scores.to_dict()


def _benchmark(manifest: Path, out: Path, *extra: str) -> list[str]:
    return ["benchmark-models", "--manifest", str(manifest), "--out", str(out), *TINY, *extra]


def test_a_finished_comparison_is_replaced_only_with_overwrite(comparison):
    manifest, out = comparison
    before = snapshot(out)
    for extra in ([], ["--resume"]):
        refused = runner.invoke(app, _benchmark(manifest, out, *extra))
        assert refused.exit_code == 1
        assert refused.output.strip() == f"error: {out}: holds a finished comparison; give --overwrite to replace it"
    assert snapshot(out) == before


def test_an_interrupted_comparison_continues_only_with_resume(comparison):
    manifest, out = comparison
    weights = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/model.safetensors")}
    # What a comparison killed during its fpn run holds: its settings and the other runs, no table yet.
    (out / "fpn-resnet18-sincos-neg0" / "card.json").unlink()
    for name in ("table.md", "table.csv", "figure.png"):
        (out / name).unlink()
    before = snapshot(out)
    refused = runner.invoke(app, _benchmark(manifest, out))
    assert refused.exit_code == 1
    assert refused.output.strip() == (f"error: {out}: holds an interrupted comparison; give --resume to continue it "
                                       "or --overwrite to start afresh")
    assert snapshot(out) == before
    result = runner.invoke(app, _benchmark(manifest, out, "--resume"))
    assert result.exit_code == 0, result.output
    after = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/model.safetensors")}
    changed = {name for name in weights if after[name] != weights[name]}
    assert changed == {"fpn-resnet18-sincos-neg0"}
    assert len(read_rows(out)) == 12


def test_overwrite_trains_every_run_afresh_and_other_folders_are_refused(tmp_path):
    manifest = write_training_set(tmp_path / "data")
    out = tmp_path / "out"
    one_run = ["--archs", "unet", "--no-ablations"]
    assert runner.invoke(app, _benchmark(manifest, out, *one_run)).exit_code == 0
    weights = out / "unet-resnet18-sincos-neg0" / "model.safetensors"
    first = weights.stat().st_mtime_ns
    again = runner.invoke(app, _benchmark(manifest, out, *one_run, "--overwrite"))
    assert again.exit_code == 0, again.output
    assert weights.stat().st_mtime_ns != first and len(read_rows(out)) == 1

    other = tmp_path / "data"  # a folder of something else
    before = snapshot(other)
    refused = runner.invoke(app, _benchmark(manifest, other, *one_run))
    assert refused.exit_code == 1
    assert refused.output.strip() == (f"error: {other}: already exists and is not empty; give --overwrite to write "
                                      "into it")
    assert snapshot(other) == before
