"""Per-pixel fusion of a stack: in how many pairs a pixel can be judged, in how many it is detected, their
ratio (persistence), and the mean and maximum of each pair's score (probability, or phase gradient for PGS)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from massmap.batch.catalog import SceneEntry
from massmap.grid import Grid
from massmap.io.write import write_cog


@dataclass
class PairEvidence:
    """What one pair says on the stack's grid: where it can be judged (valid and coherent, or detected), where
    it detects motion, and its score (NaN where it has no data)."""

    entry: SceneEntry
    judged: np.ndarray
    detected: np.ndarray
    score: np.ndarray


@dataclass
class FusedStack:
    """The fused layers of a stack on its grid, and each pair's judged and detected pixels (bit-packed).

    `pairs` are in date order; `bands` maps a band description to its float32 layer.
    """

    grid: Grid
    pairs: list[SceneEntry]
    n_judged: np.ndarray
    n_detected: np.ndarray
    mean_score: np.ndarray
    max_score: np.ndarray
    score_name: str
    judged_bits: list[np.ndarray] = field(default_factory=list)
    detected_bits: list[np.ndarray] = field(default_factory=list)
    extra_bands: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def persistence(self) -> np.ndarray:
        """Share of the pairs judging a pixel that detect it (NaN where no pair judges it)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.n_detected / np.maximum(self.n_judged, 1)
            return np.where(self.n_judged > 0, ratio, np.nan).astype(np.float32)

    def judged(self, k: int) -> np.ndarray:
        """Pixels pair k can judge (bool, grid shape)."""
        return _unpack(self.judged_bits[k], self.grid.shape)

    def detected(self, k: int) -> np.ndarray:
        """Pixels pair k detects (bool, grid shape)."""
        return _unpack(self.detected_bits[k], self.grid.shape)

    @property
    def bands(self) -> dict[str, np.ndarray]:
        """The layers written to the stack's GeoTIFF, by band description."""
        layers = {"n_pairs_valid": self.n_judged.astype(np.float32),
                  "n_pairs_detected": self.n_detected.astype(np.float32),
                  "persistence": self.persistence, f"mean_{self.score_name}": self.mean_score,
                  f"max_{self.score_name}": self.max_score}
        layers.update(self.extra_bands)
        return layers


def _unpack(bits: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.unpackbits(bits, count=shape[0] * shape[1]).astype(bool).reshape(shape)


class StackFusion:
    """Adds pairs one at a time into running per-pixel counts, sums and maxima."""

    def __init__(self, grid: Grid, score_name: str) -> None:
        self.grid = grid
        self.score_name = score_name
        self.pairs: list[SceneEntry] = []
        self.n_judged = np.zeros(grid.shape, dtype=np.int32)
        self.n_detected = np.zeros(grid.shape, dtype=np.int32)
        self.n_scored = np.zeros(grid.shape, dtype=np.int32)
        self.sum_score = np.zeros(grid.shape, dtype=np.float64)
        self.max_score = np.full(grid.shape, -np.inf, dtype=np.float32)
        self.judged_bits: list[np.ndarray] = []
        self.detected_bits: list[np.ndarray] = []

    def add(self, evidence: PairEvidence) -> None:
        """Count one pair; pixels it detects count as judged whatever their coherence."""
        judged = evidence.judged | evidence.detected
        self.pairs.append(evidence.entry)
        self.n_judged += judged
        self.n_detected += evidence.detected
        scored = np.isfinite(evidence.score)
        self.n_scored += scored
        self.sum_score += np.where(scored, evidence.score, 0.0)
        self.max_score = np.fmax(self.max_score, np.where(scored, evidence.score, -np.inf)).astype(np.float32)
        self.judged_bits.append(np.packbits(judged.ravel()))
        self.detected_bits.append(np.packbits(evidence.detected.ravel()))

    def result(self) -> FusedStack:
        """The fused layers (mean and maximum score NaN where no pair has data)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(self.n_scored > 0, self.sum_score / np.maximum(self.n_scored, 1), np.nan).astype(np.float32)
        peak = np.where(np.isfinite(self.max_score), self.max_score, np.nan).astype(np.float32)
        return FusedStack(self.grid, self.pairs, self.n_judged, self.n_detected, mean, peak, self.score_name,
                          self.judged_bits, self.detected_bits)


def write_fused(fused: FusedStack, path: str | os.PathLike) -> Path:
    """Write every fused layer as one float32 Cloud-Optimised GeoTIFF with band descriptions, atomically."""
    bands = fused.bands
    stack = np.stack([layer.astype(np.float32) for layer in bands.values()])
    return write_cog(path, stack, fused.grid, nodata=float("nan"), descriptions=list(bands))
