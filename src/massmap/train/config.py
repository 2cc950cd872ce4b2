"""Training settings: one dataclass that round-trips through JSON losslessly and is stored with the run."""

from __future__ import annotations

from dataclasses import dataclass

from massmap.errors import BadInputError
from massmap.inputs import CHANNELS, ENCODINGS, channels_for
from massmap.settings_json import JsonSettings

SCHEDULES = ("cosine", "onecycle")
# bf16-mixed runs convolutions in bfloat16: about twice the fp32 throughput on CPUs with AVX512-BF16/AMX, but
# emulated and about 10x slower than fp32 on CPUs without them (U-Net++/ResNet-18 at 128 px on an AVX2 EPYC:
# 0.39 against 3.98 patches/s).
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
# Metrics logged each epoch that can pick the best checkpoint; losses are minimised, scores maximised.
MONITORS = (
    "val_iou", "val_dice", "val_precision", "val_recall", "val_object_precision", "val_object_recall",
    "val_object_f1", "val_scene_score", "val_scene_iou", "val_scene_object_f1", "val_loss", "train_loss",
)
CONFIG_FILE = "train_config.json"


@dataclass
class TrainConfig(JsonSettings):
    """Everything a training run needs: data, model, inputs, sampling, loss, schedule, budget and hardware.

    `neg_ratio` is negatives per positive patch (0: the study's choice, positives only); `hard_fraction` is the
    share of negatives drawn from hard-negative scenes when there are any. `max_minutes` bounds the whole run,
    across resumed invocations. `freeze_epochs` keeps the encoder frozen for the first epochs only (a start for
    the decoder before the whole network adapts); `freeze_encoder` keeps it frozen throughout.
    `crop_sizes` cuts each training batch to one of these sizes (at most `patch_size`), so the model maps alike
    with any tile size (`massmap.data.crop_sizes`).
    `scene_validation` maps the validation scenes whole each epoch, as `predict` does, logs `val_scene_*`
    figures at their best threshold and minimum area, and writes the chosen pair into the card
    (`massmap.train.pick`).
    """

    manifest: str
    out: str
    arch: str = "unetplusplus"
    encoder: str = "resnet18"
    init: str | None = None
    freeze_encoder: bool = False
    freeze_epochs: int = 0
    encoding: str = "sincos"
    coherence: bool = True
    slope: bool = False
    los: bool = False
    inputs: list[str] | None = None
    patch_size: int = 256
    crop_sizes: list[int] | None = None
    neg_ratio: float = 0.0
    hard_negatives: bool = True
    hard_fraction: float = 0.5
    where: str | None = None
    augment: bool = True
    loss: str = "bce-dice"
    lr: float = 1e-3
    weight_decay: float = 1e-4
    schedule: str = "cosine"
    batch_size: int = 8
    epochs: int = 50
    patches_per_epoch: int = 512
    val_patches: int = 64
    max_minutes: float | None = None
    patience: int = 10
    monitor: str = "val_iou"
    seed: int = 0
    workers: int = 2
    accelerator: str = "auto"
    devices: int | str = "auto"
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    resume: bool = False
    progress: bool = True
    pixel_size_m: float | None = None
    scene_validation: bool = False

    SETTINGS_NAME = "training settings"
    UNKNOWN_WHAT = "training settings"

    @property
    def channels(self) -> tuple[str, ...]:
        """Input channel names: `inputs` when given, else those of the encoding, coherence, slope and los."""
        if self.inputs:
            return tuple(self.inputs)
        return channels_for(self.encoding, self.coherence, self.slope, self.los)

    @property
    def monitor_mode(self) -> str:
        """`min` for a loss, `max` for a score."""
        return "min" if self.monitor.endswith("loss") else "max"

    def validate(self) -> TrainConfig:
        """Refuse settings that cannot work, with a one-line reason naming the option."""
        # smp and the losses import torch: here, not at the top, so the command line reads the defaults at once.
        from massmap.models.factory import available_architectures
        from massmap.train.losses import LOSSES

        problems = []
        if self.arch.lower() not in available_architectures():
            problems.append(f"--arch {self.arch!r} is not one of {', '.join(available_architectures())}")
        if self.encoding not in ENCODINGS:
            problems.append(f"--encoding {self.encoding!r} is not one of {', '.join(ENCODINGS)}")
        unknown = [c for c in self.inputs or () if c not in CHANNELS]
        if unknown:
            problems.append(f"--channels {','.join(unknown)} not registered; known: {', '.join(CHANNELS)}")
        if self.loss not in LOSSES:
            problems.append(f"--loss {self.loss!r} is not one of {', '.join(LOSSES)}")
        if self.schedule not in SCHEDULES:
            problems.append(f"--schedule {self.schedule!r} is not one of {', '.join(SCHEDULES)}")
        if self.precision not in PRECISIONS:
            problems.append(f"--precision {self.precision!r} is not one of {', '.join(PRECISIONS)}")
        if self.monitor not in MONITORS:
            problems.append(f"--monitor {self.monitor!r} is not one of {', '.join(MONITORS)}")
        # Every smp encoder halves the patch five times.
        if self.patch_size < 32 or self.patch_size % 32:
            problems.append(f"--patch-size {self.patch_size} must be a multiple of 32 (at least 32)")
        for size in self.crop_sizes or ():
            if size < 32 or size % 32 or size > self.patch_size:
                problems.append(f"--crop-sizes {size} must be a multiple of 32 within [32, --patch-size]")
        if self.neg_ratio < 0:
            problems.append(f"--neg-ratio {self.neg_ratio} must be 0 or more")
        if not 0.0 <= self.hard_fraction <= 1.0:
            problems.append(f"hard_fraction {self.hard_fraction} must be within [0, 1]")
        for name in ("batch_size", "epochs", "patches_per_epoch"):
            if getattr(self, name) < 1:
                problems.append(f"--{name.replace('_', '-')} must be at least 1")
        if self.freeze_epochs < 0:
            problems.append(f"--freeze-epochs {self.freeze_epochs} must be 0 or more")
        if self.val_patches < 0 or self.workers < 0 or self.patience < 1:
            problems.append("--val-patches and --workers must be 0 or more, --patience at least 1")
        if self.lr <= 0:
            problems.append(f"--lr {self.lr} must be positive")
        if self.max_minutes is not None and self.max_minutes <= 0:
            problems.append(f"--max-minutes {self.max_minutes} must be positive")
        if problems:
            raise BadInputError("training settings: " + "; ".join(problems))
        return self
