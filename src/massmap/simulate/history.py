"""How movements move over time: steady, accelerating or seasonal velocities that persist from pair to pair."""

from __future__ import annotations

import numpy as np

HISTORIES = ("steady", "accelerating", "seasonal")
DAYS_PER_YEAR = 365.25
# An accelerating movement moves this many times faster at the end of the stack than at its start.
ACCELERATION_FACTOR = (1.5, 4.0)
# A seasonal movement's velocity swings by this share of its mean over a year (rock glaciers: faster in
# late summer, slower in spring; it never reverses).
SEASONAL_AMPLITUDE = (0.3, 0.9)


def draw_histories(rng: np.random.Generator, movements: list[dict], span_days: float, accelerating_share: float,
                   seasonal_share: float) -> None:
    """Give each movement dict a `history` (steady, accelerating or seasonal) and its parameters, in place."""
    for movement in movements:
        u = rng.random()
        if u < accelerating_share:
            movement["history"] = "accelerating"
            factor = float(rng.uniform(*ACCELERATION_FACTOR))
            # Velocity v0 (1 + (factor - 1) t / span): a constant acceleration over the stack.
            v0 = movement["velocity_mm_per_day"]
            movement["acceleration_mm_per_day2"] = v0 * (factor - 1.0) / max(span_days, 1.0)
        elif u < accelerating_share + seasonal_share:
            movement["history"] = "seasonal"
            movement["seasonal_amplitude"] = float(rng.uniform(*SEASONAL_AMPLITUDE))
            movement["seasonal_phase_rad"] = float(rng.uniform(0.0, 2.0 * np.pi))
        else:
            movement["history"] = "steady"


def cumulative_displacement_mm(movement: dict, t_days: float) -> float:
    """Downslope displacement (mm) of a movement's core since the first acquisition (t = 0 days)."""
    v = movement["velocity_mm_per_day"]
    history = movement.get("history", "steady")
    if history == "accelerating":
        return v * t_days + 0.5 * movement["acceleration_mm_per_day2"] * t_days**2
    if history == "seasonal":
        omega = 2.0 * np.pi / DAYS_PER_YEAR
        phase = movement["seasonal_phase_rad"]
        swing = float(np.sin(omega * t_days + phase) - np.sin(phase))
        return v * t_days + v * movement["seasonal_amplitude"] / omega * swing
    return v * t_days
