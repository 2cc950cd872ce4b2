"""`massmap export-onnx`: write a model folder's network as ONNX for ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import typer

from massmap.cli.app import command
from massmap.cli.options import OverwriteOption, QuietOption
from massmap.log import console


@command("export-onnx")
def export_onnx(
    model: str = typer.Argument(..., help="'default' or a model folder."),
    out: Path | None = typer.Option(None, "--out", help="ONNX file to write (default: MODEL/model.onnx)."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Export MODEL to ONNX (dynamic batch and tile size), checked against torch."""
    from massmap.models.onnx_export import export_onnx as export

    path = export(model, out, overwrite=overwrite)
    if not quiet:
        console.print(f"ONNX model -> {path}", highlight=False)
