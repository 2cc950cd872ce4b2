"""The `massmap` command line: thin typer commands over the library. Nothing imports this package."""

from massmap.cli import batch as _batch  # noqa: F401
from massmap.cli import combine as _combine  # noqa: F401
from massmap.cli import compare as _compare  # noqa: F401
from massmap.cli import demo as _demo  # noqa: F401
from massmap.cli import evaluate as _evaluate  # noqa: F401
from massmap.cli import export_onnx as _export_onnx  # noqa: F401
from massmap.cli import info as _info  # noqa: F401  (each module registers its commands on `app`)
from massmap.cli import predict as _predict  # noqa: F401
from massmap.cli import simulate as _simulate  # noqa: F401
from massmap.cli import stack as _stack  # noqa: F401
from massmap.cli import train as _train  # noqa: F401
from massmap.cli.app import app

__all__ = ["app"]
