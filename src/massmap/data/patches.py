"""The torch side of patch sampling: a sampler that fixes each epoch's patch kinds, and a dataset that reads them.

An epoch is a fixed number of sampled patches. The sampler yields keys (epoch, index, kind); the dataset turns a
key into a patch with a random generator seeded by (seed, rank, epoch, index). So the patches of a run depend on
the seed alone, not on the number of worker processes, an interrupted run resumes with the very patches it would
have seen, and each distributed rank sees different patches.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from massmap.data.augment import AugmentSettings, augment_patch
from massmap.data.sampling import SceneIndex, epoch_kinds, read_patch
from massmap.inputs import needed_layers
from massmap.io.scene import SceneReader, open_scene

PatchKey = tuple[int, int, str]
# Validation draws the same patches every epoch: a fixed epoch number outside any training run's range.
VALIDATION_EPOCH = 1_000_000_007
# Keeps the sampler's stream of kinds apart from the dataset's per-patch streams.
_KIND_STREAM = 7


class PatchSampler(Sampler[PatchKey]):
    """Yields one epoch of patch keys: exact counts of positives, negatives and hard negatives, shuffled.

    Lightning calls `set_epoch` at the start of every epoch (also after resuming); `fixed_epoch` pins it.
    """

    def __init__(self, n_patches: int, neg_ratio: float, hard_fraction: float, has_hard: bool, seed: int,
                 rank: int = 0, fixed_epoch: int | None = None) -> None:
        self.n_patches = int(n_patches)
        self.neg_ratio = float(neg_ratio)
        self.hard_fraction = float(hard_fraction)
        self.has_hard = bool(has_hard)
        self.seed = int(seed)
        self.rank = int(rank)
        self.fixed_epoch = fixed_epoch
        self.epoch = 0 if fixed_epoch is None else fixed_epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose patches the next iteration yields."""
        if self.fixed_epoch is None:
            self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.n_patches

    def __iter__(self) -> Iterator[PatchKey]:
        rng = np.random.default_rng([self.seed, self.rank, self.epoch, _KIND_STREAM])
        kinds = epoch_kinds(self.n_patches, self.neg_ratio, self.hard_fraction, self.has_hard, rng)
        for i, kind in enumerate(kinds):
            yield (self.epoch, i, str(kind))


class PatchDataset(Dataset):
    """Patches of a scene index as (channels (C, H, W) float32, label (1, H, W) float32 with 255 = ignore).

    Scenes are opened lazily in each worker process and read window by window. `augment=None` turns
    augmentation off (validation).
    """

    def __init__(self, scene_index: SceneIndex, channels: tuple[str, ...], seed: int, rank: int = 0,
                 augment: AugmentSettings | None = None, pixel_size_m: float | None = None) -> None:
        self.scene_index = scene_index
        self.channels = tuple(channels)
        self.seed = int(seed)
        self.rank = int(rank)
        self.augment = augment
        self.pixel_size_m = pixel_size_m
        self.with_los = "los" in needed_layers(self.channels)
        self._readers: dict[int, SceneReader] = {}
        self._pid = os.getpid()

    def __getstate__(self) -> dict:
        # Open rasterio datasets must not cross process boundaries: workers open their own.
        state = self.__dict__.copy()
        state["_readers"] = {}
        return state

    def _reader(self, scene: int) -> SceneReader:
        if os.getpid() != self._pid:
            self._readers, self._pid = {}, os.getpid()
        reader = self._readers.get(scene)
        if reader is None:
            row = self.scene_index.scenes[scene].row
            reader = open_scene(row.phase, row.coherence, row.dem, pixel_size_m=self.pixel_size_m,
                                los_path=row.los if self.with_los else None)
            self._readers[scene] = reader
        return reader

    def patch(self, key: PatchKey):
        """The window and the (augmented) arrays of a key, before channel encoding."""
        epoch, index, kind = key
        rng = np.random.default_rng([self.seed, self.rank, epoch, index])
        window = self.scene_index.draw(kind, rng)
        entry = self.scene_index.scenes[window.scene]
        arrays = read_patch(self._reader(window.scene), entry, window, self.scene_index.patch_size, self.channels,
                            self.pixel_size_m)
        if self.augment is not None:
            arrays = augment_patch(arrays, rng, self.augment)
        return window, arrays

    def __getitem__(self, key: PatchKey) -> tuple[torch.Tensor, torch.Tensor]:
        _, arrays = self.patch(key)
        x, label = arrays.encode(self.channels)
        return torch.from_numpy(x), torch.from_numpy(label.astype(np.float32)[None])

    def close(self) -> None:
        """Close the scenes this process opened."""
        for reader in self._readers.values():
            reader.close()
        self._readers = {}
