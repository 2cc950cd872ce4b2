"""`--device`: cuda is refused in one line where torch sees no GPU, and where it sees one the network goes there.

No GPU is needed: torch.cuda.is_available is monkeypatched, and the network is never built on the device.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from massmap.cli import app
from massmap.errors import BadInputError
from massmap.models import store
from massmap.models.store import check_device, load_model
from massmap.predict import predict_scene
from massmap.predict.backends import make_runner

runner = CliRunner()
NO_GPU = "error: --device cuda: no CUDA GPU is visible to this process"


def _cuda(monkeypatch: pytest.MonkeyPatch, available: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)


class NetworkBuilt(Exception):
    """Raised in place of building the network, once its device is recorded."""


@pytest.mark.parametrize("command", ["predict", "predict-batch"])
def test_device_cuda_without_a_gpu_is_one_line_and_writes_nothing(command: str, cone_scene, random_unet: Path,
                                                                   tmp_path: Path, monkeypatch) -> None:
    _cuda(monkeypatch, False)
    scene, _ = cone_scene
    out = tmp_path / "out"
    where = ["--output", str(out / "o.gpkg")] if command == "predict" else ["--out-dir", str(out)]
    out.mkdir()
    result = runner.invoke(app, [command, str(scene), *where, "--model", str(random_unet), "--device", "cuda", "-q"])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == NO_GPU
    assert list(out.iterdir()) == []


def test_device_auto_and_cpu_need_no_gpu(monkeypatch) -> None:
    _cuda(monkeypatch, False)
    assert check_device("auto") == "cpu" and check_device("cpu") == "cpu"
    with pytest.raises(BadInputError, match="--device 'tpu': choose cpu, cuda or auto"):
        check_device("tpu")
    _cuda(monkeypatch, True)
    assert check_device("auto") == "cuda" and check_device("cuda:1") == "cuda:1"


def test_with_a_gpu_the_torch_backend_builds_the_network_on_cuda(cone_scene, random_unet: Path,
                                                                 monkeypatch) -> None:
    _cuda(monkeypatch, True)
    built_on: list[torch.device] = []

    def record_device(card, path, device):
        built_on.append(device)
        raise NetworkBuilt

    monkeypatch.setattr(store, "_build_network", record_device)
    loaded = load_model(random_unet, check_device("auto"))
    assert loaded.device == torch.device("cuda") and loaded.device_type == "cuda"
    with pytest.raises(NetworkBuilt):
        make_runner(loaded, "auto")  # auto is torch on a GPU: ONNX Runtime runs on the CPU only
    scene, _ = cone_scene
    with pytest.raises(NetworkBuilt):
        predict_scene(scene, model=random_unet, device="cuda", progress=False)
    assert built_on == [torch.device("cuda")] * 2
