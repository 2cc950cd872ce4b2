"""bf16 mixed precision on a CPU that only emulates bfloat16 is about 10x slower: training says so."""

from __future__ import annotations

import logging

import pytest

import massmap.train.run as run_module
from massmap.train.config import TrainConfig


@pytest.mark.parametrize(("precision", "native", "warned"), [
    ("bf16-mixed", False, True), ("bf16-mixed", True, False), ("32-true", False, False),
])
def test_emulated_bf16_on_the_cpu_is_warned_about(monkeypatch, caplog, precision, native, warned) -> None:
    monkeypatch.setattr(run_module, "cpu_has_native_bf16", lambda: native)
    config = TrainConfig(manifest="m.csv", out="o", precision=precision, accelerator="cpu")
    with caplog.at_level(logging.WARNING, logger="massmap"):
        run_module._warn_emulated_bf16(config)
    assert ("no native bfloat16" in caplog.text) is warned


def test_the_native_bf16_check_answers_on_this_machine() -> None:
    assert isinstance(run_module.cpu_has_native_bf16(), bool)
