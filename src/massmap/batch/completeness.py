"""Whether a scene's outputs are complete: a JSON sidecar, written last, vouches for them.

The sidecar holds each output's size and SHA-256, the model id and the prediction parameters, and the number of
polygons; an output counts as done only when the files match it byte for byte, the GeoPackage opens with that
many features, and the parameters are the ones asked for now. Its name alone proves nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyogrio

from massmap.atomic import atomic_path
from massmap.io.styling import data_layer
from massmap.provenance import sha256_file

SIDECAR_SUFFIX = ".done.json"
SIDECAR_FORMAT = 1


@dataclass(frozen=True)
class FileRecord:
    """One output file as the sidecar knows it: name (relative to the sidecar's folder), size and SHA-256."""

    name: str
    size_bytes: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileRecord:
        """The record of an existing file."""
        return cls(path.name, path.stat().st_size, sha256_file(path))


@dataclass
class Sidecar:
    """What a finished scene left: its files, polygon count, model and parameters, and run figures."""

    scene_id: str
    polygons: FileRecord
    n_polygons: int
    model_id: str
    params: dict
    extra_files: list[FileRecord] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    sidecar_format: int = SIDECAR_FORMAT

    def to_json(self) -> str:
        """The sidecar as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Sidecar:
        """Parse a sidecar; raises ValueError/KeyError/TypeError on anything malformed."""
        data = json.loads(text)
        data["polygons"] = FileRecord(**data["polygons"])
        data["extra_files"] = [FileRecord(**r) for r in data.get("extra_files", [])]
        return cls(**data)


def sidecar_path(out_dir: str | os.PathLike, scene_id: str) -> Path:
    """Where a scene's sidecar lives."""
    return Path(out_dir) / f"{scene_id}{SIDECAR_SUFFIX}"


def write_sidecar(path: str | os.PathLike, sidecar: Sidecar) -> Path:
    """Write the sidecar atomically; call it only after every output it names is in place."""
    with atomic_path(path) as tmp:
        tmp.write_text(sidecar.to_json() + "\n")
    return Path(path)


def read_sidecar(path: str | os.PathLike) -> Sidecar | None:
    """The sidecar at `path`, or None when it is missing or unreadable."""
    try:
        return Sidecar.from_json(Path(path).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _file_problem(folder: Path, record: FileRecord) -> str | None:
    path = folder / record.name
    if not path.is_file():
        return f"{record.name} is missing"
    if path.stat().st_size != record.size_bytes:
        return f"{record.name} has {path.stat().st_size} bytes, the sidecar says {record.size_bytes}"
    if sha256_file(path) != record.sha256:
        return f"{record.name} differs from the file the sidecar vouches for (SHA-256)"
    return None


def damage_reason(path: str | os.PathLike) -> str | None:
    """Why the outputs a sidecar names are not intact (missing, changed, unreadable); None if they are."""
    path = Path(path)
    if not path.exists():
        return "no sidecar"
    sidecar = read_sidecar(path)
    if sidecar is None:
        return f"{path.name} is unreadable"
    for record in [sidecar.polygons, *sidecar.extra_files]:
        problem = _file_problem(path.parent, record)
        if problem:
            return problem
    try:
        polygons = path.parent / sidecar.polygons.name
        # A styled GeoPackage also holds QGIS's layer_styles table: count the data layer's features.
        n = pyogrio.read_info(polygons, layer=data_layer(polygons))["features"]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        return f"{sidecar.polygons.name} does not open ({str(exc).splitlines()[0]})"
    if n != sidecar.n_polygons:
        return f"{sidecar.polygons.name} has {n} features, the sidecar says {sidecar.n_polygons}"
    return None


def incomplete_reason(path: str | os.PathLike, model_id: str, params: dict) -> str | None:
    """Why the outputs a sidecar names are not a finished result for this model and parameters; None if they are."""
    sidecar = read_sidecar(path) if Path(path).exists() else None
    if sidecar is not None:
        if sidecar.model_id != model_id:
            return f"made with model {sidecar.model_id}, not {model_id}"
        if sidecar.params != params:
            return f"made with parameters {sidecar.params}, not {params}"
    return damage_reason(path)

