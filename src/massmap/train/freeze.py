"""Freezing the encoder for the first epochs of a fine-tuning run, then training the whole network."""

from __future__ import annotations

from typing import cast

import lightning as L
import torch

from massmap.log import get_logger
from massmap.train.module import freeze_encoder

log = get_logger(__name__)


class EncoderWarmup(L.Callback):
    """Keep the network's encoder frozen (no gradients, batch-norm statistics kept) for the first `epochs` epochs.

    With few labels the randomly drifting decoder would otherwise push large, noisy gradients into a pretrained
    encoder in the first steps. The optimiser holds every weight from the start, so nothing changes but which
    weights receive gradients.
    """

    def __init__(self, epochs: int) -> None:
        self.epochs = int(epochs)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Freeze the encoder before epoch `epochs`, release it from then on."""
        net = cast(torch.nn.Module, pl_module.net)
        if trainer.current_epoch < self.epochs:
            freeze_encoder(net)
            return
        cast(torch.nn.Module, net.encoder).requires_grad_(True)
        if trainer.current_epoch == self.epochs:
            log.info("epoch %d: encoder released", trainer.current_epoch)
