"""Simulation parameters of single scenes and of stacks: dataclasses that round-trip losslessly through JSON.

Light on purpose (pyproj is imported where a CRS is checked): the command line reads its defaults from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from massmap.errors import BadInputError
from massmap.settings_json import JsonSettings
from massmap.simulate.constants import TEMPORAL_BASELINES_DAYS

ORBITS = ("ascending", "descending", "random")
NEGATIVE_KINDS = ("atmosphere", "layover", "decorrelation")


# How simulated movements are outlined (see SimulationConfig).
LABEL_RULES = ("detectable", "visible")


@dataclass
class SimulationConfig(JsonSettings):
    """How scenes are drawn; every field has a realistic default for Sentinel-1 IW over the Alps.

    `crs` is the scene grid's projected CRS; "auto" means the UTM zone of the DEM's centre with `dem_path`
    (EPSG:32632 without one). `n_movements` is the (min, max) count of movements per scene with motion.
    `hard_negative_fraction` is the share of motion-free scenes; `motion_free_fraction` the share of every
    other scene's area kept free of motion. `atmosphere_scale` multiplies turbulent and stratified strengths.
    A movement is labelled as a phase pattern where its deformation phase exceeds `visible_phase_rad` at true
    coherence >= `min_visible_coherence`, and only if that visible part peaks at `min_pattern_phase_rad` or more
    (half a fringe by default) over at least `min_pattern_px` pixels: weaker or tinier motion stays unlabelled
    in the phase, as it would for an expert. That is `label_rule` "visible", the rule of the models up to
    2026-11; the default, "detectable", outlines a movement wherever its deformation phase stands
    `detection_sigmas` above the phase noise of the observed coherence (`simulate.scene.label_detectable`), and
    writes the rest of its motion as `coherent = False` rows of kind "unmapped", ignored in training. With
    `min_signal_to_clutter` above 0, a detectable movement is outlined only if its deformation phase also stands
    that many times above the atmosphere and noise of its own size around it (`simulate.separability`); the
    others are ignored like the rest of the motion.
    """

    size: int = 1024
    pixel_size_m: float = 20.0
    crs: str = "EPSG:32632"
    orbit: str = "random"
    heading_jitter_deg: float = 2.0
    heading_offset_deg: float = 0.0
    atmosphere_scale: float = 1.0
    hard_negative_fraction: float = 0.15
    goldstein_fraction: float = 0.5
    n_movements: tuple[int, int] = (5, 25)
    dem_path: str | None = None
    looks: int = 5
    temporal_baselines_days: tuple[int, ...] = TEMPORAL_BASELINES_DAYS
    rock_glacier_fraction: float = 0.2
    deep_seated_fraction: float = 0.08
    motion_free_fraction: float = 0.25
    visible_phase_rad: float = 1.0
    min_visible_coherence: float = 0.2
    min_pattern_phase_rad: float = 3.141592653589793
    min_pattern_px: int = 12
    label_rule: str = "detectable"
    detection_sigmas: float = 2.0
    min_detectable_coherence: float = 0.3
    min_detectable_px: int = 6
    min_signal_to_clutter: float = 0.0
    negative_kinds: tuple[str, ...] = field(default=NEGATIVE_KINDS)

    SETTINGS_NAME = "simulation config"

    def __post_init__(self) -> None:
        self.n_movements = tuple(int(v) for v in self.n_movements)  # type: ignore[assignment]  # JSON gives lists
        self.temporal_baselines_days = tuple(int(v) for v in self.temporal_baselines_days)
        self.negative_kinds = tuple(str(v) for v in self.negative_kinds)
        self.validate()

    def validate(self) -> None:
        """Refuse parameters the simulator cannot honour, with a one-line reason."""
        problems = []
        if self.size < 32:
            problems.append(f"size {self.size} is below 32 pixels")
        if not self.pixel_size_m > 0:
            problems.append(f"pixel size {self.pixel_size_m} m is not positive")
        if self.orbit not in ORBITS:
            problems.append(f"orbit {self.orbit!r} is not one of {', '.join(ORBITS)}")
        for name in ("hard_negative_fraction", "goldstein_fraction", "rock_glacier_fraction",
                     "deep_seated_fraction", "motion_free_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} {getattr(self, name)} is outside [0, 1]")
        if self.atmosphere_scale < 0:
            problems.append(f"atmosphere_scale {self.atmosphere_scale} is negative")
        if len(self.n_movements) != 2 or not 0 <= self.n_movements[0] <= self.n_movements[1]:
            problems.append(f"n_movements {self.n_movements} is not a (min, max) range")
        if self.visible_phase_rad < 0 or self.min_pattern_phase_rad < 0 or self.min_pattern_px < 1:
            problems.append("visible_phase_rad, min_pattern_phase_rad must be >= 0 and min_pattern_px >= 1")
        if self.min_signal_to_clutter < 0:
            problems.append(f"min_signal_to_clutter {self.min_signal_to_clutter} is below 0")
        if self.label_rule not in LABEL_RULES:
            problems.append(f"label_rule {self.label_rule!r} is not one of {', '.join(LABEL_RULES)}")
        if self.looks < 1:
            problems.append(f"looks {self.looks} is below 1")
        if not self.temporal_baselines_days or min(self.temporal_baselines_days) <= 0:
            problems.append(f"temporal_baselines_days {self.temporal_baselines_days} must be positive")
        if self.crs != "auto":
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                if not CRS.from_user_input(self.crs).is_projected:
                    problems.append(
                        f"crs {self.crs} is not a projected CRS in metres (try a UTM zone, e.g. EPSG:32632)")
            except CRSError:
                problems.append(f"crs {self.crs!r} is not a CRS")
        bad = [k for k in self.negative_kinds if k not in NEGATIVE_KINDS]
        if bad or not self.negative_kinds:
            problems.append(f"negative_kinds {self.negative_kinds} must be among {', '.join(NEGATIVE_KINDS)}")
        if problems:
            raise BadInputError("simulation config: " + "; ".join(problems))



@dataclass
class StackConfig(JsonSettings):
    """How stacks are drawn: the scene settings of every pair, the acquisitions and the pair network.

    `n_dates` acquisitions from `first_date` (ISO); each date is paired with its next `max_neighbours` dates
    whose baseline lies in [`min_baseline_days`, `max_baseline_days`]. A share of the movements accelerate or
    move seasonally. A movement is a stack label (`coherent = 1`) where it is labelled in at least
    `min_pair_share` of the pairs.
    """

    scene: SimulationConfig = field(default_factory=SimulationConfig)
    n_dates: int = 8
    first_date: str = "2021-06-01"
    max_neighbours: int = 3
    min_baseline_days: int = 6
    max_baseline_days: int = 48
    accelerating_share: float = 0.25
    seasonal_share: float = 0.25
    min_pair_share: float = 0.5

    SETTINGS_NAME = "stack config"

    def __post_init__(self) -> None:
        if isinstance(self.scene, dict):
            self.scene = SimulationConfig.from_dict(self.scene)
        problems = []
        if self.n_dates < 2:
            problems.append(f"a stack needs at least 2 dates, got {self.n_dates}")
        try:
            dt.date.fromisoformat(self.first_date)
        except ValueError:
            problems.append(f"first_date {self.first_date!r} is not YYYY-MM-DD")
        if self.max_neighbours < 1 or not 0 < self.min_baseline_days <= self.max_baseline_days:
            problems.append("max_neighbours must be >= 1 and 0 < min_baseline_days <= max_baseline_days")
        for name in ("accelerating_share", "seasonal_share", "min_pair_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} {getattr(self, name)} is outside [0, 1]")
        if problems:
            raise BadInputError("stack config: " + "; ".join(problems))
