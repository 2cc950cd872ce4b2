"""The Lightning module: one smp network, its loss, AdamW with a cosine (over steps or time budget) or one-cycle
schedule, and validation.

Validation pools every validation patch: pixel IoU/Dice/precision/recall from summed pixel counts, and object
precision/recall/F1 at IoU 0.4 from summed matches (objects are 8-connected components of each patch's masks).
"""

from __future__ import annotations

import math

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Timer

from massmap.constants import OBJECT_IOU_THRESHOLD
from massmap.data.sampling import IGNORE_LABEL
from massmap.metrics.matching import object_metrics, object_scores
from massmap.metrics.pixel import metrics_from_counts, pixel_counts
from massmap.train.config import TrainConfig
from massmap.train.losses import make_loss


def freeze_encoder(net: torch.nn.Module) -> None:
    """Stop training the encoder (for very few labels): no gradients, batch-norm statistics kept."""
    net.encoder.requires_grad_(False)
    net.encoder.eval()  # type: ignore[union-attr]  # torch types submodules as Tensor | Module


class SegmentationModule(L.LightningModule):
    """Trains a binary segmentation network on patches (x: (B, C, H, W), y: (B, 1, H, W) with 255 = ignore)."""

    def __init__(self, net: torch.nn.Module, config: TrainConfig, steps_per_epoch: int) -> None:
        super().__init__()
        self.net = net
        self.config = config
        self.steps_per_epoch = int(steps_per_epoch)
        self.loss_fn = make_loss(config.loss)
        self.threshold = 0.5
        self._val_counts = np.zeros(3, dtype=np.int64)
        self._val_objects = np.zeros(3, dtype=np.int64)
        self.validated_epoch: int | None = None
        if config.freeze_encoder:
            freeze_encoder(self.net)

    def train(self, mode: bool = True) -> SegmentationModule:
        """Switch modes; a frozen encoder stays in eval mode so its batch-norm statistics do not drift."""
        super().train(mode)
        if self.config.freeze_encoder:
            self.net.encoder.eval()  # type: ignore[union-attr]
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 1, H, W) of a batch of encoded patches."""
        if x.device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        """Loss of one batch, logged per step and per epoch as `train_loss`."""
        x, y = batch
        loss = self.loss_fn(self(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True, batch_size=x.shape[0], sync_dist=True)
        return loss

    def on_validation_epoch_start(self) -> None:
        """Reset the pooled pixel and object counts."""
        self._val_counts[:] = 0
        self._val_objects[:] = 0

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        """Add one batch's pixel counts and object matches to the pooled counts."""
        x, y = batch
        logits = self(x)
        self.log("val_loss", self.loss_fn(logits, y), on_epoch=True, batch_size=x.shape[0], sync_dist=True)
        pred = (torch.sigmoid(logits) >= self.threshold).squeeze(1).cpu().numpy()
        target = y.squeeze(1).cpu().numpy()
        valid = target != IGNORE_LABEL
        truth = target == 1
        for p, t, v in zip(pred, truth, valid):
            self._val_counts += pixel_counts(p, t, v)
            objects = object_metrics(p, t, OBJECT_IOU_THRESHOLD, valid=v)
            self._val_objects += (objects["tp"], objects["n_pred"], objects["n_truth"])

    def on_validation_epoch_end(self) -> None:
        """Log pixel IoU/Dice/precision/recall and object precision/recall/F1 (IoU 0.4) over all ranks' counts."""
        local = torch.as_tensor(np.concatenate([self._val_counts, self._val_objects]))
        counts = torch.as_tensor(self.all_gather(local))
        if counts.ndim > 1:
            counts = counts.sum(0)
        tp, fp, fn, obj_tp, n_pred, n_truth = (int(v) for v in counts.tolist())
        pixel = metrics_from_counts(tp, fp, fn)
        objects = object_scores(obj_tp, n_pred, n_truth, OBJECT_IOU_THRESHOLD)
        self.log_dict({
            "val_iou": pixel["iou"], "val_dice": pixel["dice"], "val_precision": pixel["precision"],
            "val_recall": pixel["recall"], "val_object_precision": objects["precision"],
            "val_object_recall": objects["recall"], "val_object_f1": objects["f1"],
        }, sync_dist=True)
        if not self.trainer.sanity_checking:
            self.validated_epoch = self.current_epoch

    def configure_optimizers(self):
        """AdamW over the trainable weights, with a per-step cosine or one-cycle learning-rate schedule."""
        params = [p for p in self.net.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=self.config.lr, weight_decay=self.config.weight_decay)
        total_steps = max(self.config.epochs * self.steps_per_epoch, 1)
        if self.config.schedule == "onecycle":
            scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=self.config.lr, total_steps=total_steps)
        else:
            scheduler = torch.optim.lr_scheduler.LambdaLR(
                optimizer, lambda step: 0.5 * (1.0 + math.cos(math.pi * self.training_progress(step, total_steps))))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def training_progress(self, step: int, total_steps: int) -> float:
        """How far training has come, 0..1: the larger of the share of steps done and, under `max_minutes`, the share
        of the time budget spent (resumed runs included), so a run that its budget ends still ends its cosine decay
        instead of stopping at a high learning rate."""
        done = step / total_steps
        # Lightning's Trainer sets `callbacks` at run time (its type stubs lack it).
        callbacks = getattr(self._trainer, "callbacks", None) or []
        timer = next((c for c in callbacks if isinstance(c, Timer)), None)
        if self.config.max_minutes and timer is not None:
            done = max(done, (timer.time_elapsed("train") or 0.0) / (60.0 * self.config.max_minutes))
        return min(done, 1.0)
