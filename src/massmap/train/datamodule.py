"""The Lightning data module: training and validation loaders over sampled patches, seeded by run seed and rank."""

from __future__ import annotations

import lightning as L
from torch.utils.data import DataLoader

from massmap.data.augment import AugmentSettings
from massmap.data.crop_sizes import MixedSizeCollate
from massmap.data.patches import VALIDATION_EPOCH, PatchDataset, PatchSampler
from massmap.data.sampling import SceneIndex
from massmap.train.config import TrainConfig


class PatchDataModule(L.LightningDataModule):
    """Loaders of `patches_per_epoch` training patches (new ones each epoch, augmented, each batch cut to one of
    `crop_sizes` when given) and a fixed validation set.

    Validation draws `val_patches` patches with the training's positive:negative ratio, the same every epoch and
    on every rank, without augmentation.
    """

    def __init__(self, train: SceneIndex, val: SceneIndex | None, channels: tuple[str, ...], config: TrainConfig):
        super().__init__()
        self.train_index = train
        self.val_index = val
        self.channels = tuple(channels)
        self.config = config

    def _rank(self) -> int:
        trainer = getattr(self, "trainer", None)
        return int(trainer.global_rank) if trainer is not None else 0

    def _loader(self, dataset: PatchDataset, sampler: PatchSampler,
                collate: MixedSizeCollate | None = None) -> DataLoader:
        workers = self.config.workers
        return DataLoader(dataset, batch_size=self.config.batch_size, sampler=sampler, num_workers=workers,
                          persistent_workers=workers > 0, pin_memory=False, collate_fn=collate)

    def train_dataloader(self) -> DataLoader:
        """Augmented patches, new each epoch, different on each rank."""
        c = self.config
        rank = self._rank()
        dataset = PatchDataset(self.train_index, self.channels, c.seed, rank,
                               AugmentSettings() if c.augment else None, c.pixel_size_m)
        sampler = PatchSampler(c.patches_per_epoch, c.neg_ratio, c.hard_fraction,
                               self.train_index.has_hard_negatives, c.seed, rank)
        collate = MixedSizeCollate(c.crop_sizes, seed=c.seed * 1000 + rank) if c.crop_sizes else None
        return self._loader(dataset, sampler, collate)

    def val_dataloader(self) -> DataLoader | list:
        """The fixed validation patches, or none when there is nothing to validate on."""
        c = self.config
        if self.val_index is None or c.val_patches == 0:
            return []
        dataset = PatchDataset(self.val_index, self.channels, c.seed, 0, None, c.pixel_size_m)
        sampler = PatchSampler(c.val_patches, c.neg_ratio, c.hard_fraction, self.val_index.has_hard_negatives,
                               c.seed, 0, fixed_epoch=VALIDATION_EPOCH)
        return self._loader(dataset, sampler)
