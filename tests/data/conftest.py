"""Fixtures of the patch-sampling tests (factories live in tests/train/factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.factories import write_training_set


@pytest.fixture
def training_manifest(tmp_path: Path) -> Path:
    """A manifest of two training scenes, one validation scene (two blobs each) and one atmosphere hard negative."""
    return write_training_set(tmp_path / "data")
