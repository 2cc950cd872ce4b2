"""Cost of each trained model's network as `predict` runs it: megapixels per second in ONNX float32 and int8.

For every model folder given (e.g. the runs of a `massmap benchmark-models` comparison) it measures, in one run
on one machine and in turn, the bare forward pass at the model's prediction tile size (batch 4, warm; the int8
model is quantised and calibrated before the clock starts), and prints one table row per model: architecture,
encoder, parameters, float32 and int8 megapixels per second, and the int8 speed-up. Compare the rows of one run
only; the absolute figures follow the machine's load.

    python benchmarks/network_speed.py MODEL_DIR [MODEL_DIR ...] [--threads 2] [--tile-px 256]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

BACKENDS = ("onnx", "onnx-int8")


def main() -> None:
    """Measure every model's bare network in ONNX float32 and int8 and print the table."""
    from massmap.models.store import load_model
    from massmap.predict.backends import available_cores
    from massmap.predict.speed import network_megapixels_per_second

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--threads", type=int, default=None, help="default: the cores this process may use")
    parser.add_argument("--tile-px", type=int, default=None, help="default: each model's prediction tile")
    parser.add_argument("--seconds", type=float, default=5.0, help="least timed seconds per backend")
    args = parser.parse_args()
    threads = args.threads or available_cores()
    print(machine_line() + f"; {threads} threads")
    print("| model | arch / encoder | parameters (M) | tile px | float32 Mpx/s | int8 Mpx/s | int8 speed-up |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for folder in args.models:
        loaded = load_model(folder, device="cpu")
        mps = {b: network_megapixels_per_second(loaded, b, args.tile_px, num_threads=threads,
                                                min_seconds=args.seconds) for b in BACKENDS}
        params = sum(p.numel() for p in loaded.net.parameters()) / 1e6
        tile = args.tile_px or loaded.card.prediction_tile_px
        print(f"| {Path(folder).name} | {loaded.card.arch} / {loaded.card.encoder} | {params:.2f} | {tile} | "
              f"{mps['onnx']:.3f} | {mps['onnx-int8']:.3f} | {mps['onnx-int8'] / mps['onnx']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
