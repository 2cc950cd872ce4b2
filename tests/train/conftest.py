"""Fixtures of the training tests (factories live in tests/train/factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.train.factories import write_training_set


@pytest.fixture(autouse=True)
def _two_threads():
    """Two cores are shared with other work: keep torch to them."""
    torch.set_num_threads(2)


@pytest.fixture
def training_manifest(tmp_path: Path) -> Path:
    """A manifest of two training scenes, one validation scene (two blobs each) and one atmosphere hard negative."""
    return write_training_set(tmp_path / "data")
