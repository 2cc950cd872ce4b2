"""Runners that turn a batch of input tiles into probabilities: eager torch, or ONNX Runtime."""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np
import torch
from scipy.special import expit

from massmap.errors import IncompatibleModelError
from massmap.log import get_logger
from massmap.models.store import LoadedModel

log = get_logger(__name__)

BACKENDS = ("torch", "onnx")
# Measured with benchmarks/predict_speed.py on 2 CPU cores: ONNX Runtime ran U-Net++/ResNet-18 faster than eager torch.
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


class TorchRunner:
    """Eager torch in inference mode, channels-last on the CPU, one logit map per tile through a sigmoid."""

    name = "torch"

    def __init__(self, loaded: LoadedModel, num_threads: int | None = None) -> None:
        self.net = loaded.net.eval()
        self.device = loaded.device
        self.num_threads = num_threads or available_cores()
        self._channels_last = self.device.type == "cpu"
        if self._channels_last:
            self.net = self.net.to(memory_format=torch.channels_last)

    def __call__(self, tiles: np.ndarray) -> np.ndarray:
        """Probabilities (N, rows, cols) of a batch of tiles (N, C, rows, cols)."""
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

    name = "onnx"

    def __init__(self, onnx_path: str | os.PathLike, num_threads: int | None = None) -> None:
        import onnxruntime as ort

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

    def __call__(self, tiles: np.ndarray) -> np.ndarray:
        """Probabilities (N, rows, cols) of a batch of tiles (N, C, rows, cols)."""
        logits = self.session.run(None, {self.input_name: np.ascontiguousarray(tiles, dtype=np.float32)})[0]
        return expit(logits[:, 0]).astype(np.float32, copy=False)


def make_runner(loaded: LoadedModel, backend: str = "torch", num_threads: int | None = None) -> Runner:
    """A runner for `backend` ("torch" or "onnx"); ONNX exports the model on first use (see `ensure_onnx`)."""
    if backend == "torch":
        return TorchRunner(loaded, num_threads)
    if backend == "onnx":
        from massmap.models.onnx_export import ensure_onnx

        return OnnxRunner(ensure_onnx(loaded), num_threads)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
