"""The model card: the contract between training and prediction, stored as JSON beside the weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from massmap import __version__
from massmap.errors import IncompatibleModelError

CARD_FORMAT = 1


@dataclass
class ModelCard:
    """What a model is and what it expects: architecture, encoder, input channels, patch size, provenance, figures.

    `requires_coherence_file` forbids the phase-consistency proxy in place of a coherence file.
    """

    arch: str = "unetplusplus"
    encoder: str = "resnet18"
    channels: list[str] = field(default_factory=lambda: ["sin", "cos", "coherence"])
    patch_size: int = 256
    threshold: float = 0.5
    requires_coherence_file: bool = False
    training_data: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    limits: str = ""
    massmap_version: str = __version__
    card_format: int = CARD_FORMAT

    @property
    def in_channels(self) -> int:
        """Number of input channels of the network."""
        return len(self.channels)

    def to_json(self) -> str:
        """The card as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str = "model card") -> ModelCard:
        """Parse a card; unknown keys are refused so a card from a newer massmap is not misread."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IncompatibleModelError(f"{source}: not valid JSON ({exc})") from None
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise IncompatibleModelError(f"{source}: unknown card fields {sorted(unknown)} (newer massmap?)")
        return cls(**data)

    @classmethod
    def read(cls, path: str | Path) -> ModelCard:
        """Read a card from a JSON file."""
        path = Path(path)
        if not path.exists():
            raise IncompatibleModelError(f"{path}: model card not found")
        return cls.from_json(path.read_text(), str(path))
