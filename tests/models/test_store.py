"""Saving a model folder: weights and card replaced together, the rest of a training folder kept."""

from __future__ import annotations

from dataclasses import replace

import torch

from massmap.models.card import ModelCard
from massmap.models.factory import create_network
from massmap.models.store import ONNX_FILE, load_model, save_model


def test_saving_again_keeps_logs_and_checkpoints_and_drops_the_stale_onnx(tmp_path):
    torch.manual_seed(0)
    card = ModelCard(arch="unet", encoder="resnet18", patch_size=64, threshold=0.5)
    net = create_network(card.arch, card.encoder, card.in_channels)
    folder = save_model(net, card, tmp_path / "run")
    (folder / "training_log.csv").write_text("epoch,val_iou\n0,0.41\n")
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "last.ckpt").write_bytes(b"ckpt")
    (folder / ONNX_FILE).write_bytes(b"old export")
    # A new threshold chosen on the validation scenes, written back into the run's folder.
    save_model(net, replace(card, threshold=0.75), folder)
    assert load_model(folder, device="cpu").card.threshold == 0.75
    assert (folder / "training_log.csv").read_text() == "epoch,val_iou\n0,0.41\n"
    assert (folder / "checkpoints" / "last.ckpt").read_bytes() == b"ckpt"
    assert not (folder / ONNX_FILE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temp or .old folder left behind
