"""Inference backends as a registry: each name says on which devices it runs, how it is prepared and its runner.

A runner turns a batch of input tiles (N, C, rows, cols) into probabilities (N, rows, cols). `predict`,
`predict-batch` and the command line read `BACKENDS`; adding a backend means adding one `Backend` entry.
Light on purpose: torch and ONNX Runtime are imported only when a runner is made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from massmap.errors import BadInputError
from massmap.log import get_logger

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from massmap.models.store import LoadedModel

log = get_logger(__name__)

AUTO = "auto"
# Measured with benchmarks/predict_speed.py on 2 CPU cores: ONNX Runtime ran U-Net++/ResNet-18 faster than eager
# torch. A model card's `backend` field overrides it (see `default_backend`).
DEFAULT_CPU_BACKEND = "onnx"


class Runner(Protocol):
    """Maps float32 tiles (N, C, rows, cols) to float32 probabilities (N, rows, cols)."""

    name: str

    def __call__(self, tiles: np.ndarray) -> np.ndarray: ...


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    """Probabilities of logits, float32 (scipy's expit, stable for large magnitudes)."""
    import numpy as np
    from scipy.special import expit

    return expit(logits).astype(np.float32, copy=False)


class TorchRunner:
    """Eager torch in inference mode, channels-last on the CPU, one logit map per tile through a sigmoid."""

    name = "torch"

    def __init__(self, loaded: LoadedModel, num_threads: int | None = None) -> None:
        import torch

        self.net = loaded.net.eval()
        self.device = loaded.device
        self.num_threads = num_threads or available_cores()
        self._channels_last = self.device.type == "cpu"
        if self._channels_last:
            self.net = self.net.to(memory_format=torch.channels_last)

    def __call__(self, tiles: np.ndarray) -> np.ndarray:
        """Probabilities (N, rows, cols) of a batch of tiles (N, C, rows, cols)."""
        import numpy as np
        import torch

        previous = torch.get_num_threads()
        torch.set_num_threads(self.num_threads)
        try:
            with torch.inference_mode():
                x = torch.from_numpy(np.ascontiguousarray(tiles, dtype=np.float32)).to(self.device)
                if self._channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                logits = self.net(x)[:, 0]
                return torch.sigmoid(logits).float().cpu().numpy()
        finally:
            torch.set_num_threads(previous)


class OnnxRunner:
    """ONNX Runtime on the CPU with as many intra-op threads as cores."""

    def __init__(self, onnx_path: str | os.PathLike, num_threads: int | None = None, name: str = "onnx") -> None:
        import onnxruntime as ort

        from massmap.errors import IncompatibleModelError

        self.name = name
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads or available_cores()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Without a pre-planned memory pattern U-Net++ peaks ~200 MB lower at batch 4, at the same speed.
        options.enable_mem_pattern = False
        try:
            self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for unreadable files
            raise IncompatibleModelError(f"{onnx_path}: ONNX Runtime cannot load it ({exc})") from None
        self.input_name = self.session.get_inputs()[0].name
        self.input_channels = self.session.get_inputs()[0].shape[1]

    def __call__(self, tiles: np.ndarray) -> np.ndarray:
        """Probabilities (N, rows, cols) of a batch of tiles (N, C, rows, cols)."""
        import numpy as np

        logits = self.session.run(None, {self.input_name: np.ascontiguousarray(tiles, dtype=np.float32)})[0]
        return _sigmoid(logits[:, 0])


def _checked(runner: OnnxRunner, loaded: LoadedModel) -> OnnxRunner:
    """The runner, once its network is known to take as many input channels as the card lists."""
    from massmap.errors import IncompatibleModelError

    if isinstance(runner.input_channels, int) and runner.input_channels != loaded.card.in_channels:
        raise IncompatibleModelError(
            f"{loaded.path}: the network takes {runner.input_channels} input channels, its card lists "
            f"{loaded.card.in_channels} ({', '.join(loaded.card.channels)})")
    return runner


def _onnx_file(loaded: LoadedModel) -> Path:
    from massmap.models.onnx_export import ensure_onnx

    return ensure_onnx(loaded)


def _int8_file(loaded: LoadedModel) -> Path:
    from massmap.models.quantize import ensure_int8

    return ensure_int8(_onnx_file(loaded), loaded.card)


@dataclass(frozen=True)
class Backend:
    """One way to run a network: the device types it supports, the files it prepares once, and its runner."""

    name: str
    devices: tuple[str, ...]
    description: str
    make_runner: Callable[[LoadedModel, int | None], Runner]
    # Work done once per model before mapping (an export, a quantisation), so batch workers do not race to it.
    prepare: Callable[[LoadedModel], object] | None = None


BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("torch", ("cpu", "cuda", "mps"), "eager PyTorch (any device)", TorchRunner),
        Backend("onnx", ("cpu",), "ONNX Runtime, float32 (exports MODEL/model.onnx on first use, or into "
                "~/.cache/massmap/onnx when the folder is read-only)",
                lambda loaded, threads: _checked(OnnxRunner(_onnx_file(loaded), threads), loaded), _onnx_file),
        Backend("onnx-int8", ("cpu",), "ONNX Runtime, int8 (quantised once, calibrated on simulated tiles, into "
                "~/.cache/massmap/int8)",
                lambda loaded, threads: _checked(OnnxRunner(_int8_file(loaded), threads, "onnx-int8"), loaded),
                _int8_file),
    )
}

BACKEND_HELP = (
    f"{AUTO} (the model card's backend on the CPU, else {DEFAULT_CPU_BACKEND}; torch on a GPU), "
    + ", ".join(f"{b.name}: {b.description}" for b in BACKENDS.values())
    + "."
)


def default_backend(card_backend: str | None, device_type: str) -> str:
    """What `auto` means: the card's backend (if registered and able to run here), else ONNX on a CPU, else torch."""
    if device_type != "cpu":
        return "torch"
    if card_backend in BACKENDS and device_type in BACKENDS[card_backend].devices:
        return card_backend
    return DEFAULT_CPU_BACKEND


def resolve_backend(backend: str, device_type: str, card_backend: str | None = None) -> Backend:
    """The registered backend a name (or `auto`) stands for on this device; unknown or unsupported names are refused."""
    name = default_backend(card_backend, device_type) if backend == AUTO else backend
    if name not in BACKENDS:
        raise BadInputError(f"unknown backend {backend!r}; choose one of {AUTO}, {', '.join(BACKENDS)}")
    chosen = BACKENDS[name]
    if device_type not in chosen.devices:
        raise BadInputError(
            f"the {name} backend runs on {', '.join(chosen.devices)} only, not {device_type}; use --backend torch"
        )
    return chosen


def make_runner(loaded: LoadedModel, backend: str = "torch", num_threads: int | None = None) -> Runner:
    """A runner for a registered backend name (or `auto`) on the model's device."""
    chosen = resolve_backend(backend, loaded.device_type, loaded.card.backend)
    return chosen.make_runner(loaded, num_threads)
