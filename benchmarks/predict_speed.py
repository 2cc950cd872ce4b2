"""Speed and memory of `massmap predict` against the bare network, float32 and int8, at two scene sizes.

In one run on one machine it measures:
  (a) the bare network: megapixels of tile per second of the forward pass in ONNX Runtime float32 and int8
      (`massmap.predict.speed.network_megapixels_per_second`, the card's tile size and batch 4);
  (b) `predict_scene` end to end (read, encode, network, blend, vectorise, write the GeoPackage and COG) on
      simulated scenes of N x N pixels, each run in its own process that reports its own peak resident memory:
      once dense in float32 (every tile, ONNX float32: the pipeline before tile skipping and int8) and once at
      the default settings (the card's backend, tiles without signal skipped).
It prints end-to-end megapixels per second, tiles run and skipped, the ratio of end-to-end to the bare
network of the same backend (corrected for the tile overlap; above 1 when skipped tiles save more than the
pipeline costs), the speed-up over the dense float32 limit (bare float32 divided by the overlap factor),
and peak memory.

Scenes: a 1024 x 1024 simulated alpine scene (`massmap.simulate`, seed 4242: snow, glaciers, lakes and forest
with their own coherence), mirrored to N x N, with the nodata margins of a Sentinel-1 frame resampled to map
geometry (a parallelogram slanted by 12 degrees, as the track's heading slants it over the Alps).

    python benchmarks/predict_speed.py                       # 2048 and 3584 px (13 Mpx, a Valais-size scene)
    python benchmarks/predict_speed.py --sizes 1024 1536     # quicker
    python benchmarks/predict_speed.py --model MODEL_DIR
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

BLOCK_PX = 1024
SCENE_SEED = 4242
SLANT_DEG = 12.0


def source_block() -> tuple[np.ndarray, np.ndarray]:
    """A 1024 x 1024 block of simulated wrapped phase and coherence."""
    from massmap.simulate.config import SimulationConfig
    from massmap.simulate.scene import simulate_scene

    sim = simulate_scene(SimulationConfig(size=BLOCK_PX), SCENE_SEED, negative="")
    return sim.phase_rad, sim.coherence


def frame_valid(rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    """Pixels inside a Sentinel-1 frame drawn on a map grid: a parallelogram slanted by SLANT_DEG."""
    shift = math.tan(math.radians(SLANT_DEG)) * size
    left = shift * (1 - rows / size)
    return (cols >= left) & (cols < left + size - shift)


def write_scene(folder: Path, size: int, phase: np.ndarray, coherence: np.ndarray) -> Path:
    """Write an N x N scene (NAME_phase.tif + NAME_coh.tif, UTM 20 m) by mirroring the block, window by window."""
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    transform = Affine(20.0, 0, 590000.0, 0, -20.0, 5200000.0)
    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="float32", crs="EPSG:32632",
                   transform=transform, tiled=True, blockxsize=256, blockysize=256, compress="deflate",
                   nodata=float("nan"))
    path = folder / f"scene{size}_phase.tif"
    with rasterio.open(path, "w", **profile) as ph, rasterio.open(folder / f"scene{size}_coh.tif", "w", **profile) as co:
        for r in range(0, size, BLOCK_PX):
            for c in range(0, size, BLOCK_PX):
                flip_r, flip_c = (r // BLOCK_PX) % 2 == 1, (c // BLOCK_PX) % 2 == 1
                h, w = min(BLOCK_PX, size - r), min(BLOCK_PX, size - c)
                rows, cols = np.mgrid[r:r + h, c:c + w]
                inside = frame_valid(rows, cols, size)
                for ds, block in ((ph, phase), (co, coherence)):
                    b = block[::-1] if flip_r else block
                    b = b[:, ::-1] if flip_c else b
                    ds.write(np.where(inside, b[:h, :w], np.nan).astype(np.float32), 1, window=Window(c, r, w, h))
    return path


def child_predict(args: argparse.Namespace) -> None:
    """Run one prediction and print its timings and this process's peak resident memory as JSON."""
    from massmap.predict.run import predict_scene

    out = Path(args.workdir)
    r = predict_scene(args.scene, out / "polygons.gpkg", probability=out / "probability.tif", model=args.model,
                      backend=args.backend, num_threads=args.threads, progress=False,
                      skip_signal_free_tiles=not args.dense)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps(dict(r.timings.__dict__, polygons=len(r.polygons), peak_mb=peak_mb)))


