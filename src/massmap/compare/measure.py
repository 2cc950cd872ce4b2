"""What a network costs: parameters, GFLOP per megapixel (PyTorch's FLOP counter) and CPU megapixels per second.

FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode` on one 1 x C x 512 x 512 forward pass; it counts a
multiply-add as two FLOPs and covers convolutions and matrix products (normalisation, activations and resampling
are left out, as in the usual reporting). Speed is the best of a few timed forward passes in float32 on a fixed
number of CPU threads, so it reads as what the machine can do when it is not busy elsewhere.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import asdict, dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from massmap.compare.config import MEASURE_SIZE_PX, SPEED_REPEATS, SPEED_THREADS


@dataclass(frozen=True)
class NetworkCost:
    """Parameters, GFLOP per megapixel of input, and float32 CPU megapixels per second (on `threads` threads)."""

    parameters: int
    gflop_per_mp: float
    cpu_mp_per_s: float
    threads: int
    size_px: int

    def to_dict(self) -> dict:
        """The figures as a plain dict."""
        return asdict(self)


def machine_description() -> str:
    """The CPU model and the cores this process may use, e.g. `Intel Xeon ... (2 cores)`, for speed figures."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass  # not Linux: keep what platform knows
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model} ({cores} cores)"


def count_parameters(net: torch.nn.Module) -> int:
    """Number of weights of a network (trainable or not; buffers such as batch-norm statistics excluded)."""
    return int(sum(p.numel() for p in net.parameters()))


def _input(in_channels: int, size_px: int) -> torch.Tensor:
    return torch.zeros(1, in_channels, size_px, size_px).contiguous(memory_format=torch.channels_last)


def gflop_per_megapixel(net: torch.nn.Module, in_channels: int, size_px: int = MEASURE_SIZE_PX) -> float:
    """GFLOP of one forward pass per megapixel of input, counted on a 1 x C x size x size zero image."""
    net = net.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(_input(in_channels, size_px))
    return counter.get_total_flops() / 1e9 / (size_px * size_px / 1e6)


def cpu_megapixels_per_second(net: torch.nn.Module, in_channels: int, size_px: int = MEASURE_SIZE_PX,
                              threads: int = SPEED_THREADS, repeats: int = SPEED_REPEATS) -> float:
    """Megapixels per second of a float32 forward pass on the CPU with `threads` threads (best of `repeats`)."""
    net = net.eval().to("cpu", memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch stubs
    x = _input(in_channels, size_px)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            net(x)  # warm-up: first-call allocations and kernel selection
            best_s = float("inf")
            for _ in range(max(1, repeats)):
                start = time.perf_counter()
                net(x)
                best_s = min(best_s, time.perf_counter() - start)
    finally:
        torch.set_num_threads(before)
    return (size_px * size_px / 1e6) / best_s


def network_cost(net: torch.nn.Module, in_channels: int, size_px: int = MEASURE_SIZE_PX,
                 threads: int = SPEED_THREADS, repeats: int = SPEED_REPEATS) -> NetworkCost:
    """Parameters, GFLOP per megapixel and CPU megapixels per second of a network."""
    return NetworkCost(
        parameters=count_parameters(net),
        gflop_per_mp=gflop_per_megapixel(net, in_channels, size_px),
        cpu_mp_per_s=cpu_megapixels_per_second(net, in_channels, size_px, threads, repeats),
        threads=threads,
        size_px=size_px,
    )
