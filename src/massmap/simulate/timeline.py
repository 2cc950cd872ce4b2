"""Acquisition dates of one frame and the network of short-baseline pairs formed from them."""

from __future__ import annotations

import datetime as dt

import numpy as np

# Sentinel-1 revisits a frame every 6 days with two satellites, every 12 with one; an acquisition is
# sometimes missing, which leaves a longer gap.
REVISIT_DAYS = (6, 12)
MISSED_ACQUISITION_SHARE = 0.1


def draw_dates(rng: np.random.Generator, n_dates: int, first: dt.date, revisit_days: tuple[int, ...] = REVISIT_DAYS,
               missed_share: float = MISSED_ACQUISITION_SHARE) -> list[dt.date]:
    """`n_dates` acquisition dates from `first`, each gap one revisit (doubled when an acquisition is missed)."""
    gaps = rng.choice(np.asarray(revisit_days), size=max(n_dates - 1, 0))
    gaps = gaps * np.where(rng.random(gaps.size) < missed_share, 2, 1)
    offsets = np.concatenate([[0], np.cumsum(gaps)]).astype(int)
    return [first + dt.timedelta(days=int(d)) for d in offsets]


def short_baseline_pairs(dates: list[dt.date], max_neighbours: int = 3, min_days: int = 6,
                         max_days: int = 48) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of each date with its next `max_neighbours` dates whose baseline lies in
    [min_days, max_days], in order of the first date then the second."""
    pairs = []
    for i, first in enumerate(dates):
        for j in range(i + 1, min(len(dates), i + 1 + max_neighbours)):
            if min_days <= (dates[j] - first).days <= max_days:
                pairs.append((i, j))
    return pairs
