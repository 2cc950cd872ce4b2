"""Settings dataclasses (model card, training settings, simulation and stack configs, model comparison) to JSON and
back, and their defaults.

`JsonSettings` gives each of them the same `to_dict`, `to_json`, `from_dict`, `from_json` and `read`: bad JSON and
unknown keys are refused with a one-line reason, raised as the class's error (a card from a newer massmap is an
incompatible model; bad settings are bad input). `FieldDefaults` lets the command line show a settings class's
defaults without building (and checking) one.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, ClassVar, Self

from massmap.errors import BadInputError


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


def read_text(path: str | os.PathLike, what: str, error: type[Exception]) -> str:
    """The text of a settings file, or `error` saying it is missing."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: {what} not found")
    return path.read_text()


def _plain(value: Any) -> Any:
    """`value` as JSON types: settings and other dataclasses as dicts, tuples as lists (copies, never shared)."""
    if isinstance(value, JsonSettings):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class JsonSettings:
    """A settings dataclass that round-trips losslessly through JSON (indented, sorted keys).

    A subclass names itself in messages with `SETTINGS_NAME` ("training settings"), and may change the error
    raised for a bad file (`SETTINGS_ERROR`) and how unknown keys are called (`UNKNOWN_WHAT`).
    """

    SETTINGS_NAME: ClassVar[str] = "settings"
    SETTINGS_ERROR: ClassVar[type[Exception]] = BadInputError
    UNKNOWN_WHAT: ClassVar[str] = "field(s)"

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (nested settings as dicts, tuples as lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def to_json(self) -> str:
        """The settings as indented JSON with sorted keys."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict, source: str | None = None) -> Self:
        """Settings from `to_dict` output; unknown keys are refused, naming `source` (default: the class's name)."""
        source = source or cls.SETTINGS_NAME
        return cls(**known_fields(cls, values, source, cls.SETTINGS_ERROR, cls.UNKNOWN_WHAT))

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> Self:
        """Settings from `to_json` output; anything else is refused, naming `source`."""
        source = source or cls.SETTINGS_NAME
        return cls.from_dict(parse_object(text, source, cls.SETTINGS_ERROR), source)

    @classmethod
    def read(cls, path: str | os.PathLike) -> Self:
        """Settings from a JSON file; a missing or bad file is refused naming it."""
        return cls.from_json(read_text(path, cls.SETTINGS_NAME, cls.SETTINGS_ERROR), str(path))
