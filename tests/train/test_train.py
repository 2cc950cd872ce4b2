"""Training a tiny U-Net on tiny scenes: the loss falls, the model reloads exactly, runs resume, fine-tuning works."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import lightning as L
import pytest
import torch

from massmap.errors import BadInputError, IncompatibleModelError
from massmap.models import create_network, load_model
from massmap.models.card import ModelCard
from massmap.models.store import default_model_dir
from massmap.train import TrainConfig, train
from massmap.train.curves import read_log
from massmap.train.run import checkpoint_weights
from tests.train.factories import write_training_set

# Small enough for two shared cores: 4 steps of 4 patches of 64 x 64 per epoch.
TINY = dict(arch="unet", encoder="resnet18", patch_size=64, batch_size=4, patches_per_epoch=16, val_patches=8,
            workers=0, progress=False, neg_ratio=1.0, epochs=3)


@pytest.fixture(scope="module")
def trained(module_tmp: Path) -> TrainConfig:
    """One 3-epoch run shared by the tests that only read its outputs."""
    torch.set_num_threads(2)
    folder = module_tmp
    config = TrainConfig(manifest=str(write_training_set(folder / "data")), out=str(folder / "model"), **TINY)
    result = train(config)
    assert result.epochs == 3 and result.global_step == 12
    return config


def test_training_loss_falls(trained):
    rows = read_log(Path(trained.out) / "training_log.csv")
    assert [r["epoch"] for r in rows] == [0, 1, 2]
    assert [r["step"] for r in rows] == [4, 8, 12]
    assert rows[-1]["train_loss"] < 0.9 * rows[0]["train_loss"]


def test_run_writes_weights_card_log_curve_and_checkpoints(trained):
    out = Path(trained.out)
    for name in ("model.safetensors", "card.json", "training_log.csv", "train_config.json",
                 "checkpoints/last.ckpt", "checkpoints/best.ckpt"):
        assert (out / name).is_file(), name
    assert (out / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = ModelCard.read(out / "card.json")
    assert (card.arch, card.encoder, card.channels, card.patch_size) == (
        "unet", "resnet18", ["sin", "cos", "coherence"], 64)
    data = card.training_data
    assert (data["positives_per_epoch"], data["negatives_per_epoch"], data["hard_negatives_per_epoch"]) == (8, 4, 4)
    assert data["train_scenes"] == ["scene0_phase.tif", "scene1_phase.tif", "atmosphere_phase.tif"]
    assert data["hard_negative_scenes"] == ["atmosphere_phase.tif"] and data["train_objects"] == 4
    assert data["patches_seen"] == 48
    assert card.training["loss"] == "bce-dice" and card.training["epochs_run"] == 3
    assert card.metrics["monitor"] == "val_iou" and 0.0 <= card.metrics["val_iou"] <= 1.0
    best = max(read_log(out / "training_log.csv"), key=lambda r: r["val_iou"])
    assert card.metrics["val_iou"] == pytest.approx(best["val_iou"]) and card.metrics["epoch"] == best["epoch"]
    assert TrainConfig.read(out / "train_config.json") == trained


def test_saved_model_reloads_to_bit_identical_predictions(trained):
    out = Path(trained.out)
    net = create_network("unet", "resnet18", 3)
    net.load_state_dict(checkpoint_weights(out / "checkpoints" / "best.ckpt"))
    net = net.eval().to(memory_format=torch.channels_last)
    loaded = load_model(out)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        assert torch.equal(loaded.net(x), net(x))
        assert torch.equal(load_model(out).net(x), loaded.net(x))


class _KillDuring(L.Callback):
    """Interrupt training inside an epoch, as a killed process would (checkpoints are written at epoch ends)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.current_epoch == self.epoch and batch_idx == 2:
            raise RuntimeError("interrupted")


class _Starts(L.Callback):
    def __init__(self) -> None:
        self.epochs: list[int] = []

    def on_train_epoch_start(self, trainer, pl_module):
        self.epochs.append(trainer.current_epoch)


