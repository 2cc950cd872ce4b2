"""The cosine learning rate ends its decay when the run ends: after its epochs, or when its time budget is spent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from lightning.pytorch.callbacks import Timer

from massmap.train.config import TrainConfig
from massmap.train.module import SegmentationModule


def _module(max_minutes: float | None, elapsed_s: float) -> SegmentationModule:
    config = TrainConfig(manifest="m.csv", out="o", epochs=10, lr=1e-3, max_minutes=max_minutes)
    module = SegmentationModule(torch.nn.Conv2d(3, 1, 1), config, steps_per_epoch=10)
    timer = Timer(duration={"minutes": max_minutes or 1})
    timer.time_elapsed = lambda stage="train": elapsed_s  # type: ignore[method-assign]
    module._trainer = SimpleNamespace(callbacks=[timer])  # type: ignore[assignment]
    return module


@pytest.mark.parametrize(("max_minutes", "elapsed_s", "step", "progress"), [
    (None, 600.0, 25, 0.25),  # no budget: steps alone (25 of 100)
    (2.0, 60.0, 25, 0.5),  # half the budget spent before a quarter of the steps: time leads
    (2.0, 6.0, 50, 0.5),  # the steps lead
    (2.0, 500.0, 10, 1.0),  # budget overrun: the decay has ended
])
def test_progress_is_the_larger_of_steps_and_budget_spent(max_minutes, elapsed_s, step, progress):
    assert _module(max_minutes, elapsed_s).training_progress(step, 100) == pytest.approx(progress)


def test_learning_rate_halves_half_way_through_the_time_budget():
    module = _module(2.0, 60.0)
    optimizers = module.configure_optimizers()
    assert optimizers["optimizer"].param_groups[0]["lr"] == pytest.approx(0.5e-3)
