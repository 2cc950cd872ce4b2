"""Distributed training: two CPU processes (DDP over gloo) draw different patches and end with identical weights."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import lightning as L
import pytest
import torch
from safetensors.torch import load_file

from massmap.train import TrainConfig, train


def tensor_digest(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over tensors in name order (names, shapes and float32 bytes)."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].detach().cpu().float().contiguous().numpy().tobytes())
    return digest.hexdigest()


class RankRecorder(L.Callback):
    """Writes, per rank, a fingerprint of every training batch and a digest of the final weights to a JSON file."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.batches: list[str] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        x, _ = batch
        self.batches.append(hashlib.sha256(x.cpu().numpy().tobytes()).hexdigest())

    def on_train_end(self, trainer, pl_module) -> None:
        params = dict(pl_module.net.named_parameters())
        record = {"rank": trainer.global_rank, "world_size": trainer.world_size, "batches": self.batches,
                  "parameters": tensor_digest(params), "state": tensor_digest(pl_module.net.state_dict())}
        (self.folder / f"rank{trainer.global_rank}.json").write_text(json.dumps(record))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def offline_gloo(monkeypatch):
    """The gloo rendezvous on the loopback interface and a free port; one torch thread per process."""
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")


# About a minute on two shared cores: each spawned process imports torch, Lightning and GDAL before training.
@pytest.mark.slow
def test_two_ranks_draw_different_patches_and_end_with_identical_weights(training_manifest, tmp_path, offline_gloo):
    records = tmp_path / "ranks"
    records.mkdir()
    config = TrainConfig(
        manifest=str(training_manifest), out=str(tmp_path / "model"), arch="unet", encoder="resnet18", patch_size=64,
        batch_size=4, patches_per_epoch=8, val_patches=0, epochs=1, neg_ratio=1.0, workers=0, progress=False,
        accelerator="cpu", devices=2, strategy="ddp_spawn", seed=5,
    )
    result = train(config, callbacks=[RankRecorder(records)])

    rank0, rank1 = (json.loads((records / f"rank{r}.json").read_text()) for r in (0, 1))
    assert (rank0["world_size"], rank1["world_size"]) == (2, 2)
    # Each rank iterates its own 8 patches (2 batches of 4): seeded by rank, so no batch is shared.
    assert len(rank0["batches"]) == len(rank1["batches"]) == 2
    assert not set(rank0["batches"]) & set(rank1["batches"])
    # Gradients are averaged across ranks, so the weights stay identical.
    assert rank0["parameters"] == rank1["parameters"]
    saved = load_file(str(Path(config.out) / "model.safetensors"))
    assert tensor_digest({k: v for k, v in saved.items() if k in _parameter_names()}) == rank0["parameters"]
    # Batch-norm statistics are rank 0's (the rank that writes checkpoints).
    assert tensor_digest(saved) == rank0["state"]
    assert result.card.training["world_size"] == 2 and result.global_step == 2
    assert result.card.training_data["patches_seen"] == 16


def _parameter_names() -> set[str]:
    from massmap.models import create_network

    return {name for name, _ in create_network("unet", "resnet18", 3).named_parameters()}
