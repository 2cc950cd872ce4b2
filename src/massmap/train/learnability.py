"""The learnability guard: can a network overfit a small fixed set of patches with small patterns, through the very
data path training uses (scene files -> scene index -> patch windows -> augmentation -> channel encoding)?

Hours of training teach nothing on a pipeline that cannot fit 64 patches. A fixed set of windows, each centred on
a labelled pattern of SMALL_PATTERN_PX pixels, is read again every step with fresh augmentations, and the network
is scored on the un-augmented set: pooled pixel IoU and the recall of the small patterns (a pattern counts as
found when the prediction covers at least half of it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import ndimage

from massmap.data.augment import AugmentSettings, augment_patch
from massmap.data.sampling import IGNORE_LABEL, POSITIVE, PatchWindow, SceneIndex, read_patch
from massmap.io.scene import SceneReader, open_scene
from massmap.train.losses import make_loss

# Patterns the guard is about: 10-50 pixels, the sizes experts map and networks miss.
SMALL_PATTERN_PX = (10, 50)
# A small pattern is found when the prediction covers this share of it.
FOUND_COVER = 0.5
DEFAULT_AUGMENT = AugmentSettings()


@dataclass
class LearnabilityResult:
    """The curve (step, loss, training IoU, small-pattern recall) and the final figures of one overfit run."""

    curve: list[dict] = field(default_factory=list)
    train_iou: float = 0.0
    small_recall: float = 0.0
    n_patches: int = 0
    n_small: int = 0
    seconds: float = 0.0

    def passed(self, min_iou: float = 0.9, min_recall: float = 0.9) -> bool:
        """True when the run reached both targets."""
        return self.train_iou >= min_iou and self.small_recall >= min_recall


def small_pattern_windows(index: SceneIndex, n_patches: int, seed: int = 0) -> list[PatchWindow]:
    """`n_patches` positive windows of the scene index, each centred on a labelled object whose area is within
    SMALL_PATTERN_PX pixels (by the scene's pixel area), as training draws positives."""
    rng = np.random.default_rng(seed)
    small = []
    for k, scene in enumerate(index.object_scene):
        entry = index.scenes[int(scene)]
        local = k - int(np.flatnonzero(index.object_scene == scene)[0])
        area_px = float(entry.labels.iloc[local].area) / float(np.prod(entry.grid.pixel_size_xy_m()))
        if SMALL_PATTERN_PX[0] <= area_px <= SMALL_PATTERN_PX[1]:
            small.append(k)
    if not small:
        raise ValueError("no labelled pattern of 10-50 pixels to centre the fixed set on")
    windows = []
    for i in range(n_patches):
        k = small[i % len(small)]
        scene = int(index.object_scene[k])
        r0, c0, r1, c1 = index.object_boxes[k]
        row, col = index._window_at(scene, (r0 + r1) / 2 + rng.uniform(-8, 8), (c0 + c1) / 2 + rng.uniform(-8, 8))
        windows.append(PatchWindow(scene, row, col, POSITIVE))
    return windows


def small_pattern_recall(pred: np.ndarray, label: np.ndarray) -> tuple[int, int]:
    """(found, total) small labelled patterns of one patch: 4-connected components of SMALL_PATTERN_PX pixels
    of which the prediction covers at least FOUND_COVER."""
    parts, n = ndimage.label(label == 1)
    if n == 0:
        return 0, 0
    sizes = np.bincount(parts.ravel(), minlength=n + 1)
    covered = np.bincount(parts.ravel(), weights=pred.ravel().astype(float), minlength=n + 1)
    small = (sizes >= SMALL_PATTERN_PX[0]) & (sizes <= SMALL_PATTERN_PX[1])
    small[0] = False
    return int((covered[small] >= FOUND_COVER * sizes[small]).sum()), int(small.sum())


def overfit_fixed_set(
    net: torch.nn.Module, index: SceneIndex, channels: tuple[str, ...], *, n_patches: int = 64,
    steps: int = 150, batch_size: int = 8, lr: float = 1e-3, augment: AugmentSettings | None = DEFAULT_AUGMENT,
    loss: str = "bce-image-dice", eval_every: int = 25, seed: int = 0, precision: str = "32-true",
    on_eval: Callable[[dict], None] | None = None, cosine: bool = True,
) -> LearnabilityResult:
    """Train `net` on a fixed set of small-pattern patches of the scene index (fresh augmentations every step,
    learning rate `lr` decayed on a cosine unless `cosine` is False) and score it on the un-augmented set every
    `eval_every` steps (each point also handed to `on_eval`, so a run cut short still shows its curve)."""
    started = time.perf_counter()
    torch.manual_seed(seed)
    windows = small_pattern_windows(index, n_patches, seed)
    readers: dict[int, SceneReader] = {}

    def arrays(w: PatchWindow, rng: np.random.Generator | None):
        if w.scene not in readers:
            row = index.scenes[w.scene].row
            readers[w.scene] = open_scene(row.phase, row.coherence, row.dem, los_path=row.los)
        patch = read_patch(readers[w.scene], index.scenes[w.scene], w, index.patch_size, channels)
        if rng is not None and augment is not None:
            patch = augment_patch(patch, rng, augment)
        return patch.encode(channels)

    fixed = [arrays(w, None) for w in windows]
    x_eval = torch.from_numpy(np.stack([x for x, _ in fixed]))
    y_eval = np.stack([y for _, y in fixed])
    loss_fn = make_loss(loss)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    # Cosine decay as `train --schedule cosine`: at a constant rate the scores swing by 0.2 between evaluations.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps) if cosine else None
    autocast = precision == "bf16-mixed"
    result = LearnabilityResult(n_patches=len(windows))
    rng = np.random.default_rng(seed)
    try:
        for step in range(1, steps + 1):
            net.train()
            pick = rng.choice(len(windows), size=batch_size, replace=False)
            batch = [arrays(windows[i], rng) for i in pick]
            x = torch.from_numpy(np.stack([b[0] for b in batch])).contiguous(memory_format=torch.channels_last)
            y = torch.from_numpy(np.stack([b[1] for b in batch]).astype(np.float32)[:, None])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                value = loss_fn(net(x).float(), y)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            if schedule is not None:
                schedule.step()
            if step % eval_every == 0 or step == steps:
                iou, recall, n_small = _score(net, x_eval, y_eval, autocast)
                point = dict(step=step, loss=float(value.detach()), train_iou=iou, small_recall=recall)
                result.curve.append(point)
                if on_eval is not None:
                    on_eval(point)
                result.train_iou, result.small_recall, result.n_small = iou, recall, n_small
    finally:
        for reader in readers.values():
            reader.close()
    result.seconds = time.perf_counter() - started
    return result


def _score(net: torch.nn.Module, x: torch.Tensor, y: np.ndarray, autocast: bool) -> tuple[float, float, int]:
    """Pooled pixel IoU and small-pattern recall of the network on the un-augmented fixed set."""
    net.eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        prob = torch.cat([torch.sigmoid(net(x[i:i + 16].contiguous(memory_format=torch.channels_last)).float())
                          for i in range(0, len(x), 16)])
    pred = prob[:, 0].numpy() >= 0.5
    valid = y != IGNORE_LABEL
    truth = y == 1
    inter = int((pred & truth & valid).sum())
    union = int(((pred | truth) & valid).sum())
    found = total = 0
    for p, t in zip(pred, y):
        f, n = small_pattern_recall(p, t)
        found, total = found + f, total + n
    return inter / max(union, 1), found / max(total, 1), total
