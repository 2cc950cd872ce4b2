"""The fine-tuning recipe: its defaults, the frozen start, whole-scene validation and what the card records."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import pytest
import torch

from massmap.evaluate.run import evaluate
from massmap.io.manifest import read_manifest
from massmap.models import create_network
from massmap.models.card import ModelCard
from massmap.models.store import default_model_dir, save_model
from massmap.predict.run import predict_scene
from massmap.train import TrainConfig, apply_recipe, finetune_config, train
from massmap.train.curves import read_log
from massmap.train.pick import MIN_AREAS_M2, THRESHOLDS
from massmap.train.recipe import FINETUNE_DEFAULTS, smallest_patch_size
from tests.train.factories import PIXEL_M, write_training_set

TINY = dict(batch_size=4, patches_per_epoch=16, val_patches=8, workers=0, progress=False, epochs=2, patience=2,
            max_minutes=None)


def test_the_recipe_fills_every_setting_not_given_and_takes_the_models_patch_size(tmp_path):
    shipped = ModelCard.read(default_model_dir() / "card.json")
    config = finetune_config(tmp_path / "m.csv", tmp_path / "out")
    assert config.init == "default" and config.patch_size == smallest_patch_size(shipped)
    assert (config.arch, config.encoder) == (shipped.arch, shipped.encoder)
    for key, value in FINETUNE_DEFAULTS.items():
        assert getattr(config, key) == value, key
    assert config.scene_validation and config.monitor == "val_scene_score" and config.freeze_epochs >= 1
    assert config.lr < TrainConfig.lr  # a pretrained network is nudged, not retrained
    given = finetune_config(tmp_path / "m.csv", tmp_path / "out", lr=1e-3, patch_size=256, scene_validation=False)
    assert (given.lr, given.patch_size, given.scene_validation) == (1e-3, 256, False)
    assert given.freeze_epochs == FINETUNE_DEFAULTS["freeze_epochs"]
    fresh = TrainConfig(manifest="m.csv", out="out")
    assert apply_recipe(fresh) == fresh  # training from scratch keeps the plain defaults


def test_the_recipe_fine_tunes_on_the_smallest_patch_the_model_learnt():
    plain = ModelCard(arch="unet", encoder="resnet18", patch_size=128)
    mixed = ModelCard(arch="unet", encoder="resnet18", patch_size=256, training={"crop_sizes": [256, 128]})
    assert (smallest_patch_size(plain), smallest_patch_size(mixed)) == (128, 128)
    assert smallest_patch_size(ModelCard(arch="unet", encoder="resnet18", patch_size=256)) == 256


def test_the_cli_applies_the_recipe_under_options_given(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import massmap.train
    from massmap.cli.app import app

    seen = {}

    def fake_train(config, **options):
        seen["config"] = config
        raise SystemExit(0)

    monkeypatch.setattr(massmap.train, "train", fake_train)  # the command imports it from there when run
    manifest = write_training_set(tmp_path / "data")
    args = ["train", "--manifest", str(manifest), "--out", str(tmp_path / "out"), "--quiet"]
    CliRunner().invoke(app, args + ["--init", "default", "--lr", "0.002", "--epochs", "50"])
    config = seen["config"]
    assert (config.lr, config.epochs) == (0.002, 50)
    assert config.freeze_epochs == FINETUNE_DEFAULTS["freeze_epochs"] and config.scene_validation
    shipped = ModelCard.read(default_model_dir() / "card.json")
    assert config.patch_size == smallest_patch_size(shipped) and config.channels == tuple(shipped.channels)
    CliRunner().invoke(app, args + ["--init", "default", "--channels", "res4_sin,res4_cos,coherence"])
    assert seen["config"].channels == ("res4_sin", "res4_cos", "coherence")
    CliRunner().invoke(app, args + ["--init", "default", "--slope"])
    assert seen["config"].channels == (*shipped.channels, "slope")
    CliRunner().invoke(app, args)
    assert seen["config"].lr == TrainConfig.lr and not seen["config"].scene_validation


class _EncoderProbe(L.Callback):
    """Records, per epoch, whether the encoder received gradients and whether its weights moved."""

    def __init__(self) -> None:
        self.trainable: dict[int, bool] = {}
        self.moved: dict[int, bool] = {}

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._before = [p.detach().clone() for p in pl_module.net.encoder.parameters()]

    def on_train_batch_end(self, trainer, pl_module, *args) -> None:
        self.trainable[trainer.current_epoch] = any(p.requires_grad for p in pl_module.net.encoder.parameters())

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        after = list(pl_module.net.encoder.parameters())
        self.moved[trainer.current_epoch] = any(not torch.equal(a, b) for a, b in zip(self._before, after))


@pytest.fixture(scope="module")
def finetuned(module_tmp: Path):
    """A tiny U-Net fine-tuned with the recipe (encoder frozen for the first epoch) and whole-scene validation."""
    torch.set_num_threads(2)
    folder = module_tmp
    torch.manual_seed(0)
    card = ModelCard(arch="unet", encoder="resnet18", patch_size=64, threshold=0.6, tile_px=96)
    start = save_model(create_network("unet", "resnet18", 3), card, folder / "start")
    manifest = write_training_set(folder / "data")
    probe = _EncoderProbe()
    config = finetune_config(manifest, folder / "model", init=str(start), freeze_epochs=1, **TINY)
    result = train(config, callbacks=[probe])
    return config, result, probe


def test_the_encoder_is_frozen_for_the_first_epochs_only(finetuned):
    _, _, probe = finetuned
    assert probe.trainable == {0: False, 1: True}
    assert probe.moved == {0: False, 1: True}


def test_the_card_holds_the_threshold_and_area_picked_on_whole_validation_scenes(finetuned):
    config, result, _ = finetuned
    card = ModelCard.read(Path(config.out) / "card.json")
    assert card.threshold in THRESHOLDS and card.min_area_m2 in MIN_AREAS_M2
    assert card.patch_size == 64 and card.training["freeze_epochs"] == 1
    assert card.prediction_tile_px == 96  # the starting model's, which the scenes were mapped with
    log = read_log(Path(config.out) / "training_log.csv")
    assert len(log) == 2 and all(0.0 <= r["val_scene_score"] <= 1.0 for r in log)
    best = max(log, key=lambda r: r["val_scene_score"])
    after = card.fine_tuning["after"]
    # The best epoch's logged figure is the one the card reports after picking: both map the scenes the same way.
    assert after["score"] == pytest.approx(best["val_scene_score"])
    assert after["threshold"] == pytest.approx(best["val_scene_threshold"])


def test_predict_with_the_card_scores_what_training_reported(finetuned):
    config, _, _ = finetuned
    card = ModelCard.read(Path(config.out) / "card.json")
    val = next(r for r in read_manifest(config.manifest) if r.split == "val")
    out = Path(config.out) / "val.gpkg"
    predict_scene(val.phase, out, model=config.out, backend="torch", progress=False)
    scores = evaluate(out, val.labels, val.phase)
    assert scores["pixel"]["iou"] == pytest.approx(card.fine_tuning["after"]["pixel_iou"], abs=1e-6)
    assert scores["object"]["f1"] == pytest.approx(card.fine_tuning["after"]["object_f1"], abs=1e-6)


def test_the_card_records_the_fine_tuning_data_and_the_figures_before(finetuned):
    config, _, _ = finetuned
    record = ModelCard.read(Path(config.out) / "card.json").fine_tuning
    assert record["init"] == config.init and len(record["init_weights_sha256"]) == 64
    # Two training scenes with two blobs of radius 12 px (20 m pixels) each, plus one motion-free scene.
    circle_m2 = torch.pi * (12 * PIXEL_M) ** 2
    assert (record["train"]["scenes"], record["train"]["polygons"]) == (3, 4)
    assert record["train"]["area_m2"] == pytest.approx(4 * circle_m2, rel=0.01)
    assert (record["val"]["scenes"], record["val"]["polygons"]) == (1, 2)
    assert record["before"]["card"]["threshold"] == 0.6 and record["before"]["card"]["min_area_m2"] == 5600.0
    assert record["before"]["picked"]["score"] >= record["before"]["card"]["score"]
    json.dumps(record)  # JSON-ready


def test_too_few_validation_scenes_are_named_before_they_pick_the_operating_point(tmp_path, monkeypatch):
    import massmap.train.run as run
    from massmap.train.run import MIN_VALIDATION_SCENES, _scene_validation, split_scene_indexes

    # The message itself, not caplog: another test's logging set-up may stop massmap's loggers propagating.
    warned: list[str] = []
    monkeypatch.setattr(run.log, "warning", lambda message, *args: warned.append(message % args))

    manifest = write_training_set(tmp_path / "data")  # one validation scene with two patterns
    config = TrainConfig(manifest=str(manifest), out=str(tmp_path / "out"), arch="unet", patch_size=64,
                         scene_validation=True, **TINY)
    _, val = split_scene_indexes(config, read_manifest(manifest))
    card = ModelCard(arch="unet", encoder="resnet18", patch_size=64)
    assert len(val.scenes) < MIN_VALIDATION_SCENES
    scenes, before = _scene_validation(config, val, card, tmp_path / "out")
    assert scenes is not None and before == {}
    assert len(warned) == 1 and "only 1 validation scenes (2 polygons)" in warned[0] and "unreliable" in warned[0]
