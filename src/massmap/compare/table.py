"""The comparison table as Markdown (for reading) and CSV (every figure at full precision)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path

from massmap.atomic import atomic_path

# (header, row attribute, format) of the Markdown table.
_MD_COLUMNS = (
    ("Study", "study", "{}"),
    ("Setting", "setting", "{}"),
    ("Pixel IoU", "pixel_iou", "{:.3f}"),
    ("Dice", "dice", "{:.3f}"),
    ("Object F1 @ IoU 0.4", "object_f1", "{:.3f}"),
    ("Parameters (M)", "parameters", "{:.2f}"),
    ("GFLOP/MP", "gflop_per_mp", "{:.1f}"),
    ("CPU MP/s", "cpu_mp_per_s", "{:.3f}"),
    ("Epochs", "epochs", "{}"),
    ("Steps", "steps", "{}"),
    ("Train min", "train_minutes", "{:.1f}"),
)


def _cell(value, fmt: str, attr: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if attr == "parameters":
        value = value / 1e6
    return fmt.format(value)


def markdown_table(rows: Sequence, notes: Sequence[str] = ()) -> str:
    """The rows (BenchmarkRow) as a Markdown table, followed by notes on how they were measured."""
    lines = ["| " + " | ".join(h for h, _, _ in _MD_COLUMNS) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(_MD_COLUMNS))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(getattr(row, a), f, a) for _, a, f in _MD_COLUMNS) + " |")
    text = "# Model comparison\n\n" + "\n".join(lines) + "\n"
    if notes:
        text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    return text


def csv_table(rows: Sequence) -> str:
    """The rows (BenchmarkRow) as CSV with a header of the dataclass's field names."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if rows:
        writer.writerow(type(rows[0]).columns())
    for row in rows:
        writer.writerow(astuple(row))
    return buf.getvalue()


def write_tables(rows: Sequence, md_path: str | Path, csv_path: str | Path,
                 notes: Sequence[str] = ()) -> tuple[Path, Path]:
    """Write the Markdown and CSV tables atomically; returns both paths."""
    for path, text in ((md_path, markdown_table(rows, notes)), (csv_path, csv_table(rows))):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return Path(md_path), Path(csv_path)
