"""Time massmap's simulator: seconds per scene by size, in memory and written to disk.

Usage: python benchmarks/simulate_speed.py [--sizes 256 512 1024] [--repeats 3]
Target (issue 3): a 1024 x 1024 scene in at most 2 s on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from machine import machine_line  # benchmarks/machine.py, beside this script

from massmap.simulate.config import SimulationConfig
from massmap.simulate.dataset import write_scene
from massmap.simulate.scene import simulate_scene


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(machine_line())
    print(f"{'size':>6} {'filter':>7} {'simulate s (median)':>20} {'max s':>7} {'write s (median)':>17}")
    simulate_scene(SimulationConfig(size=64), [0, 0])  # warm imports and FFT plans
    for size in args.sizes:
        for filtered in (0.0, 1.0):
            config = SimulationConfig(size=size, goldstein_fraction=filtered, hard_negative_fraction=0.0)
            sim_times, write_times = [], []
            with tempfile.TemporaryDirectory() as tmp:
                for i in range(args.repeats):
                    start = time.perf_counter()
                    scene = simulate_scene(config, [1, i])
                    sim_times.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    write_scene(scene, tmp, f"s{i}")
                    write_times.append(time.perf_counter() - start)
            print(f"{size:>6} {'yes' if filtered else 'no':>7} {statistics.median(sim_times):>20.3f} "
                  f"{max(sim_times):>7.3f} {statistics.median(write_times):>17.3f}")


if __name__ == "__main__":
    main()
