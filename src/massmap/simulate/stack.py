"""One frame over time: the same terrain, geometry and movements seen in a network of short-baseline pairs.

Movements keep their velocities from pair to pair (steady, accelerating or seasonal, `history`), the atmosphere
is drawn once per acquisition date (a pair sees the difference of its two dates' delays, so pairs sharing a
date share part of their atmosphere), and coherence decays with each pair's temporal baseline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from massmap.constants import WAVELENGTH_M, los_phase_rad
from massmap.errors import BadInputError
from massmap.grid import Grid
from massmap.io.scene import wrap_phase
from massmap.json_values import json_ready
from massmap.simulate import constants as C
from massmap.simulate.atmosphere import draw_atmosphere
from massmap.simulate.config import StackConfig
from massmap.simulate.decorrelation import draw_land_cover, land_cover_coherence
from massmap.simulate.deformation import (
    displacement_field,
    draw_movements,
    gradient_coherence,
    los_displacement_m,
    phase_gradient_rad_per_px,
)
from massmap.simulate.filtering import goldstein_filter
from massmap.simulate.geometry import Geometry, draw_geometry
from massmap.simulate.history import cumulative_displacement_mm, draw_histories
from massmap.simulate.labels import empty_labels, vectorize_movements
from massmap.simulate.scene import SimulatedScene, draw_terrain, label_visibility, observe
from massmap.simulate.spectral import power_law_field
from massmap.simulate.timeline import draw_dates, short_baseline_pairs
from massmap.terrain import slope_aspect

# Stack labels carry these movement attributes besides the single-scene label columns.
STACK_LABEL_EXTRA = ("history", "n_pairs_labelled")


@dataclass
class Frame:
    """What every pair of a stack shares: terrain, geometry, land cover, movements, per-date atmosphere."""

    config: StackConfig
    seed: list[int]
    grid: Grid
    dem_m: np.ndarray
    water: np.ndarray
    geometry: Geometry
    cover: np.ndarray
    movements: list[dict]
    texture: np.ndarray | None
    smooth_slope: np.ndarray
    smooth_aspect: np.ndarray
    dates: list[dt.date]
    pairs: list[tuple[int, int]]
    atmosphere_rad: list[np.ndarray]
    goldstein_alpha: float
    motion_free: bool
    meta: dict


@dataclass
class SimulatedStack:
    """A stack in memory: its frame, every pair as a simulated scene (in network order) and the stack labels."""

    frame: Frame
    pairs: list[SimulatedScene]
    labels: gpd.GeoDataFrame


def _rng(seed: Sequence[int], *stream: int) -> np.random.Generator:
    return np.random.default_rng([*seed, *stream])


def draw_frame(config: StackConfig, seed: int | Sequence[int], motion_free: bool | None = None) -> Frame:
    """Draw what a stack's pairs share. `motion_free` forces a stack without movements; by default one is
    motion-free with probability `config.scene.hard_negative_fraction`."""
    seed = [int(s) for s in np.atleast_1d(seed)]
    scene = config.scene
    rng = _rng(seed, 0)
    px = float(scene.pixel_size_m)
    if motion_free is None:
        motion_free = bool(rng.random() < scene.hard_negative_fraction)
    dem, grid, site, water, terrain_params = draw_terrain(rng, scene)
    slope, aspect = slope_aspect(dem, px)
    geometry, geometry_params = draw_geometry(rng, scene.orbit, scene.heading_jitter_deg, slope, aspect, px,
                                              heading_offset_deg=scene.heading_offset_deg)
    cover, cover_params = draw_land_cover(rng, dem, slope, water, px)
    n_movements = 0 if motion_free else int(rng.integers(scene.n_movements[0], scene.n_movements[1] + 1))
    movements = draw_movements(rng, n_movements, dem, slope, aspect, ~water & ~geometry.layover_shadow, px,
                               scene.rock_glacier_fraction, scene.deep_seated_fraction)
    dates = draw_dates(rng, config.n_dates, dt.date.fromisoformat(config.first_date))
    span_days = float((dates[-1] - dates[0]).days)
    draw_histories(rng, movements, span_days, config.accelerating_share, config.seasonal_share)
    texture = power_law_field(rng, dem.shape, px, 4.0, 0.35, outer_scale_m=600.0) if movements else None
    alpha = float(rng.uniform(*C.GOLDSTEIN_ALPHA)) if rng.random() < scene.goldstein_fraction else 0.0
    smooth_slope, smooth_aspect = slope_aspect(dem, px, smooth_px=2.0)
    pairs = short_baseline_pairs(dates, config.max_neighbours, config.min_baseline_days, config.max_baseline_days)
    if not pairs:
        raise BadInputError("stack config: no pair of dates has a baseline within the allowed range")
    # A pair's atmosphere is the difference of two independent dates, so each date carries 1/sqrt(2) of the
    # single-scene strength and a pair sees the single-scene variance.
    atmosphere, atmosphere_params = [], []
    for d in range(len(dates)):
        phase, params = draw_atmosphere(_rng(seed, 1, d), dem, px, scene.atmosphere_scale / math.sqrt(2.0))
        atmosphere.append(phase.astype(np.float32))
        atmosphere_params.append(params)
    meta = dict(seed=seed, config=config.to_dict(), site=site, terrain=terrain_params, geometry=geometry_params,
                land_cover=cover_params, motion_free=motion_free, dates=[d.isoformat() for d in dates],
                pairs=[[i, j] for i, j in pairs], atmosphere_by_date=atmosphere_params,
                goldstein=dict(applied=alpha > 0, alpha=alpha), wavelength_m=WAVELENGTH_M)
    return Frame(config, seed, grid, dem.astype(np.float32), water, geometry, cover, movements, texture,
                 smooth_slope, smooth_aspect, dates, pairs, atmosphere, alpha, motion_free, meta)


def _moved_between(movements: list[dict], t1_days: float, t2_days: float) -> list[dict]:
    """Copies of the movements whose `velocity_mm_per_day` is their displacement between two dates (per 1 day)."""
    return [dict(m, velocity_mm_per_day=cumulative_displacement_mm(m, t2_days) - cumulative_displacement_mm(m, t1_days))
            for m in movements]


def simulate_pair(frame: Frame, i: int, j: int) -> tuple[SimulatedScene, np.ndarray]:
    """The interferogram of dates i and j of a frame, and the pixels where a movement is labelled in it."""
    config = frame.config.scene
    rng = _rng(frame.seed, 2, i, j)
    px = float(config.pixel_size_m)
    shape = frame.dem_m.shape
    t0 = frame.dates[0]
    t1, t2 = float((frame.dates[i] - t0).days), float((frame.dates[j] - t0).days)
    baseline_days = int(t2 - t1)
    hidden = frame.geometry.layover_shadow | frame.water
    movements = _moved_between(frame.movements, t1, t2)
    displacement = displacement_field(movements, shape, px, frame.smooth_slope, frame.smooth_aspect, 1.0, frame.texture)
    los_m = los_displacement_m(displacement.enu_m, frame.geometry.look_enu)
    deformation = los_phase_rad(los_m).astype(np.float32)
    gradient = phase_gradient_rad_per_px(deformation)
    gamma = land_cover_coherence(rng, frame.cover, baseline_days, px) * gradient_coherence(gradient)
    gamma[hidden] = 0.0
    atmosphere = frame.atmosphere_rad[j] - frame.atmosphere_rad[i]
    phase, coherence = observe(rng, gamma, deformation + atmosphere, config.looks)
    if frame.goldstein_alpha > 0:
        phase = wrap_phase(goldstein_filter(phase, frame.goldstein_alpha, C.GOLDSTEIN_PATCH_PX))
    visible = label_visibility(movements, displacement.owner, deformation, los_m, gradient, gamma, hidden, config)
    labels = (vectorize_movements(displacement.owner, visible, frame.grid, movements) if movements
              else empty_labels(frame.grid))
    meta = json_ready(dict(frame.meta, date1=frame.dates[i].isoformat(), date2=frame.dates[j].isoformat(),
                           temporal_baseline_days=baseline_days, movements=movements,
                           negative="atmosphere" if frame.motion_free else "",
                           phase_sign="positive phase = line-of-sight motion away from the satellite"))
    scene = SimulatedScene(grid=frame.grid, phase_rad=phase, coherence=coherence, dem_m=frame.dem_m,
                           deformation_rad=deformation, layover_shadow=frame.geometry.layover_shadow, labels=labels,
                           negative=meta["negative"], meta=meta, look_enu=frame.geometry.look_enu,
                           atmosphere_rad=atmosphere.astype(np.float32), true_coherence=gamma)
    return scene, visible


class StackLabeller:
    """Counts, pair by pair, where movements are labelled; then draws the stack's labels."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.count = np.zeros(frame.dem_m.shape, dtype=np.int32)
        self.n_labelled = np.zeros(len(frame.movements), dtype=np.int32)
        self.n_pairs = 0

    def add(self, scene: SimulatedScene, visible: np.ndarray) -> None:
        """Count one pair's labelled pixels and the movements labelled there as coherent patterns."""
        self.count += visible
        self.n_labelled += np.array([bool(m.get("labelled")) and bool(m["coherent"]) for m in scene.meta["movements"]],
                                    dtype=np.int32)
        self.n_pairs += 1

    def labels(self) -> gpd.GeoDataFrame:
        """Stack labels: each movement labelled in at least `min_pair_share` of the pairs (`coherent = 1`) over
        the pixels labelled that often; movements labelled in fewer pairs as `coherent = 0` over every pixel
        labelled once or more. Columns as single-scene labels plus `history` and `n_pairs_labelled`."""
        frame = self.frame
        if not frame.movements:
            return _with_extra(empty_labels(frame.grid))
        need = max(1, math.ceil(frame.config.min_pair_share * self.n_pairs - 1e-9))
        target = self.n_labelled >= need
        span = float((frame.dates[-1] - frame.dates[0]).days)
        moved = _moved_between(frame.movements, 0.0, span)
        whole = displacement_field(moved, frame.dem_m.shape, float(frame.config.scene.pixel_size_m),
                                   frame.smooth_slope, frame.smooth_aspect, 1.0, frame.texture)
        los_m = los_displacement_m(whole.enu_m, frame.geometry.look_enu)
        owner = whole.owner
        is_target = np.concatenate([[False], target])[owner]
        visible = (owner > 0) & np.where(is_target, self.count >= need, self.count >= 1)
        rows = []
        for k, movement in enumerate(frame.movements):
            mine = owner == k + 1
            rows.append(dict(kind=movement["kind"], coherent=bool(target[k]), history=movement["history"],
                             n_pairs_labelled=int(self.n_labelled[k]),
                             max_los_mm=float(np.abs(los_m[mine]).max() * 1000.0) if mine.any() else 0.0))
        labels = vectorize_movements(owner, visible, frame.grid, rows, extra=STACK_LABEL_EXTRA)
        return labels if len(labels) else _with_extra(labels)


def _with_extra(labels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    labels = labels.copy()
    labels.insert(len(labels.columns) - 1, "history", np.zeros(0, dtype=object))
    labels.insert(len(labels.columns) - 1, "n_pairs_labelled", np.zeros(0, dtype=np.int64))
    return labels


def iter_stack(frame: Frame) -> Iterator[tuple[int, int, SimulatedScene, np.ndarray]]:
    """Each pair of the frame's network, simulated in turn: (i, j, scene, labelled pixels)."""
    for i, j in frame.pairs:
        scene, visible = simulate_pair(frame, i, j)
        yield i, j, scene, visible


def simulate_stack(config: StackConfig, seed: int | Sequence[int], motion_free: bool | None = None) -> SimulatedStack:
    """Simulate a whole stack in memory (same config and seed, same arrays)."""
    frame = draw_frame(config, seed, motion_free)
    labeller = StackLabeller(frame)
    scenes = []
    for _, _, scene, visible in iter_stack(frame):
        labeller.add(scene, visible)
        scenes.append(scene)
    return SimulatedStack(frame, scenes, labeller.labels())
