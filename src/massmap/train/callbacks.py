"""Lightning callbacks of a massmap run: the per-epoch CSV log and its learning curve, kept up to date each epoch."""

from __future__ import annotations

import math
from pathlib import Path

import lightning as L
import torch

from massmap.interrupt import raise_if_stopped
from massmap.train.curves import LOG_COLUMNS, plot_learning_curve, read_log, write_log

# Lightning's name for the epoch mean of a metric logged on both steps and epochs.
_EPOCH_SUFFIX = "_epoch"


def _value(metrics: dict, key: str) -> float:
    value = metrics.get(key + _EPOCH_SUFFIX, metrics.get(key))
    if value is None:
        return math.nan
    return float(value.item() if isinstance(value, torch.Tensor) else value)


class EpochLog(L.Callback):
    """Append one row per epoch to `log_path` and redraw `curve_path`, so even an interrupted run has both.

    After a resume, rows of epochs that are about to be run again are dropped first.
    """

    def __init__(self, log_path: str | Path, curve_path: str | Path) -> None:
        self.log_path = Path(log_path)
        self.curve_path = Path(curve_path)
        self.rows: list[dict] = []

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Keep the rows of epochs already done (a checkpoint's loop state is restored by now)."""
        if trainer.is_global_zero:
            self.rows = [r for r in read_log(self.log_path) if r["epoch"] < trainer.current_epoch]

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Write this epoch's row (after its validation) and redraw the curve."""
        if not trainer.is_global_zero:
            return
        metrics = trainer.callback_metrics
        row = {"epoch": trainer.current_epoch, "step": trainer.global_step,
               "lr": trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else math.nan}
        row.update({key: _value(metrics, key) for key in LOG_COLUMNS[3:]})
        if getattr(pl_module, "validated_epoch", None) != trainer.current_epoch:
            # Validation was skipped (no val split, or the time budget ran out mid-epoch): no stale scores.
            row.update({key: math.nan for key in LOG_COLUMNS if key.startswith("val_")})
        self.rows.append(row)
        write_log(self.rows, self.log_path)
        plot_learning_curve(self.rows, self.curve_path)


class StopWhenInterrupted(L.Callback):
    """Stop at the next step after Ctrl-C or SIGTERM even when the KeyboardInterrupt they raised was lost."""

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: object) -> None:
        """Raise KeyboardInterrupt if a stop was asked for (Lightning then shuts down as after Ctrl-C)."""
        raise_if_stopped()

    def on_validation_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: object) -> None:
        """As after a training step."""
        raise_if_stopped()
