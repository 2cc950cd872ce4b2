"""Settings of a model comparison (`benchmark-models`): which models, the shared training budget, how they are scored.

Light on purpose (torch and Lightning are not imported): the command line reads its defaults from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from massmap.compare.studies import BaseSettings, BenchmarkRun, comparison_runs
from massmap.errors import BadInputError
from massmap.log import get_logger
from massmap.settings_json import FieldDefaults, JsonSettings
from massmap.train.config import TrainConfig

log = get_logger(__name__)
# Every run trains with TrainConfig's own defaults unless the comparison sets a field.
TRAIN = FieldDefaults(TrainConfig)

# Held-out patches scored per model, and their negatives per positive (negatives show false alarms).
EVAL_PATCHES = 64
EVAL_NEG_RATIO = 1.0
# The input side of the FLOP count and the speed measurement (pixels), its threads and repeats.
MEASURE_SIZE_PX = 512
SPEED_THREADS = 2
SPEED_REPEATS = 3
# Training settings a comparison sets itself, whatever its recipe says: data, model, budget, sampling and inputs
# (varied by the studies), and no starting weights (every run starts from random weights).
COMPARISON_OWNS = frozenset({
    "manifest", "out", "arch", "encoder", "init", "freeze_encoder", "freeze_epochs", "encoding", "inputs", "slope",
    "los", "neg_ratio", "hard_negatives", "patch_size", "batch_size", "seed", "where", "precision", "epochs",
    "patches_per_epoch", "val_patches", "max_minutes", "patience", "workers", "resume", "progress",
})


@dataclass
class BenchmarkConfig(JsonSettings):
    """Settings of a model comparison: the grid, the shared training budget and data, and how models are scored.

    `budget_minutes` bounds each run's training; `epochs` and `patches_per_epoch` set how often it validates
    within the budget (and `epochs` caps short test runs). `eval_patches` fixed patches of the test split (else
    val), `eval_neg_ratio` negatives per positive, score every model; cost is measured on `measure_size_px` inputs,
    speed on `speed_threads` threads. `threads` sets torch's threads for training and scoring (None: unchanged);
    one thread trains faster than two on a machine whose cores are busy with other work. `resume` continues an
    interrupted comparison in `out` (finished runs kept, an unfinished one from its last checkpoint).
    `recipe` is a training-settings file (a model's `train_config.json`) whose loss, schedule, learning rate, crop
    sizes, inputs and negative sampling every run starts from; the comparison's own settings (`COMPARISON_OWNS`)
    replace the rest.
    """

    manifest: str
    out: str
    archs: list[str] = field(default_factory=lambda: ["unet", "unetplusplus", "deeplabv3plus", "fpn"])
    encoders: list[str] = field(default_factory=lambda: [TRAIN.encoder])
    budget_minutes: float = 10.0
    patch_size: int = TRAIN.patch_size
    batch_size: int = TRAIN.batch_size
    seed: int = TRAIN.seed
    where: str | None = TRAIN.where
    ablations: bool = True
    ablation_arch: str = TRAIN.arch
    ablation_encoder: str = TRAIN.encoder
    precision: str = TRAIN.precision
    epochs: int = 10_000
    patches_per_epoch: int = 64
    val_patches: int = 32
    eval_patches: int = EVAL_PATCHES
    eval_neg_ratio: float = EVAL_NEG_RATIO
    workers: int = 0
    measure_size_px: int = MEASURE_SIZE_PX
    speed_threads: int = SPEED_THREADS
    speed_repeats: int = SPEED_REPEATS
    threads: int | None = None
    resume: bool = False
    progress: bool = True
    recipe: str | None = None

    SETTINGS_NAME = "benchmark settings"

    def validate(self) -> BenchmarkConfig:
        """Refuse settings that cannot work, with a one-line reason naming the option."""
        problems = []
        if not self.archs:
            problems.append("--archs names no architecture")
        if not self.encoders:
            problems.append("--encoders names no encoder")
        if self.budget_minutes <= 0:
            problems.append(f"--budget-minutes {self.budget_minutes} must be positive")
        if self.eval_patches < 1:
            problems.append(f"eval_patches {self.eval_patches} must be at least 1")
        if self.measure_size_px < 32 or self.measure_size_px % 32:
            problems.append(f"--measure-size {self.measure_size_px} must be a multiple of 32")
        if self.speed_threads < 1 or (self.threads is not None and self.threads < 1):
            problems.append("--threads and the speed threads must be at least 1")
        if problems:
            raise BadInputError("benchmark settings: " + "; ".join(problems))
        return self

    def runs(self) -> list[BenchmarkRun]:
        """The table's rows in order (architecture grid, then the ablations; the slope + los input only when the
        manifest gives a dem and los for every scene)."""
        base = self.base_settings()  # a bad recipe is refused before the manifest is read
        terrain = self.ablations and manifest_has_terrain(self.manifest)
        return comparison_runs(self.archs, self.encoders, self.ablations, self.ablation_arch, self.ablation_encoder,
                               terrain, base)

    def _recipe(self) -> TrainConfig | None:
        return TrainConfig.read(self.recipe) if self.recipe is not None else None

    def recipe_settings(self) -> dict:
        """The recipe's training settings that the comparison does not set itself (none without a recipe)."""
        recipe = self._recipe()
        return {k: v for k, v in asdict(recipe).items() if k not in COMPARISON_OWNS} if recipe else {}

    def base_settings(self) -> BaseSettings:
        """The inputs and negative sampling every run shares: the recipe's, else sincos + coherence, positives only."""
        recipe = self._recipe()
        if recipe is None:
            return BaseSettings()
        return BaseSettings(recipe.encoding, tuple(recipe.inputs) if recipe.inputs else None, recipe.neg_ratio,
                            recipe.hard_negatives)

    def train_config(self, run: BenchmarkRun) -> TrainConfig:
        """The training settings of one run: the shared data, seed and budget, and the run's own model and sampling."""
        return TrainConfig(
            **self.recipe_settings(),
            manifest=self.manifest, out=str(Path(self.out) / run.name), arch=run.arch, encoder=run.encoder,
            encoding=run.encoding, inputs=list(run.inputs) if run.inputs else None, slope=run.terrain,
            los=run.terrain, neg_ratio=run.neg_ratio, hard_negatives=run.hard_negatives,
            patch_size=self.patch_size, batch_size=self.batch_size, seed=self.seed, where=self.where,
            precision=self.precision, epochs=self.epochs, patches_per_epoch=self.patches_per_epoch,
            val_patches=self.val_patches, max_minutes=self.budget_minutes, patience=self.epochs,
            workers=self.workers, progress=self.progress,
        )


def manifest_has_terrain(manifest: str | Path) -> bool:
    """True when every scene of the manifest has a dem and a los file (the slope + los input can be trained)."""
    from massmap.io.manifest import read_manifest

    rows = read_manifest(manifest)
    if all(r.dem is not None and r.los is not None for r in rows):
        return True
    log.info("%s: not every scene has a dem and los; the slope + los input ablation is left out", manifest)
    return False
