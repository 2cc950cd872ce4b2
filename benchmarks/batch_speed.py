"""Scenes per minute of `massmap predict-batch` with 1 and 2 local Dask workers.

Each run maps the same simulated scenes (default 6 of 512 x 512, 20 m pixels, coherence file beside) with a
random-init model of the default card (U-Net++/ResNet-18, sin/cos/coherence, 256 px tiles) into a fresh
output folder. The cluster is started first and timed apart. Each cluster maps the scenes twice: "cold" includes
each worker's first-task costs (importing torch and massmap, loading the model), "warm" is the same batch again
into another folder on the same workers (steady-state throughput of a long batch).

    python benchmarks/batch_speed.py                       # 6 scenes of 512 px, 1 and 2 workers, backend auto
    python benchmarks/batch_speed.py --scenes 4 --size 256 --backend torch
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from machine import machine_line


def make_scenes(folder: Path, n: int, size: int) -> list[Path]:
    """`n` simulated scenes of `size` px written as NAME_phase.tif / NAME_coh.tif."""
    from massmap.simulate.config import SimulationConfig
    from massmap.simulate.dataset import scene_name, write_scene
    from massmap.simulate.scene import simulate_scene

    config = SimulationConfig(size=size, hard_negative_fraction=0.0)
    return [write_scene(simulate_scene(config, [11, i]), folder, scene_name(i), quicklook=False)["phase"]
            for i in range(n)]


def make_model(folder: Path) -> Path:
    """A random-init model with the default card."""
    import torch

    from massmap.models.card import ModelCard
    from massmap.models.factory import create_network
    from massmap.models.store import save_model

    torch.manual_seed(0)
    card = ModelCard()
    return save_model(create_network(card.arch, card.encoder, card.in_channels), card, folder / "model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()

    from massmap.batch import predict_batch, scenes_from_paths
    from massmap.batch.cluster import dask_client
    from massmap.batch.run import prepare_backend

    rows = []
    with tempfile.TemporaryDirectory(prefix="massmap-batch-bench-") as tmp:
        root = Path(tmp)
        (root / "scenes").mkdir()
        scenes = scenes_from_paths(make_scenes(root / "scenes", args.scenes, args.size))
        model = make_model(root)
        prepare_backend(model, args.backend)  # the ONNX export is a one-off, not part of any run
        for n in args.workers:
            started = time.perf_counter()
            with dask_client(n_workers=n, dashboard_address=None) as client:
                start_s = time.perf_counter() - started
                walls = []
                for run in ("cold", "warm"):
                    t0 = time.perf_counter()
                    result = predict_batch(scenes, root / f"out-{n}-{run}", model=model, backend=args.backend,
                                           scheduler=client.scheduler.address, progress=False, quiet=True)
                    walls.append(time.perf_counter() - t0)
                    if result.failed:
                        raise SystemExit(f"{len(result.failed)} scenes failed: {result.failed[0].error}")
            per_scene = sum(o.seconds for o in result.outcomes) / len(result.outcomes)
            rows.append((n, start_s, walls[0], walls[1], per_scene))

    print(machine_line())
    # Other processes on the machine share the cores: with a load above the core count, workers cannot scale.
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    print(f"{args.scenes} scenes of {args.size} x {args.size} px, default card with random weights, backend {args.backend}")
    print(f"{'workers':>7} {'start s':>8} {'cold s':>7} {'cold scenes/min':>16} {'warm s':>7} "
          f"{'warm scenes/min':>16} {'s/scene in task':>16} {'warm speed-up':>14}")
    base = 60.0 * args.scenes / rows[0][3]
    for n, start_s, cold_s, warm_s, per_scene in rows:
        cold, warm = 60.0 * args.scenes / cold_s, 60.0 * args.scenes / warm_s
        print(f"{n:>7} {start_s:>8.1f} {cold_s:>7.1f} {cold:>16.2f} {warm_s:>7.1f} {warm:>16.2f} {per_scene:>16.2f} "
              f"{warm / base:>14.2f}")


if __name__ == "__main__":
    main()
