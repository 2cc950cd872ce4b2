"""How long the command line takes to start: medians of several runs of each case, each in a fresh process.

Cases: `massmap --help`, `massmap CMD --help` for every command, `massmap info SCENE`, and the time from the
command to the first tile of `massmap predict` (the moment its progress bar first advances, read from a
marker the benchmark's hook writes) and to its end, on a 256 x 256 simulated scene with the default model.
Targets (issue 21): every --help under 1 s, info under 2 s, the first tile within 3 s on a warm disk.

    python benchmarks/startup.py              # 5 runs of each case
    python benchmarks/startup.py --runs 3 --src /other/checkout/src src
        # two source trees, runs interleaved so that both see the same load on a shared machine
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

# Run inside the timed `massmap predict` process: note the time when the first batch of tiles has been predicted.
_FIRST_TILE_HOOK = """
import os, sys, time
import massmap.predict.run as run
inner = run.make_runner
def timed_runner(*args, **kwargs):
    runner = inner(*args, **kwargs)
    def call(tiles):
        out = runner(tiles)
        marker = os.environ["MASSMAP_FIRST_TILE_FILE"]
        if not os.path.exists(marker):
            with open(marker, "w") as f:
                f.write(repr(time.time()))
        return out
    call.name = runner.name
    return call
run.make_runner = timed_runner
from massmap.cli import app
app(prog_name="massmap", args=sys.argv[1:])
"""


def _env(src: str | None, **extra: str) -> dict:
    """The environment of a run against one source tree (its `src` folder first on the path)."""
    env = dict(os.environ, **extra)
    if src:
        env["PYTHONPATH"] = str(Path(src).resolve())
    return env


def _run(args: list[str], env: dict | None = None) -> float:
    """Wall-clock seconds of one command in a fresh process; fails loudly if it fails."""
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - start


def _first_tile(scene: Path, workdir: Path, run: str, src: str | None) -> tuple[float, float]:
    """Seconds from starting `massmap predict` to its first predicted tiles, and to its end."""
    marker = workdir / f"first_tile_{run}.txt"
    env = _env(src, MASSMAP_FIRST_TILE_FILE=str(marker))
    out = workdir / f"predicted_{run}.gpkg"
    start_wall = time.time()
    total = _run([sys.executable, "-c", _FIRST_TILE_HOOK, "predict", str(scene), "-o", str(out), "--quiet"], env)
    return float(marker.read_text()) - start_wall, total


def _scene(workdir: Path) -> Path:
    """A 256 x 256 simulated scene (phase and coherence files) to run info and predict on."""
    from massmap.simulate.config import SimulationConfig
    from massmap.simulate.dataset import write_scene
    from massmap.simulate.scene import simulate_scene

    scene = simulate_scene(SimulationConfig(size=256), 2027)
    return write_scene(scene, workdir, "startup", quicklook=False)["phase"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs of each case (the median is reported).")
    parser.add_argument("--src", nargs="+", default=[None], help="Source trees to compare (default: as installed).")
    args = parser.parse_args()
    from typer.main import get_command

    from massmap.cli import app

    massmap = [sys.executable, "-m", "massmap"]
    commands = sorted(get_command(app).commands)
    trees = [str(s) if s else "installed" for s in args.src]
    times: dict[tuple[str, str], list[float]] = {}
    targets: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="massmap-startup-") as tmp:
        workdir = Path(tmp)
        scene = _scene(workdir)
        for src in args.src:  # warm disk, and each tree's ONNX export made once
            _run(massmap + ["predict", str(scene), "-o", str(workdir / "warm.gpkg"), "--quiet"], _env(src))
        cases: list[tuple[str, list[str], float]] = [("massmap --help", massmap + ["--help"], 1.0)]
        cases += [(f"massmap {c} --help", massmap + [c, "--help"], 1.0) for c in commands]
        cases += [("massmap info SCENE (256 px)", massmap + ["info", str(scene)], 2.0)]
        for k in range(args.runs):
            for label, cmd, target in cases:
                targets[label] = target
                for tree, src in zip(trees, args.src):
                    times.setdefault((label, tree), []).append(_run(cmd, _env(src)))
            for t, (tree, src) in enumerate(zip(trees, args.src)):
                first, total = _first_tile(scene, workdir, f"{k}_{t}", src)
                times.setdefault(("massmap predict: first tile (256 px)", tree), []).append(first)
                times.setdefault(("massmap predict: whole run (256 px)", tree), []).append(total)
        targets["massmap predict: first tile (256 px)"] = 3.0
        targets["massmap predict: whole run (256 px)"] = float("nan")
    print(machine_line())
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} runs of each "
          "case, trees interleaved")
    print(f"{'case':44s} {'tree':>24s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'target s':>9s}")
    for label, target in targets.items():
        for tree in trees:
            ts = times[(label, tree)]
            ok = "" if target != target else ("  ok" if statistics.median(ts) < target else "  MISSED")
            print(f"{label:44s} {tree[-24:]:>24s} {statistics.median(ts):9.2f} {min(ts):7.2f} {max(ts):7.2f} "
                  f"{target:9.1f}{ok}")


if __name__ == "__main__":
    main()
