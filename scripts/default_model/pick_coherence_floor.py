"""Choose a model's coherence floor: the highest block coherence below which it finds nothing on unseen scenes.

Usage: python scripts/default_model/pick_coherence_floor.py MANIFEST.csv MODEL_DIR [--write]
Maps every scene of the manifest with the model (every tile, no floor), and for each block of the signal rule
(`massmap.predict.signal`, 16 px on the scene grid) takes its mean valid coherence and its highest probability.
For each candidate floor it prints the share of blocks that would be skipped and the highest probability among
them. The chosen floor is one step (0.05) below the highest whose skipped blocks all stay under half the model's
threshold: a margin, because fast movements decorrelate and real coherence is not the simulator's. With --write it
goes into the model's card (`coherence_floor`).
"""

from __future__ import annotations

import argparse

import numpy as np

from massmap.io.manifest import read_manifest
from massmap.io.scene import open_scene
from massmap.models.store import load_model, save_model
from massmap.predict.run import predict_scene
from massmap.predict.signal import SIGNAL_BLOCK_PX

FLOORS = tuple(np.round(np.arange(0.10, 0.61, 0.05), 2))


def _blocks(values: np.ndarray, fill: float) -> np.ndarray:
    """(rows/b, b, cols/b, b) view of a 2-D array cut into SIGNAL_BLOCK_PX blocks (NaN and edge padding `fill`)."""
    b = SIGNAL_BLOCK_PX
    rows, cols = values.shape
    padded = np.full((-(-rows // b) * b, -(-cols // b) * b), fill, np.float32)
    padded[:rows, :cols] = np.nan_to_num(values, nan=fill)
    return padded.reshape(padded.shape[0] // b, b, padded.shape[1] // b, b)


def block_max(values: np.ndarray) -> np.ndarray:
    """Highest value of each block (NaN counts as 0)."""
    return _blocks(values, 0.0).max(axis=(1, 3))


def block_mean(values: np.ndarray) -> np.ndarray:
    """Mean of the finite values of each block (NaN for a block without any)."""
    blocks = _blocks(values, np.nan)
    with np.errstate(invalid="ignore"):
        return np.nanmean(blocks, axis=(1, 3)) if np.isfinite(blocks).any() else np.full(blocks.shape[::2], np.nan)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("model")
    ap.add_argument("--write", action="store_true", help="store the chosen floor in the model's card")
    args = ap.parse_args()
    model = load_model(args.model)
    model.card.coherence_floor = None
    coherence, probability = [], []
    for row in read_manifest(args.manifest):
        result = predict_scene(row.phase, model=model, progress=False, return_probability=True,
                               skip_signal_free_tiles=False)
        with open_scene(row.phase, row.coherence) as reader:
            window = reader.read()
        coh = np.where(window.valid, window.coherence, np.nan)
        coherence.append(block_mean(coh).ravel())
        probability.append(block_max(result.probability).ravel())
    coh_blocks, prob_blocks = np.concatenate(coherence), np.concatenate(probability)
    keep = np.isfinite(coh_blocks)  # blocks of nodata only are skipped whatever the floor
    coh_blocks, prob_blocks = coh_blocks[keep], prob_blocks[keep]
    limit = model.card.threshold / 2
    safe: list[float] = []
    print(f"{len(coherence)} scenes, {coh_blocks.size} blocks of {SIGNAL_BLOCK_PX} px; threshold "
          f"{model.card.threshold}, skipped blocks must stay below {limit:.3f}")
    print(f"{'floor':>6} {'blocks skipped':>14} {'max p there':>11}")
    for floor in FLOORS:
        below = coh_blocks < floor
        top = float(prob_blocks[below].max()) if below.any() else 0.0
        print(f"{floor:>6.2f} {below.mean():>14.3f} {top:>11.3f}")
        if top < limit:
            safe.append(float(floor))
    chosen = safe[-2] if len(safe) > 1 else None
    print(f"chosen coherence floor: {chosen}")
    if args.write and chosen is not None:
        model.card.coherence_floor = chosen
        # The card travels in the weights' metadata too (publish.py): both are rewritten, the tensors unchanged.
        save_model(model.net, model.card, model.path, half=True)


if __name__ == "__main__":
    main()
