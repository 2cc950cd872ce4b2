"""Saving and loading a model: one folder with `model.safetensors` and `card.json`; `default` is the shipped one."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from massmap.atomic import check_writable
from massmap.constants import DEFAULT_MODEL
from massmap.errors import BadInputError, IncompatibleModelError
from massmap.models.card import ModelCard

if TYPE_CHECKING:
    import torch

WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "card.json"
# The ONNX export of the weights (massmap.models.onnx_export): derived, so it goes when the weights change.
ONNX_FILE = "model.onnx"
_BUILD_LOCK = threading.Lock()


class LoadedModel:
    """A network in eval mode with its card, on a device.

    The network is built from the weights file on first use of `net`: ONNX Runtime backends whose exported file is
    up to date never import torch, so mapping starts within a few seconds.
    """

    def __init__(self, net: torch.nn.Module | None, card: ModelCard, path: str | os.PathLike,
                 device: torch.device | str | None = None) -> None:
        self._net = net
        self.card = card
        self.path = Path(path)
        self._device = device

    def __repr__(self) -> str:
        return f"LoadedModel({self.card.arch}/{self.card.encoder}, {self.path}, {self.device_type})"

    @property
    def net(self) -> torch.nn.Module:
        """The network in eval mode on the model's device (float32; channels-last on the CPU)."""
        if self._net is None:
            # Threads of one batch worker share one LoadedModel: the first builds the network, the others wait.
            with _BUILD_LOCK:
                if self._net is None:
                    self._net = _build_network(self.card, self.path, self.device)
        return self._net

    @property
    def has_network(self) -> bool:
        """True once the network is in memory (given, or built by `net`)."""
        return self._net is not None

    @property
    def device(self) -> torch.device:
        """The torch device of the network."""
        import torch

        if not isinstance(self._device, torch.device):
            self._device = pick_device(self._device)
        return self._device

    @property
    def device_type(self) -> str:
        """cpu, cuda or mps, found without importing torch where no GPU can be present."""
        if self._device is None and not _gpu_possible():
            self._device = "cpu"
        if isinstance(self._device, str):
            return self._device.split(":")[0]
        return self.device.type


def _gpu_possible() -> bool:
    """False when this machine cannot have a CUDA device (Linux without NVIDIA device nodes); True when unsure."""
    import sys

    return not sys.platform.startswith("linux") or os.path.exists("/dev/nvidiactl")


def default_model_dir() -> Path:
    """Folder of the model shipped inside the package."""
    return Path(str(resources.files("massmap") / "weights" / DEFAULT_MODEL))


def resolve_model_dir(model: str | os.PathLike) -> Path:
    """The folder of a model given as `default`, a folder, or its `model.safetensors` file."""
    if str(model) == DEFAULT_MODEL:
        path = default_model_dir()
        if not (path / WEIGHTS_FILE).exists():
            raise IncompatibleModelError(f"{path}: the default model's weights are not installed")
        return path
    path = Path(model)
    if path.is_file() and path.suffix == ".safetensors":
        path = path.parent
    if not (path / WEIGHTS_FILE).exists():
        raise IncompatibleModelError(f"{path}: no {WEIGHTS_FILE} (not a massmap model folder)")
    return path


def pick_device(device: str | None = None) -> torch.device:
    """The given device, else CUDA when present, else the CPU."""
    import torch

    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def check_device(device: str) -> str:
    """The torch device to map on: cpu, cuda (refused without a GPU) or auto (cuda when there is one)."""
    if device == "cpu":
        return device  # no torch import: ONNX Runtime backends start without it
    if device != "auto" and not device.startswith("cuda"):
        raise BadInputError(f"--device {device!r}: choose cpu, cuda or auto")
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise BadInputError(f"--device {device}: no CUDA GPU is visible to this process")
    return device


def save_model(net: torch.nn.Module, card: ModelCard, folder: str | os.PathLike, half: bool = False) -> Path:
    """Write weights (float16 when `half`) and card into `folder`, atomically (a temp folder renamed into place).

    Anything else in an existing folder (training log, checkpoints, figures) is kept; its ONNX export is not.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    check_writable(folder)
    state = {k: v.detach().to("cpu").contiguous() for k, v in net.state_dict().items()}
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        save_file(state, tmp / WEIGHTS_FILE, metadata={"massmap_card": card.to_json()})
        (tmp / CARD_FILE).write_text(card.to_json() + "\n")
        # mkdtemp makes a private folder; a model is meant to be read by everyone.
        os.chmod(tmp, 0o755)
        for f in (WEIGHTS_FILE, CARD_FILE):
            os.chmod(tmp / f, 0o644)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            # Kept files move only after the swap: a failure leaves them in the .old folder, never in the temp one.
            for entry in old.iterdir():
                if entry.name not in (WEIGHTS_FILE, CARD_FILE, ONNX_FILE):
                    os.replace(entry, folder / entry.name)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def read_card(model: str | os.PathLike) -> ModelCard:
    """The card of a model (`default`, a folder or its weights file), without touching its weights."""
    return ModelCard.read(resolve_model_dir(model) / CARD_FILE)


def load_model(model: str | os.PathLike = DEFAULT_MODEL, device: str | None = None) -> LoadedModel:
    """A model folder (or `default`): its card now, its network (float32, from the weights) on first use."""
    path = resolve_model_dir(model)
    return LoadedModel(None, read_card(path), path, device)


def _build_network(card: ModelCard, path: Path, device: Any) -> torch.nn.Module:
    """Build the network the card names and load its weights as float32, in eval mode on `device`."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from massmap.models.factory import create_network

    try:
        state = load_file(str(path / WEIGHTS_FILE))
    except (SafetensorError, OSError) as exc:
        raise IncompatibleModelError(f"{path / WEIGHTS_FILE}: unreadable weights ({exc})") from None
    net = create_network(card.arch, card.encoder, card.in_channels)
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise IncompatibleModelError(
            f"{path}: weights do not fit the card's {card.arch}/{card.encoder} ({first})") from None
    net = net.to(device).eval()
    if device.type == "cpu":
        net = net.to(memory_format=torch.channels_last)
    return net


def card_in_weights(path: str | os.PathLike) -> ModelCard | None:
    """The card embedded in a weights file's metadata, if any."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    text = meta.get("massmap_card")
    return ModelCard.from_json(text, str(path)) if text else None


__all__ = ["LoadedModel", "check_device", "load_model", "read_card", "save_model", "default_model_dir",
           "resolve_model_dir", "card_in_weights"]
