"""Learnability benchmark: the real data path must overfit 64 fixed patches holding 10-50 px patterns.

Simulates scenes with the default (detectable) label rule, builds the training scene index (`coherent = 1`), and
overfits each candidate (input channels x augmentation set x architecture) on the same 64 patches, fresh
augmentations every step. Prints the curve and the final training IoU and small-pattern recall; the targets
are IoU >= 0.9 and recall >= 0.9. Run it before any long training:

    python benchmarks/learnability.py --steps 300 --inputs sin,cos,coherence \
        res4_sin,res4_cos,res12_sin,res12_cos,coherence
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line  # noqa: E402

from massmap.data.augment import AugmentSettings  # noqa: E402
from massmap.data.sampling import build_scene_index  # noqa: E402
from massmap.io.manifest import read_manifest  # noqa: E402
from massmap.models.factory import create_network  # noqa: E402
from massmap.simulate.config import SimulationConfig  # noqa: E402
from massmap.simulate.dataset import simulate_dataset  # noqa: E402
from massmap.train.learnability import overfit_fixed_set  # noqa: E402

AUGMENTS = {
    "default": AugmentSettings(),
    "none": None,
    "old": AugmentSettings(phase_offset=True, decorrelation_probability=0.3),
}


def main() -> None:
    """Print the overfit curve of every candidate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", nargs="+", default=["sin,cos,coherence"], help="channel sets, comma-separated")
    parser.add_argument("--augment", nargs="+", default=["default"], choices=list(AUGMENTS))
    parser.add_argument("--arch", nargs="+", default=["unetplusplus"])
    parser.add_argument("--encoder", default="resnet18")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--patch-size", type=int, default=128)
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--precision", default="32-true", choices=["32-true", "bf16-mixed"])
    parser.add_argument("--data", type=Path, default=None, help="folder to keep the simulated scenes in")
    args = parser.parse_args()
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    print(machine_line())
    folder = args.data or Path(tempfile.mkdtemp(prefix="massmap-learnability-"))
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        config = SimulationConfig(size=384, hard_negative_fraction=0.0, n_movements=(12, 20))
        simulate_dataset(folder, args.scenes, 7_000, config, split="train")
    rows = read_manifest(manifest)
    index = build_scene_index(rows, args.patch_size, where="coherent = 1", traps=False)
    print(f"{len(rows)} scenes, {index.n_objects} labelled patterns; {args.steps} steps of 8 patches of "
          f"{args.patch_size} px, {args.precision}")
    print("| inputs | augment | arch | IoU | small recall | small patterns | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for inputs in args.inputs:
        channels = tuple(inputs.split(","))
        for augment in args.augment:
            for arch in args.arch:
                net = create_network(arch, args.encoder, len(channels)).to(memory_format=torch.channels_last)
                result = overfit_fixed_set(net, index, channels, steps=args.steps, augment=AUGMENTS[augment],
                                           precision=args.precision, eval_every=max(args.steps // 6, 1),
                                           on_eval=lambda c: print(f"  step {c['step']}: IoU {c['train_iou']:.3f}, "
                                                                   f"small recall {c['small_recall']:.3f}", flush=True))
                curve = " ".join(f"{c['step']}:{c['train_iou']:.2f}/{c['small_recall']:.2f}" for c in result.curve)
                print(f"| {inputs} | {augment} | {arch} | {result.train_iou:.3f} | {result.small_recall:.3f} | "
                      f"{result.n_small} | {result.seconds:.0f} |   curve (step:IoU/recall) {curve}", flush=True)


if __name__ == "__main__":
    main()