def run_child(scene: Path, model: str, backend: str, dense: bool, threads: int, workdir: Path) -> dict:
    """`child_predict` in a fresh interpreter, so each peak memory is its own."""
    workdir.mkdir()
    cmd = [sys.executable, __file__, "--child", "--scene", str(scene), "--model", model, "--backend", backend,
           "--threads", str(threads), "--workdir", str(workdir)] + (["--dense"] if dense else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2048, 3584])
    parser.add_argument("--threads", type=int, default=None, help="default: the cores this process may use")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dense", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scene", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_predict(args)
        return

    from massmap.models.store import load_model
    from massmap.predict.backends import available_cores, resolve_backend
    from massmap.predict.settings import DEFAULTS
    from massmap.predict.speed import network_megapixels_per_second
    from massmap.predict.tiling import TileLayout

    threads = args.threads or available_cores()
    loaded = load_model(args.model, device="cpu")
    default_backend = resolve_backend(DEFAULTS.backend, "cpu", loaded.card.backend).name
    bare = {b: network_megapixels_per_second(loaded, b, num_threads=threads) for b in ("onnx", "onnx-int8")}
    rows = []
    with tempfile.TemporaryDirectory(prefix="massmap-bench-") as tmp:
        tmp_path = Path(tmp)
        phase, coherence = source_block()
        for n in args.sizes:
            scene = write_scene(tmp_path, n, phase, coherence)
            for label, backend, dense in (("dense float32", "onnx", True), ("default", DEFAULTS.backend, False)):
                started = time.perf_counter()
                res = run_child(scene, args.model, backend, dense, threads, tmp_path / f"out-{n}-{dense}")
                print(f"  done {label} {n}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
                rows.append(dict(label=label, size=n, **res))
    tile = loaded.card.prediction_tile_px
    print(machine_line())
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"model {args.model}: {loaded.card.arch}/{loaded.card.encoder}, tiles of {tile} px, overlap "
          f"{DEFAULTS.overlap}, batch {DEFAULTS.batch_size}, coherence floor {loaded.card.coherence_floor}, "
          f"default backend {default_backend}; {threads} threads")
    print(f"bare network (Mpx of tile per s): float32 {bare['onnx']:.3f}, int8 {bare['onnx-int8']:.3f} "
          f"({bare['onnx-int8'] / bare['onnx']:.2f}x)")
    head = (f"{'run':14} {'scene':>11} {'Mpx':>5} {'backend':>9} {'tiles':>6} {'skipped':>7} {'e2e Mpx/s':>9} "
            f"{'ratio':>6} {'x dense fp32':>12} {'total s':>8} {'net s':>7} {'peak MB':>8} {'polys':>6}")
    print(head)
    for r in rows:
        overlap = TileLayout.for_scene(r["size"], r["size"], tile, DEFAULTS.overlap).overlap_factor
        e2e = r["megapixels"] / r["seconds"]
        ratio = e2e * overlap / bare[r["backend"]]
        print(f"{r['label']:14} {r['size']:>5}x{r['size']:<5} {r['megapixels']:>5.1f} {r['backend']:>9} "
              f"{r['tiles']:>6} {r['tiles_skipped']:>7} {e2e:>9.3f} {ratio:>6.2f} {e2e * overlap / bare['onnx']:>12.2f} "
              f"{r['seconds']:>8.1f} {r['network_seconds']:>7.1f} {r['peak_mb']:>8.0f} {r['polygons']:>6}")
    print("ratio: end to end x overlap factor / the bare network of the same backend (1.0: nothing but the network "
          "costs time; above 1 when skipped tiles save more than the rest costs); x dense fp32: end to end against "
          "the dense float32 limit (bare float32 / overlap factor). The scene's nodata margins are "
          f"{1 - frame_valid(*np.mgrid[0:256, 0:256], 256).mean():.0%} of it.")


if __name__ == "__main__":
    main()