def test_resume_continues_where_it_stopped(trained, tmp_path):
    config = replace(trained, out=str(tmp_path / "model"))
    with pytest.raises(RuntimeError, match="interrupted"):
        train(config, callbacks=[_KillDuring(2)])
    assert not (tmp_path / "model" / "model.safetensors").exists()
    starts = _Starts()
    result = train(replace(config, resume=True), callbacks=[starts])
    assert starts.epochs == [2]  # the interrupted third epoch again, not a restart
    assert (result.epochs, result.global_step) == (3, 12)
    assert [r["step"] for r in read_log(tmp_path / "model" / "training_log.csv")] == [4, 8, 12]
    # Interrupted and resumed, the run ends with the very weights of the uninterrupted one (same seed).
    resumed = checkpoint_weights(tmp_path / "model" / "checkpoints" / "last.ckpt")
    straight = checkpoint_weights(Path(trained.out) / "checkpoints" / "last.ckpt")
    assert resumed.keys() == straight.keys()
    assert all(torch.equal(resumed[k], straight[k]) for k in resumed)


def test_resume_refuses_other_model_settings(trained, tmp_path):
    out = tmp_path / "model"
    (out / "checkpoints").mkdir(parents=True)
    (out / "checkpoints" / "last.ckpt").write_bytes(b"an interrupted run")
    config = replace(trained, out=str(out))
    (out / "train_config.json").write_text(config.to_json())
    with pytest.raises(BadInputError, match="encoder"):
        train(replace(config, encoder="resnet34", resume=True))


def test_fine_tuning_with_frozen_encoder_changes_only_the_decoder(trained, tmp_path):
    # Options name another architecture: the init model's own architecture and channels win.
    config = TrainConfig(manifest=trained.manifest, out=str(tmp_path / "tuned"), init=trained.out,
                         freeze_encoder=True, **{**TINY, "arch": "unetplusplus", "epochs": 1, "patches_per_epoch": 8})
    result = train(config)
    assert result.card.arch == "unet" and result.card.channels == ["sin", "cos", "coherence"]
    before = load_model(trained.out).net.state_dict()
    after = load_model(tmp_path / "tuned").net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("encoder."))
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("decoder."))


@pytest.mark.skipif((default_model_dir() / "model.safetensors").exists(), reason="the default model is installed")
def test_init_default_without_a_shipped_model_is_a_clear_error(training_manifest, tmp_path):
    config = TrainConfig(manifest=str(training_manifest), out=str(tmp_path / "m"), init="default", **TINY)
    with pytest.raises(IncompatibleModelError, match="default model"):
        train(config)
    assert not (tmp_path / "m").exists()  # refused before anything was written


def test_no_hard_negatives_leaves_marked_scenes_out(training_manifest, tmp_path):
    from massmap.io.manifest import read_manifest
    from massmap.train.run import split_scene_indexes

    config = TrainConfig(manifest=str(training_manifest), out=str(tmp_path / "m"), hard_negatives=False, **TINY)
    train_index, val_index = split_scene_indexes(config, read_manifest(training_manifest))
    assert not train_index.has_hard_negatives and len(train_index.scenes) == 2
    assert val_index is not None and val_index.n_objects == 2


def test_crop_sizes_cut_training_batches_to_mixed_sizes_and_leave_validation_whole(training_manifest, tmp_path):
    from massmap.io.manifest import read_manifest
    from massmap.train.datamodule import PatchDataModule
    from massmap.train.run import split_scene_indexes

    config = TrainConfig(manifest=str(training_manifest), out=str(tmp_path / "m"),
                         **{**TINY, "patches_per_epoch": 64, "crop_sizes": [32, 64]})
    train_index, val_index = split_scene_indexes(config, read_manifest(training_manifest))
    module = PatchDataModule(train_index, val_index, config.channels, config)
    sizes = {tuple(x.shape[-2:]) for x, y in module.train_dataloader() if x.shape[-2:] == y.shape[-2:]}
    assert sizes == {(32, 32), (64, 64)}
    assert {tuple(x.shape[-2:]) for x, _ in module.val_dataloader()} == {(64, 64)}
