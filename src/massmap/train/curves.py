"""The training log as a CSV of one row per epoch, and the learning curve drawn from it."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from massmap.atomic import atomic_path

LOG_FILE = "training_log.csv"
CURVE_FILE = "learning_curve.png"
LOG_COLUMNS = (
    "epoch", "step", "lr", "train_loss", "val_loss", "val_iou", "val_dice", "val_precision", "val_recall",
    "val_object_precision", "val_object_recall", "val_object_f1", "val_scene_score", "val_scene_iou",
    "val_scene_object_f1", "val_scene_threshold",
)


def read_log(path: str | os.PathLike) -> list[dict]:
    """Rows of a training log, numbers as float (epoch and step as int), missing values as NaN."""
    path = Path(path)
    if not path.exists():
        return []
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        parsed = {k: (float(v) if v not in ("", None) else math.nan) for k, v in row.items()}
        parsed["epoch"], parsed["step"] = int(parsed["epoch"]), int(parsed["step"])
        out.append(parsed)
    return out


def write_log(rows: list[dict], path: str | os.PathLike) -> Path:
    """Write the training log atomically (it is small: one row per epoch)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(LOG_COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()})
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())
    return Path(path)


def best_row(rows: list[dict], monitor: str, mode: str = "max") -> dict | None:
    """The epoch whose `monitor` is best (highest for mode `max`, lowest for `min`); None when never measured."""
    scored = [r for r in rows if not math.isnan(r.get(monitor, math.nan))]
    if not scored:
        return None
    pick = max if mode == "max" else min
    return pick(scored, key=lambda r: r[monitor])


def plot_learning_curve(rows: list[dict], path: str | os.PathLike) -> Path:
    """Draw losses and validation scores per epoch into a PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = [r["epoch"] + 1 for r in rows]
    fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for key, label in (("train_loss", "training"), ("val_loss", "validation")):
        ax_loss.plot(epochs, [r.get(key, math.nan) for r in rows], marker="o", ms=3, label=label)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax_loss.legend()
    scores = (("val_iou", "pixel IoU"), ("val_dice", "pixel Dice"), ("val_object_f1", "object F1 (IoU 0.4)"),
              ("val_scene_iou", "whole scenes: pixel IoU"), ("val_scene_object_f1", "whole scenes: object F1"))
    for key, label in scores:
        if all(math.isnan(r.get(key, math.nan)) for r in rows):
            continue
        ax_score.plot(epochs, [r.get(key, math.nan) for r in rows], marker="o", ms=3, label=label)
    ax_score.set(xlabel="epoch", ylabel="score", title="Validation", ylim=(0, 1))
    ax_score.legend()
    for ax in (ax_loss, ax_score):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return Path(path)
