"""How fast a network runs in a backend: megapixels of tile per second of the bare forward pass, for any model.

Used by `benchmarks/predict_speed.py` and the architecture comparison, so every architecture's cost is measured
the way `predict` runs it (ONNX Runtime float32 and int8 on the CPU, or torch).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from massmap.models.store import LoadedModel
from massmap.predict.backends import make_runner

# Random input tiles are drawn with this seed; the speed of a dense network does not depend on the values.
TILE_SEED = 0


def network_megapixels_per_second(
    loaded: LoadedModel, backend: str = "onnx", tile_px: int | None = None, batch_size: int = 4,
    num_threads: int | None = None, min_seconds: float = 3.0, min_batches: int = 3,
) -> float:
    """Megapixels of tile per second of the bare network in `backend` (warm; after one batch run untimed).

    Runs batches of `batch_size` random tiles of `tile_px` (default: the card's prediction tile) until both
    `min_batches` and `min_seconds` are reached. The backend's preparation (an ONNX export, an int8
    quantisation) happens before the clock starts.
    """
    runner = make_runner(loaded, backend, num_threads)
    tile = tile_px or loaded.card.prediction_tile_px
    rng = np.random.default_rng(TILE_SEED)
    x = rng.uniform(-1, 1, (batch_size, loaded.card.in_channels, tile, tile)).astype(np.float32)
    runner(x)
    batches, start = 0, time.perf_counter()
    while batches < min_batches or time.perf_counter() - start < min_seconds:
        runner(x)
        batches += 1
    return batches * batch_size * tile * tile / 1e6 / (time.perf_counter() - start)


def architecture_megapixels_per_second(
    arch: str, encoder: str = "resnet18", channels: tuple[str, ...] = ("sin", "cos", "coherence"),
    backends: tuple[str, ...] = ("onnx", "onnx-int8"), tile_px: int = 256, batch_size: int = 4,
    num_threads: int | None = None, min_seconds: float = 3.0,
) -> dict[str, float]:
    """Megapixels per second of an untrained smp `arch`/`encoder` in each backend (weights do not change speed).

    The network gets random weights; ONNX exports and int8 models go to the cache folder as for any model
    outside a writable model folder.
    """
    import torch

    from massmap.models.card import ModelCard
    from massmap.models.factory import create_network

    card = ModelCard(arch=arch, encoder=encoder, channels=list(channels), patch_size=tile_px)
    torch.manual_seed(0)
    net = create_network(arch, encoder, card.in_channels).eval()
    with tempfile.TemporaryDirectory(prefix="massmap-speed-") as tmp:
        # No weights file in the folder: exports are cached by content (see massmap.models.onnx_export.ensure_onnx).
        loaded = LoadedModel(net=net, card=card, path=Path(tmp), device=torch.device("cpu"))
        return {b: network_megapixels_per_second(loaded, b, tile_px, batch_size, num_threads, min_seconds)
                for b in backends}
