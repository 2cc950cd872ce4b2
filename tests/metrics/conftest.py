"""Fixtures of the metric tests (factories live in tests/evaluate/factories.py)."""

import pytest

from massmap.grid import Grid
from tests.evaluate.factories import utm_grid


@pytest.fixture
def grid() -> Grid:
    """A 64 x 64 UTM grid of 10 m pixels."""
    return utm_grid()
