"""The runs of a model comparison: every architecture x encoder combination, and the two ablations reviewers asked for.

Ablations vary one setting of a base model (sincos + coherence, positives only): the positive:negative ratio
(0, 1:1, 1:3, each non-zero ratio with and without hard negatives) and the inputs: the encoding of the wrapped
phase (sincos, raw, repeat) and, when every scene has a DEM and its LOS geometry, sincos with the terrain
channels slope and los. Runs with identical settings share one name, so each is trained once.
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

    @property
    def name(self) -> str:
        """Folder name of the run's model, the same for every study that needs the same settings."""
        name = f"{self.arch}-{self.encoder}-{self.encoding}" + ("-slope-los" if self.terrain else "")
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
            return f"{self.encoding} + slope + los" if self.terrain else self.encoding
        return f"{self.arch} / {self.encoder}"


def architecture_runs(archs: list[str], encoders: list[str]) -> list[BenchmarkRun]:
    """Every architecture with every encoder, on the base settings."""
    return [BenchmarkRun(STUDY_ARCHITECTURE, a, e) for a in archs for e in encoders]


def ablation_runs(arch: str, encoder: str, terrain: bool = False) -> list[BenchmarkRun]:
    """The ratio ablation (0, 1:1, 1:3; with and without hard negatives) and the input ablation of one model;
    `terrain` adds sincos with the slope and los channels (for manifests with a dem and los for every scene)."""
    ratio = [BenchmarkRun(STUDY_RATIO, arch, encoder, neg_ratio=0.0)]
    ratio += [BenchmarkRun(STUDY_RATIO, arch, encoder, neg_ratio=r, hard_negatives=h)
              for r in ABLATION_NEG_RATIOS if r > 0 for h in (True, False)]
    encoding = [BenchmarkRun(STUDY_ENCODING, arch, encoder, encoding=e) for e in ABLATION_ENCODINGS]
    if terrain:
        encoding.append(BenchmarkRun(STUDY_ENCODING, arch, encoder, encoding=BASE_ENCODING, terrain=True))
    return ratio + encoding


def comparison_runs(archs: list[str], encoders: list[str], ablations: bool = True,
                    ablation_arch: str = "unetplusplus", ablation_encoder: str = "resnet18",
                    terrain: bool = False) -> list[BenchmarkRun]:
    """The table's rows in order: the architecture grid, then (when asked) both ablations on one model."""
    runs = architecture_runs(archs, encoders)
    return runs + (ablation_runs(ablation_arch, ablation_encoder, terrain) if ablations else [])
