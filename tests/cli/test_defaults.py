"""Every command-line default is the library's own: each option named like a settings field (or a parameter of the
function its command calls) must default to that field's value, so the two can never drift apart."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import click
import pytest
import typer
from typer.main import get_command

from massmap.batch.run import predict_batch
from massmap.batch.settings import JobSettings
from massmap.cli import app
from massmap.compare.config import BenchmarkConfig
from massmap.demo import run_demo
from massmap.evaluate.run import evaluate, inventory_stats
from massmap.orbits.combine import combine_orbit_files
from massmap.predict.settings import PredictSettings
from massmap.simulate.config import SimulationConfig
from massmap.stack.run import predict_stack
from massmap.train.config import TrainConfig

COMMANDS = get_command(app).commands


def _field_defaults(cls: type) -> dict[str, Any]:
    """Defaults of a dataclass's fields, computed independently of the code under test."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def _signature_defaults(func: Callable) -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _comma(values: list[str]) -> str:
    return ",".join(values)


# command -> (library defaults, CLI option -> library name, conversions of the library value, options to skip,
# at least this many options compared)
CASES: dict[str, tuple[dict[str, Any], dict[str, str], dict[str, Callable], set[str], int]] = {
    "train": (_field_defaults(TrainConfig), {"channels": "inputs", "pixel_size": "pixel_size_m"},
              {"devices": str}, set(), 30),
    "simulate": (_field_defaults(SimulationConfig), {"pixel_size": "pixel_size_m"}, {},
                 {"crs"}, 6),  # --crs None means the config's crs, or "auto" with --dem
    "benchmark-models": (_field_defaults(BenchmarkConfig), {"measure_size": "measure_size_px"},
                         {"archs": _comma, "encoders": _comma}, {"out"}, 18),
    "predict": (_field_defaults(PredictSettings), {"min_area": "min_area_m2"}, {}, set(), 7),
    # predict_batch's `jobs` is the JobSettings object; --jobs is its field.
    "predict-batch": ({**_field_defaults(PredictSettings), **_signature_defaults(predict_batch),
                       **_field_defaults(JobSettings)},
                      {"min_area": "min_area_m2", "workers": "n_workers", "cores_per_job": "cores",
                       "memory_per_job": "memory"}, {}, {"settings"}, 14),
    "demo": ({**_field_defaults(PredictSettings), **_signature_defaults(run_demo)}, {}, {}, {"out", "overwrite"}, 5),
    "predict-stack": (_signature_defaults(predict_stack), {"min_area": "min_area_m2", "workers": "n_workers"}, {},
                      {"overwrite"}, 10),
    # The command line refuses to replace files unless told (--overwrite); the library functions replace them.
    "evaluate": (_signature_defaults(evaluate), {}, {}, {"overwrite"}, 2),
    "inventory-stats": (_signature_defaults(inventory_stats), {"bootstrap": "n_bootstrap"}, {}, {"overwrite"}, 3),
    "combine": (_signature_defaults(combine_orbit_files), {}, {}, {"overwrite"}, 2),
}


def _differences(command: click.Command, library: dict[str, Any], renamed: dict[str, str],
                 convert: dict[str, Callable], skip: set[str]) -> tuple[list[str], list[str]]:
    """(options compared, options whose command-line default is not the library's); required options have none."""
    compared, differ = [], []
    for param in command.params:
        key = renamed.get(param.name or "", param.name or "")
        if param.required or param.name in skip or key not in library:
            continue  # a required option has no default to compare
        expected = convert.get(key if key in convert else param.name or "", lambda v: v)(library[key])
        compared.append(param.name or "")
        if param.default != expected:
            differ.append(f"--{param.name}: {param.default!r} on the command line, {expected!r} in the library")
    return compared, differ


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_line_defaults_are_the_settings_defaults(name):
    library, renamed, convert, skip, at_least = CASES[name]
    compared, differ = _differences(COMMANDS[name], library, renamed, convert, skip)
    assert not differ, differ
    assert len(compared) >= at_least, compared


def test_a_default_typed_twice_and_changed_in_one_place_is_caught():
    stale = typer.Typer()

    @stale.command()
    def train(patch_size: int = typer.Option(128, "--patch-size"), epochs: int = typer.Option(50, "--epochs")) -> None:
        """A command whose --patch-size kept an old literal."""

    compared, differ = _differences(get_command(stale), _field_defaults(TrainConfig), {}, {}, set())
    assert compared == ["patch_size", "epochs"]
    assert differ == ["--patch_size: 128 on the command line, 256 in the library"]
