"""The model card: the contract between training and prediction, stored as JSON beside the weights."""

from __future__ import annotations

from dataclasses import dataclass, field

from massmap import __version__
from massmap.constants import MIN_MAPPED_AREA_M2
from massmap.errors import IncompatibleModelError
from massmap.settings_json import JsonSettings

CARD_FORMAT = 1
# Fields newer than the first card format: written only when set, so older massmap versions still read the card.
_OPTIONAL_FIELDS = ("min_area_m2", "fine_tuning")


@dataclass
class ModelCard(JsonSettings):
    """What a model is and what it expects: architecture, encoder, input channels, patch size, provenance, figures.

    `requires_coherence_file` forbids the phase-consistency proxy in place of a coherence file. `tile_px` is the
    tile size prediction uses by default (chosen on validation scenes, like the threshold); without it, the patch
    size the network was trained on. `backend` is the inference backend `--backend auto` runs on the CPU (a name
    of `massmap.predict.backends.BACKENDS`; without it, float32 ONNX Runtime). `coherence_floor`: where every
    pixel of a 16-pixel block has coherence below it, the model has no signal to find (`massmap.predict.signal`):
    those pixels map to probability 0 and tiles made only of them are not run. `min_area_m2` is the smallest
    polygon prediction keeps by default (chosen on validation scenes with the threshold; without it, the study's
    mapping limit). `fine_tuning` records a fine-tuned model's start, data and validation figures before and after
    (`massmap.train.finetune`).
    """

    arch: str = "unetplusplus"
    encoder: str = "resnet18"
    channels: list[str] = field(default_factory=lambda: ["sin", "cos", "coherence"])
    patch_size: int = 256
    threshold: float = 0.5
    tile_px: int | None = None
    backend: str | None = None
    coherence_floor: float | None = None
    min_area_m2: float | None = None
    requires_coherence_file: bool = False
    training_data: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    fine_tuning: dict = field(default_factory=dict)
    limits: str = ""
    massmap_version: str = __version__
    card_format: int = CARD_FORMAT

    # Unknown keys are refused so a card from a newer massmap is not misread.
    SETTINGS_NAME = "model card"
    SETTINGS_ERROR = IncompatibleModelError
    UNKNOWN_WHAT = "card fields (newer massmap?)"

    @property
    def in_channels(self) -> int:
        """Number of input channels of the network."""
        return len(self.channels)

    @property
    def prediction_tile_px(self) -> int:
        """Tile size (pixels) prediction uses when none is asked for."""
        return int(self.tile_px or self.patch_size)

    def set_prediction_tile_px(self, tile_px: int) -> None:
        """Record the prediction tile size; the training patch size stays implicit, so such cards read as before."""
        self.tile_px = None if int(tile_px) == self.patch_size else int(tile_px)

    @property
    def prediction_min_area_m2(self) -> float:
        """Smallest polygon (m2) prediction keeps when none is asked for."""
        return MIN_MAPPED_AREA_M2 if self.min_area_m2 is None else float(self.min_area_m2)

    def to_dict(self) -> dict:
        """The card as JSON values; optional fields left unset are left out, so such cards read as older ones."""
        values = super().to_dict()
        for name in _OPTIONAL_FIELDS:
            if values[name] in (None, {}):
                del values[name]
        return values
