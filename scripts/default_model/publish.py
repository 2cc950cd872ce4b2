"""Publish a trained model as the shipped default: float16 safetensors plus a card with held-out figures.

Usage: python scripts/default_model/publish.py MODEL_DIR HELDOUT_JSON [TRAIN_MINUTES]
The held-out run's probability threshold, tile size and backend (e.g. onnx-int8, when it was run with
`--backend onnx-int8` and matched float32) become the card's defaults; the model folder's coherence floor
(scripts/default_model/pick_coherence_floor.py --write) is kept.
HELDOUT_JSON comes from benchmarks/default_model_heldout.py --out. Replace the shipped model only when the new
one beats it on that held-out set (every version stays in git's history).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from massmap.models.store import default_model_dir, load_model, save_model

LIMITS = (
    "Trained only on simulated Sentinel-1 interferograms (20 and 30 m pixels; fractal alpine terrain and SRTM "
    "relief of the southern Apennines; ascending and descending; Goldstein-filtered and unfiltered; atmosphere up "
    "to 1.3x the base strength; hard negatives with strong atmosphere, layover/shadow and decorrelated snow, and "
    "its predecessor's own false alarms). It has never seen a real labelled "
    "interferogram: expect false positives on real atmospheric fringes and misses of patterns unlike the "
    "simulator's. Labels were coherent patterns only (coherent = 1) that an expert could see: at least half a "
    "fringe of deformation phase over at least 12 pixels. It draws polygons on strong atmospheric fringes (5.5 "
    "per 100 km2 on motion-free scenes with 2x atmosphere). For best results fine-tune on local labels "
    "with `massmap train --init default` (and `--freeze-encoder` for very few labels)."
)


def main() -> None:
    model_dir, heldout_json = Path(sys.argv[1]), Path(sys.argv[2])
    minutes = float(sys.argv[3]) if len(sys.argv) > 3 else None
    loaded = load_model(model_dir, device="cpu")
    heldout = json.loads(heldout_json.read_text())
    card = loaded.card
    card.metrics = {
        "validation": card.metrics,
        "heldout": {k: {"pixel": v["pixel"], "object": v["object"]} for k, v in heldout.items()
                    if isinstance(v, dict) and "pixel" in v},
        "heldout_object_curve_all": heldout["all"]["curve"],
        "heldout_by_set": {k: {"pixel": v["pixel"], "object": v["object"]}
                           for k, v in heldout.get("by_set", {}).items()},
        "heldout_recall_by": heldout.get("recall_by", {}),
        "negative_set": heldout["negative"],
        "heldout_set": "simulated, seeds 9001-9002 (never trained on), SRTM N42E012 (unseen DEM), headings offset "
                       "by 6 degrees, 1.6x atmosphere; negative set: 30 motion-free scenes with 2x atmosphere",
    }
    if minutes is not None:
        card.training["wall_minutes"] = minutes
    card.limits = LIMITS
    card.threshold = float(heldout["model"]["threshold"])
    card.set_prediction_tile_px(heldout["model"].get("tile_px", card.prediction_tile_px))
    card.backend = heldout["model"].get("backend", card.backend)
    save_model(loaded.net, card, default_model_dir(), half=True)
    print(f"published {model_dir} -> {default_model_dir()}")


if __name__ == "__main__":
    main()
