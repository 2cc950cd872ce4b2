"""Training throughput of the default model (U-Net++ / ResNet-18) on this machine, in patches per second.

Per patch size: the optimisation step alone (forward, loss, backward, AdamW on random batches) in each precision,
and the data pipeline alone (windowed reads from a scene, augmentation, channel encoding, in one process).
A few warm-up steps run first; then the timed ones. bf16 autocast is fast only where the CPU runs bfloat16
natively (AVX512-BF16/AMX); elsewhere it is emulated: measure before choosing `--precision`.

    .venv/bin/python benchmarks/train_speed.py [--sizes 128 256] [--batch-size 8] [--steps 5] [--warmup 2]
        [--precisions 32-true bf16-mixed]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
import torch
from affine import Affine
from machine import machine_line

from massmap.data import AugmentSettings, PatchDataset, PatchSampler, build_scene_index
from massmap.io.manifest import ManifestRow
from massmap.inputs import channels_for
from massmap.models.factory import DEFAULT_ARCH, DEFAULT_ENCODER, create_network
from massmap.train.losses import make_loss
from massmap.train.run import cpu_has_native_bf16


def step_throughput(patch_size: int, batch_size: int, steps: int, warmup: int, precision: str = "32-true"
                    ) -> tuple[float, float]:
    """Patches per second and seconds per step of the default model's training step (CPU, fp32 or bf16 autocast)."""
    channels = channels_for("sincos", coherence=True)
    net = create_network(DEFAULT_ARCH, DEFAULT_ENCODER, len(channels)).to(memory_format=torch.channels_last).train()
    loss_fn = make_loss("bce-dice")
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch_size, len(channels), patch_size, patch_size, generator=gen)
    x = x.contiguous(memory_format=torch.channels_last)
    y = (torch.rand(batch_size, 1, patch_size, patch_size, generator=gen) > 0.8).float()
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision.startswith("bf16")):
            logits = net(x)
        loss = loss_fn(logits.float(), y)
        loss.backward()
        optimizer.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    per_step = float(np.mean(times))
    return batch_size / per_step, per_step


def data_throughput(patch_size: int, n_patches: int, folder: Path) -> float:
    """Patches per second of reading, augmenting and encoding patches from a 2048 x 2048 scene (one process)."""
    size = 2048
    phase_path, coh_path = folder / "bench_phase.tif", folder / "bench_coh.tif"
    if not phase_path.exists():
        rng = np.random.default_rng(0)
        profile = dict(driver="GTiff", height=size, width=size, count=1, dtype="float32", crs="EPSG:32632",
                       transform=Affine(20.0, 0, 590000.0, 0, -20.0, 5120000.0), tiled=True, blockxsize=256,
                       blockysize=256, compress="deflate")
        with rasterio.open(phase_path, "w", **profile) as dst:
            dst.write(rng.uniform(-np.pi, np.pi, (size, size)).astype(np.float32), 1)
        with rasterio.open(coh_path, "w", **profile) as dst:
            dst.write(rng.uniform(0.2, 0.9, (size, size)).astype(np.float32), 1)
    scene_index = build_scene_index([ManifestRow(phase_path, None, "train", coh_path)], patch_size)
    dataset = PatchDataset(scene_index, channels_for("sincos", True), seed=0, augment=AugmentSettings())
    # The scene has no labels: draw background windows, which read exactly as much as positives.
    sampler = PatchSampler(n_patches, neg_ratio=1e9, hard_fraction=0.0, has_hard=False, seed=0)
    keys = list(sampler)
    dataset[keys[0]]  # opens the scene
    t0 = time.perf_counter()
    for key in keys:
        dataset[key]
    return n_patches / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--precisions", nargs="+", default=["32-true", "bf16-mixed"], choices=["32-true", "bf16-mixed"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{machine_line()}, torch {torch.__version__} with {torch.get_num_threads()} threads, "
          f"load average {load:.1f} at start (above the core count, other work shares the cores)")
    print(f"model: {DEFAULT_ARCH} / {DEFAULT_ENCODER}, channels sin, cos, coherence; batch size {args.batch_size}; "
          f"{args.warmup} warm-up + {args.steps} timed steps")
    print(f"native bf16 on this CPU: {cpu_has_native_bf16()}")
    print(f"{'patch':>6} {'precision':>10} {'step s':>8} {'train patches/s':>16} {'data patches/s':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            data_per_s = data_throughput(size, 64, Path(tmp))
            for precision in args.precisions:
                per_s, per_step = step_throughput(size, args.batch_size, args.steps, args.warmup, precision)
                print(f"{size:>6} {precision:>10} {per_step:>8.2f} {per_s:>16.2f} {data_per_s:>15.1f}")


if __name__ == "__main__":
    main()
