"""Export a model to ONNX (`model.onnx` beside its weights) for ONNX Runtime, and check it matches torch."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from massmap.atomic import atomic_path
from massmap.errors import IncompatibleModelError
from massmap.log import get_logger
from massmap.models.store import CARD_FILE, ONNX_FILE, WEIGHTS_FILE, LoadedModel, load_model

if TYPE_CHECKING:
    import torch

log = get_logger(__name__)

OPSET = 17
INPUT_NAME = "channels"
OUTPUT_NAME = "logits"
# Largest logit difference between torch and ONNX Runtime accepted after export (float32 reordering noise).
MAX_LOGIT_DIFF = 1e-3


def _as_loaded(model: str | os.PathLike | LoadedModel) -> LoadedModel:
    return model if isinstance(model, LoadedModel) else load_model(model, device="cpu")


def export_onnx(model: str | os.PathLike | LoadedModel, out: str | os.PathLike | None = None,
                check: bool = True, overwrite: bool = True) -> Path:
    """Write the network as ONNX (dynamic batch, rows and columns; output logits), atomically.

    `out` defaults to `model.onnx` in the model folder (derived from the weights, so replaced freely). A given
    `out` may not be the model's weights or card, and an existing one is replaced only with `overwrite`. With
    `check`, ONNX Runtime must reproduce torch's logits on a random tile within MAX_LOGIT_DIFF, else
    IncompatibleModelError.
    """
    import torch

    from massmap.io.output_check import check_outputs

    loaded = _as_loaded(model)
    if out is not None:
        check_outputs({"--out": out}, [loaded.path / WEIGHTS_FILE, loaded.path / CARD_FILE], overwrite)
    out = Path(out) if out is not None else loaded.path / ONNX_FILE
    net = loaded.net.to("cpu").eval()
    tile_px = loaded.card.patch_size
    example = torch.randn(1, loaded.card.in_channels, tile_px, tile_px, generator=torch.Generator().manual_seed(0))
    buffer = io.BytesIO()
    axes = {0: "batch", 2: "rows", 3: "cols"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net, (example,), buffer, dynamo=False,  # type: ignore[arg-type]  # a file object works
            opset_version=OPSET, input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME], dynamic_axes={INPUT_NAME: axes, OUTPUT_NAME: axes},
        )
    if check:
        _check_against_torch(buffer.getvalue(), net, example, out)
    with atomic_path(out) as tmp:
        tmp.write_bytes(buffer.getvalue())
    log.info("exported %s/%s to %s", loaded.card.arch, loaded.card.encoder, out)
    return out


def _check_against_torch(onnx_bytes: bytes, net: torch.nn.Module, example: torch.Tensor, out: Path) -> None:
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    got = session.run(None, {INPUT_NAME: example.numpy()})[0]
    with torch.inference_mode():
        want = net(example).numpy()
    diff = float(np.max(np.abs(got - want)))
    if not diff <= MAX_LOGIT_DIFF:
        raise IncompatibleModelError(f"{out}: ONNX export differs from torch by {diff:.2e} in logits")


def model_digest(loaded: LoadedModel) -> str:
    """A short hash of a network's weights and card, naming its cached ONNX export.

    A network not yet in memory is hashed from its weights file (no torch needed); one in memory from its tensors.
    """
    h = hashlib.sha256(loaded.card.to_json().encode())
    weights = Path(loaded.path) / WEIGHTS_FILE
    if not loaded.has_network and weights.exists():
        h.update(b"file:" + weights.read_bytes())
        return h.hexdigest()[:16]
    for name, tensor in sorted(loaded.net.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def cache_root() -> Path:
    """massmap's cache folder for derived models: $MASSMAP_CACHE_DIR, else $XDG_CACHE_HOME/massmap (~/.cache)."""
    root = (os.environ.get("MASSMAP_CACHE_DIR")
            or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "massmap")
    return Path(root)


def onnx_cache_dir() -> Path:
    """Where ONNX exports of models in read-only folders go: the cache folder's onnx/."""
    return cache_root() / "onnx"


def ensure_onnx(loaded: LoadedModel) -> Path:
    """The ONNX file of a model, exporting it on first use.

    Order: `model.onnx` in the model folder when not older than its weights; else export it there when the
    folder holds the weights and is writable; else export into the cache (`onnx_cache_dir()`), keyed by a
    hash of the weights, so in-memory models and read-only installs work too.
    """
    folder = Path(loaded.path)
    weights = folder / WEIGHTS_FILE
    local = folder / ONNX_FILE
    if weights.exists() and local.exists() and local.stat().st_mtime >= weights.stat().st_mtime:
        return local
    if weights.exists() and os.access(folder, os.W_OK):
        log.info("no up-to-date %s in %s: exporting it once", ONNX_FILE, folder)
        return export_onnx(loaded, local)
    cached = onnx_cache_dir() / f"{model_digest(loaded)}.onnx"
    if cached.exists():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting the model to ONNX in the cache: %s", cached)
    return export_onnx(loaded, cached)
