"""Settings dataclasses (model card, training settings, simulation config) read back from JSON, and their defaults.

One parser for all three: bad JSON and unknown keys are refused with a one-line reason, raised as the error
class of the caller (a card from a newer massmap is an incompatible model; bad settings are bad input).
`FieldDefaults` lets the command line show a settings class's defaults without building (and checking) one.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class FieldDefaults:
    """The defaults of a settings dataclass's fields as attributes, read without building an instance.

    `FieldDefaults(TrainConfig).patch_size` is `TrainConfig`'s default patch size; a field without a default is
    an AttributeError. Default factories run only when their field is asked for.
    """

    def __init__(self, cls: type) -> None:
        self._fields = {f.name: f for f in dataclasses.fields(cls)}
        self._name = cls.__name__

    def __getattr__(self, name: str) -> Any:
        found = self.__dict__.get("_fields", {}).get(name)
        if found is None or (found.default is dataclasses.MISSING and found.default_factory is dataclasses.MISSING):
            raise AttributeError(f"{self.__dict__.get('_name')} has no default for {name!r}")
        if found.default is not dataclasses.MISSING:
            return found.default
        return found.default_factory()


def known_fields(cls: type, values: dict, source: str, error: type[Exception], what: str) -> dict:
    """`values` after checking every key names a field of dataclass `cls`; otherwise `error` names the strays."""
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise error(f"{source}: unknown {what} {', '.join(unknown)}")
    return values


def parse_object(text: str, source: str, error: type[Exception]) -> dict[str, Any]:
    """A JSON object from `text`; anything else is refused as `error`."""
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(values, dict):
        raise error(f"{source}: not a JSON object")
    return values


def read_text(path: str | Path, what: str, error: type[Exception]) -> str:
    """The text of a settings file, or `error` saying it is missing."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: {what} not found")
    return path.read_text()
