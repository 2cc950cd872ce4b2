"""Network cost: parameters and GFLOP per megapixel against counts made by hand, and a positive CPU speed."""

from __future__ import annotations

import math

import pytest
import torch

from massmap.compare.measure import count_parameters, cpu_megapixels_per_second, gflop_per_megapixel
from massmap.models import create_network


def conv_gflop_per_megapixel(net: torch.nn.Module, in_channels: int, size_px: int) -> float:
    """An independent count: 2 x output pixels x (input channels / groups) x kernel area, summed over every conv."""
    total = [0]

    def count(module, _inputs, output):
        kh, kw = module.kernel_size
        total[0] += 2 * output.numel() * (module.in_channels // module.groups) * kh * kw

    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        net.eval()(torch.zeros(1, in_channels, size_px, size_px))
    for h in hooks:
        h.remove()
    return total[0] / 1e9 / (size_px * size_px / 1e6)


def test_flop_counter_on_one_convolution_is_two_flop_per_multiply_add():
    conv = torch.nn.Conv2d(3, 8, kernel_size=3, padding=1, bias=False)
    # 3 input channels x 8 filters x 3 x 3 taps = 216 multiply-adds per pixel = 432 FLOP; per megapixel 0.432 GFLOP.
    assert gflop_per_megapixel(conv, 3, size_px=64) == pytest.approx(0.432, rel=1e-12)


def test_strided_convolution_counts_only_its_output_pixels():
    conv = torch.nn.Conv2d(2, 4, kernel_size=2, stride=2, bias=False)
    # A quarter of the pixels come out: 2 x 4 x 4 multiply-adds x 2 FLOP / 4.
    assert gflop_per_megapixel(conv, 2, size_px=64) == pytest.approx(2 * 2 * 4 * 4 / 4 / 1e3, rel=1e-12)


@pytest.mark.parametrize("arch", ["unet", "fpn"])
def test_network_flops_and_parameters_match_a_count_by_hand(arch):
    net = create_network(arch, "resnet18", 3)
    assert count_parameters(net) == sum(p.numel() for p in net.parameters())
    assert 10e6 < count_parameters(net) < 20e6  # ResNet-18 alone holds 11.2 M weights
    assert gflop_per_megapixel(net, 3, 64) == pytest.approx(conv_gflop_per_megapixel(net, 3, 64), rel=1e-9)


def test_cpu_speed_is_a_positive_rate_and_restores_the_thread_count():
    before = torch.get_num_threads()
    rate = cpu_megapixels_per_second(torch.nn.Conv2d(3, 4, 3, padding=1), 3, size_px=64, threads=1, repeats=2)
    assert math.isfinite(rate) and rate > 0
    assert torch.get_num_threads() == before
