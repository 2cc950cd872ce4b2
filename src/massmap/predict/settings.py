"""How a scene is mapped: tile size, overlap, batch size, backend, threshold, minimum area and TTA, in one object.

`predict`, `predict-batch`, `demo` and the benchmarks all read their defaults from here. Light on purpose: the
command line imports it to show these defaults without importing torch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from massmap.errors import BadInputError

# Every smp encoder halves a tile five times, so a tile side must divide by 2**5.
TILE_MULTIPLE_PX = 32
AUTO_BACKEND = "auto"


@dataclass(frozen=True)
class PredictSettings:
    """Prediction parameters of one run.

    `tile_px` None: the model card's `prediction_tile_px`; `threshold` None: the card's threshold; `min_area_m2`
    None: the card's `prediction_min_area_m2` (its own, else MIN_MAPPED_AREA_M2). `overlap` is
    the share of a tile shared with each neighbour (0 to 0.5); `batch_size` tiles go through the network at once;
    `backend` is a name of `massmap.predict.backends.BACKENDS` or "auto" (the card's default backend on the CPU,
    torch on a GPU); `min_area_m2` (m2) drops smaller polygons; `tta` averages the 8 flips and 90-degree rotations.
    """

    tile_px: int | None = None
    overlap: float = 0.25
    batch_size: int = 4
    backend: str = AUTO_BACKEND
    threshold: float | None = None
    min_area_m2: float | None = None
    tta: bool = False

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise BadInputError(f"--batch-size must be at least 1, got {self.batch_size}")
        if not 0.0 <= self.overlap <= 0.5:
            raise BadInputError(f"--overlap must be between 0 and 0.5 of a tile, got {self.overlap}")
        if self.tile_px is not None and (self.tile_px < TILE_MULTIPLE_PX or self.tile_px % TILE_MULTIPLE_PX):
            raise BadInputError(
                f"--tile-px must be a multiple of {TILE_MULTIPLE_PX} (at least {TILE_MULTIPLE_PX}), got {self.tile_px}"
            )
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise BadInputError(f"--threshold must be between 0 and 1, got {self.threshold}")
        if self.min_area_m2 is not None and self.min_area_m2 < 0:
            raise BadInputError(f"--min-area must be 0 or more (m2), got {self.min_area_m2:g}")

    def replace(self, **changes: Any) -> PredictSettings:
        """A copy with some fields changed (None values leave a field as it is); unknown names are refused."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown prediction settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON values (for a batch's resume key and run records)."""
        return dataclasses.asdict(self)


DEFAULTS = PredictSettings()
