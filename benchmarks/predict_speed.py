"""Speed and memory of `massmap predict` against the bare network, on simulated scenes of two sizes.

For each backend (torch, onnx) it measures, in one run on one machine:
  (a) the ceiling: the bare network forward on random tiles of the card's patch size, same batch size;
  (b) the whole `predict_scene` (read, encode, network, blend, write, vectorise, COG) on a scene of N x N,
      each run in its own subprocess, which reports its own peak resident memory.
It prints end-to-end megapixels per second, the ratio (b)/(a) corrected for the tile overlap
(1.0 = nothing but the network costs time), and peak memory per scene size.

The model is the default card (U-Net++/ResNet-18, sin/cos/coherence, 256 px tiles) with random weights.
Scenes come from the simulator (`massmap.simulate.scene.simulate_scene`, 1024 px, mirrored to N x N) with
its coherence file beside; without the simulator, a synthetic wrapped phase.

    python benchmarks/predict_speed.py                  # 4096 and 6144 px, torch and onnx (~10 min on 2 cores)
    python benchmarks/predict_speed.py --quick          # 1024 and 1536 px
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.windows import Window

TILE_SEED = 0
BLOCK_PX = 1024


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_block(seed: int = 7) -> tuple[np.ndarray, np.ndarray, str]:
    """A 1024 x 1024 block of wrapped phase and coherence: simulated when the simulator exists, else synthetic."""
    try:
        from massmap.simulate.config import SimulationConfig
        from massmap.simulate.scene import simulate_scene

        sim = simulate_scene(SimulationConfig(size=BLOCK_PX), seed, negative="")
        return sim.phase_rad, sim.coherence, "simulator"
    except ImportError:
        rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:BLOCK_PX, 0:BLOCK_PX] / BLOCK_PX
        phase = 30 * np.sin(3 * xx) * np.cos(2 * yy) + 0.6 * rng.standard_normal((BLOCK_PX, BLOCK_PX))
        wrapped = (np.mod(phase + np.pi, 2 * np.pi) - np.pi).astype(np.float32)
        return wrapped, np.full_like(wrapped, 0.6), "synthetic"


def write_scene(folder: Path, size: int, phase: np.ndarray, coherence: np.ndarray) -> Path:
    """Write an N x N scene (NAME_phase.tif + NAME_coh.tif, UTM 20 m) by mirroring the block, window by window."""
    transform = Affine(20.0, 0, 590000.0, 0, -20.0, 5200000.0)
    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="float32", crs="EPSG:32632",
                   transform=transform, tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    path = folder / f"scene{size}_phase.tif"
    with rasterio.open(path, "w", **profile) as ph, rasterio.open(folder / f"scene{size}_coh.tif", "w", **profile) as co:
        for r in range(0, size, BLOCK_PX):
            for c in range(0, size, BLOCK_PX):
                flip_r, flip_c = (r // BLOCK_PX) % 2 == 1, (c // BLOCK_PX) % 2 == 1
                h, w = min(BLOCK_PX, size - r), min(BLOCK_PX, size - c)
                for ds, block in ((ph, phase), (co, coherence)):
                    b = block[::-1] if flip_r else block
                    b = b[:, ::-1] if flip_c else b
                    ds.write(np.ascontiguousarray(b[:h, :w]), 1, window=Window(c, r, w, h))
    return path


def measure_ceiling(model_dir: Path, backend: str, batch_size: int, threads: int, batches: int) -> float:
    """Megapixels of tile per second of the bare network forward (warm), on random tiles."""
    from massmap.models.store import load_model
    from massmap.predict.backends import make_runner

    loaded = load_model(model_dir, "cpu")
    runner = make_runner(loaded, backend, threads)
    tile = loaded.card.prediction_tile_px
    rng = np.random.default_rng(TILE_SEED)
    x = rng.uniform(-1, 1, (batch_size, loaded.card.in_channels, tile, tile)).astype(np.float32)
    runner(x)
    start = time.perf_counter()
    for _ in range(batches):
        runner(x)
    seconds = time.perf_counter() - start
    return batches * batch_size * tile * tile / 1e6 / seconds


def child_predict(args: argparse.Namespace) -> None:
    """Run one prediction and print its timings and this process's peak resident memory as JSON."""
    from massmap.predict import predict_scene

    out = Path(args.workdir)
    r = predict_scene(args.scene, out / "polygons.gpkg", probability=out / "probability.tif", model=args.model,
                      backend=args.backend, batch_size=args.batch_size, num_threads=args.threads, progress=False)
    t = r.timings
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps(dict(t.__dict__, polygons=len(r.polygons), peak_mb=peak_mb)))


