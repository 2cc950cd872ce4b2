"""bf16 mixed precision on a CPU that only emulates bfloat16 is about 10x slower: training says so."""

from __future__ import annotations

import logging

import pytest
import torch

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


def test_a_cpu_without_avx512_has_no_native_bf16() -> None:
    if torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        pytest.skip("this CPU has AVX512: native bf16 depends on its BF16 extension")
    assert run_module.cpu_has_native_bf16() is False
