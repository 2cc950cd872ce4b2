"""What a map was made from: model name and weights hash, threshold, massmap version and input files.

Written into GeoPackage metadata and GeoTIFF tags so a polygon file or probability map found later on a
shared disk still says how it was made.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from pathlib import Path

from massmap import __version__
from massmap.atomic import published_path

_HASH_CHUNK_BYTES = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _cached_hash(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def weights_id(weights: str | os.PathLike) -> str:
    """`sha256:` and the first 16 hex digits of a weights file's hash (cached while the file is unchanged)."""
    st = os.stat(weights)
    return "sha256:" + _cached_hash(str(Path(weights).resolve()), st.st_size, st.st_mtime_ns)[:16]


def provenance(model_name: str, model_hash: str, threshold: float, inputs: dict[str, str | os.PathLike | None],
               **settings: object) -> dict[str, str]:
    """String key-value provenance of one map: model, threshold, massmap version, inputs and settings."""
    record = {
        "massmap_version": __version__,
        "model": model_name,
        "model_sha256": model_hash,
        "threshold": f"{threshold:g}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    # Inputs written in the same staged output folder (the demo's scene) are named where they will stay.
    record.update({f"input_{k}": str(published_path(Path(v).resolve())) for k, v in inputs.items() if v is not None})
    record.update({k: str(v) for k, v in settings.items() if v is not None})
    return record