def run_child(scene: Path, model: Path, backend: str, batch_size: int, threads: int, workdir: Path) -> dict:
    """`child_predict` in a fresh interpreter, so each peak memory is its own."""
    cmd = [sys.executable, __file__, "--child", "--scene", str(scene), "--model", str(model), "--backend", backend,
           "--batch-size", str(batch_size), "--threads", str(threads), "--workdir", str(workdir)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 6144])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx"])
    parser.add_argument("--quick", action="store_true", help="small scenes (1024, 1536) for development")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None, help="default: the cores this process may use")
    parser.add_argument("--ceiling-batches", type=int, default=6)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scene", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_predict(args)
        return

    import torch

    from massmap.models import ModelCard, create_network, save_model
    from massmap.models.onnx_export import export_onnx
    from massmap.predict.backends import available_cores

    threads = args.threads or available_cores()
    sizes = [1024, 1536] if args.quick else args.sizes
    with tempfile.TemporaryDirectory(prefix="massmap-bench-") as tmp:
        tmp = Path(tmp)
        torch.manual_seed(0)
        card = ModelCard()
        model_dir = save_model(create_network(card.arch, card.encoder, card.in_channels), card, tmp / "model")
        export_onnx(model_dir)  # once, outside the timed runs
        phase, coherence, origin = source_block()
        scenes = {n: write_scene(tmp, n, phase, coherence) for n in sizes}
        rows = []
        for backend in args.backends:
            for n in sizes:
                # Measured just before each run: on a shared machine the load drifts between runs.
                ceiling = measure_ceiling(model_dir, backend, args.batch_size, threads, args.ceiling_batches)
                work = tmp / f"out-{backend}-{n}"
                work.mkdir()
                res = run_child(scenes[n], model_dir, backend, args.batch_size, threads, work)
                e2e = res["megapixels"] / res["seconds"]
                rows.append(dict(backend=backend, size=n, ceiling=ceiling, e2e=e2e, ratio=e2e * res["overlap_factor"] / ceiling,
                                 net_share=res["network_seconds"] / res["seconds"],
                                 **{k: res[k] for k in ("seconds", "network_seconds", "read_seconds", "blend_seconds",
                                                        "vectorize_seconds", "write_seconds", "polygons", "peak_mb",
                                                        "overlap_factor", "tiles")}))
                print(f"  done {backend} {n}: {res['seconds']:.1f} s", file=sys.stderr, flush=True)

    print(f"massmap predict benchmark - {cpu_name()}, {threads} threads of {os.cpu_count()} cores, "
          f"torch {torch.__version__}, scene source: {origin}, model: {card.arch}/{card.encoder} random weights, "
          f"tile {card.prediction_tile_px} px, overlap 0.25, batch {args.batch_size}")
    head = (f"{'backend':8} {'scene':>11} {'tiles':>5} {'ceiling Mpx/s':>13} {'e2e Mpx/s':>10} {'ratio':>6} {'net share':>9} "
            f"{'total s':>8} {'net s':>7} {'read s':>7} {'blend s':>7} {'vector s':>8} {'write s':>7} "
            f"{'polys':>6} {'peak MB':>8}")
    print(head)
    for r in rows:
        print(f"{r['backend']:8} {r['size']:>5}x{r['size']:<5} {r['tiles']:>5} {r['ceiling']:>13.3f} {r['e2e']:>10.3f} "
              f"{r['ratio']:>6.2f} {r['net_share']:>9.3f} {r['seconds']:>8.1f} {r['network_seconds']:>7.1f} {r['read_seconds']:>7.1f} "
              f"{r['blend_seconds']:>7.1f} {r['vectorize_seconds']:>8.1f} {r['write_seconds']:>7.1f} "
              f"{r['polygons']:>6} {r['peak_mb']:>8.0f}")
    print("ceiling: bare network on tiles (Mpx of tile per s), measured just before each run; "
          "ratio = e2e x overlap factor / ceiling "
          f"(overlap factor {rows[0]['overlap_factor']:.3f} at the first size); net share = network seconds / "
          "total seconds inside the same run (the ratio against the network on the very same tiles, immune to "
          "load drift between runs on a shared machine)")


if __name__ == "__main__":
    main()
