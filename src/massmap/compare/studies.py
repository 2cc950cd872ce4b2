"""The runs of a model comparison: every architecture x encoder combination, and the two ablations reviewers asked for.

Ablations vary one setting of a base model (sincos + coherence, positives only): the positive:negative ratio
(0, 1:1, 1:3, each non-zero ratio with and without hard negatives) and the inputs: the encoding of the wrapped
phase (sincos, raw, repeat) and, when every scene has a DEM and its LOS geometry, sincos with the terrain
channels slope and los. A recipe (`benchmark-models --recipe`) moves the base to its own inputs and negative
sampling: the ratio ablation then keeps the recipe's inputs, and the input ablation adds the recipe's input row.
Runs with identical settings share one name, so each is trained once.
"""

from __future__ import annotations

from dataclasses import dataclass

from massmap.inputs import ENCODINGS

STUDY_ARCHITECTURE = "architecture"
STUDY_RATIO = "ratio ablation"
STUDY_ENCODING = "encoding ablation"
STUDIES = (STUDY_ARCHITECTURE, STUDY_RATIO, STUDY_ENCODING)

# Negatives per positive patch in the ratio ablation; hard negatives only matter when there are negatives.
ABLATION_NEG_RATIOS = (0.0, 1.0, 3.0)
ABLATION_ENCODINGS = tuple(ENCODINGS)
BASE_ENCODING = "sincos"
BASE_NEG_RATIO = 0.0


@dataclass(frozen=True)
class BenchmarkRun:
    """One trained model of the comparison: its study, architecture, encoder and the settings an ablation varies."""

    study: str
    arch: str
    encoder: str
    encoding: str = BASE_ENCODING
    neg_ratio: float = BASE_NEG_RATIO
    hard_negatives: bool = True
    terrain: bool = False
    inputs: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        """Folder name of the run's model, the same for every study that needs the same settings."""
        inputs = "recipe" if self.inputs else self.encoding
        name = f"{self.arch}-{self.encoder}-{inputs}" + ("-slope-los" if self.terrain else "")
        name += f"-neg{self.neg_ratio:g}"
        if self.neg_ratio > 0:
            name += "-hard" if self.hard_negatives else "-nohard"
        return name

    @property
    def setting(self) -> str:
        """What this row varies, in the words of its study (e.g. `1:3, no hard negatives`, `raw`)."""
        if self.study == STUDY_RATIO:
            if self.neg_ratio == 0:
                return "positives only"
            return f"1:{self.neg_ratio:g}, {'with' if self.hard_negatives else 'no'} hard negatives"
        if self.study == STUDY_ENCODING:
            if self.inputs:
                return "recipe: " + ", ".join(self.inputs)
            return f"{self.encoding} + slope + los" if self.terrain else self.encoding
        return f"{self.arch} / {self.encoder}"


@dataclass(frozen=True)
class BaseSettings:
    """What every run shares unless its study varies it: the inputs (an encoding, or a recipe's channel list) and the
    negative sampling."""

    encoding: str = BASE_ENCODING
    inputs: tuple[str, ...] | None = None
    neg_ratio: float = BASE_NEG_RATIO
    hard_negatives: bool = True


def architecture_runs(archs: list[str], encoders: list[str], base: BaseSettings = BaseSettings()) -> list[BenchmarkRun]:
    """Every architecture with every encoder, on the base settings."""
    return [BenchmarkRun(STUDY_ARCHITECTURE, a, e, base.encoding, base.neg_ratio, base.hard_negatives,
                         inputs=base.inputs) for a in archs for e in encoders]


def ablation_runs(arch: str, encoder: str, terrain: bool = False,
                  base: BaseSettings = BaseSettings()) -> list[BenchmarkRun]:
    """The ratio ablation (0, 1:1, 1:3; with and without hard negatives) on the base inputs, and the input ablation
    (every encoding, the recipe's inputs when there is one) at the base ratio; `terrain` adds sincos with the slope
    and los channels (for manifests with a dem and los for every scene)."""
    ratio = [BenchmarkRun(STUDY_RATIO, arch, encoder, base.encoding, neg_ratio=0.0, inputs=base.inputs)]
    ratio += [BenchmarkRun(STUDY_RATIO, arch, encoder, base.encoding, neg_ratio=r, hard_negatives=h, inputs=base.inputs)
              for r in ABLATION_NEG_RATIOS if r > 0 for h in (True, False)]
    neg, hard = base.neg_ratio, base.hard_negatives
    encoding = [BenchmarkRun(STUDY_ENCODING, arch, encoder, base.encoding, neg, hard, inputs=base.inputs)
                ] if base.inputs else []
    encoding += [BenchmarkRun(STUDY_ENCODING, arch, encoder, e, neg, hard) for e in ABLATION_ENCODINGS]
    if terrain:
        encoding.append(BenchmarkRun(STUDY_ENCODING, arch, encoder, BASE_ENCODING, neg, hard, terrain=True))
    return ratio + encoding


def comparison_runs(archs: list[str], encoders: list[str], ablations: bool = True,
                    ablation_arch: str = "unetplusplus", ablation_encoder: str = "resnet18",
                    terrain: bool = False, base: BaseSettings = BaseSettings()) -> list[BenchmarkRun]:
    """The table's rows in order: the architecture grid, then (when asked) both ablations on one model."""
    runs = architecture_runs(archs, encoders, base)
    return runs + (ablation_runs(ablation_arch, ablation_encoder, terrain, base) if ablations else [])
