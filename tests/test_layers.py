"""Imports run down the pipeline: shared homes import only root modules, and nothing imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "massmap"


def _imports_by_part() -> dict[str, set[str]]:
    """For each top-level part of massmap (a subpackage or root module), the other parts it imports."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "massmap" and len(parts) > 1 and parts[1] != part:
                    found.setdefault(part, set()).add(parts[1])
    return found


IMPORTS = _imports_by_part()
SUBPACKAGES = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}


def test_the_walk_sees_the_package():
    assert {"cli", "predict", "simulate", "metrics"} <= SUBPACKAGES
    assert "io" in IMPORTS["predict"] and "metrics" in IMPORTS["train"]


def test_nothing_but_the_entry_point_imports_the_command_line():
    assert sorted(part for part, used in IMPORTS.items() if "cli" in used) == ["__main__"]


@pytest.mark.parametrize("home", ["sensor", "terrain", "metrics", "products", "constants", "grid", "area", "errors"])
def test_shared_homes_import_no_pipeline_stage(home):
    assert not IMPORTS.get(home, set()) & SUBPACKAGES


@pytest.mark.parametrize(("stage", "upstream"), [
    ("orbits", "simulate"), ("orbits", "evaluate"), ("train", "evaluate"), ("io", "data"), ("io", "predict"),
    ("metrics", "evaluate"), ("models", "train"), ("predict", "train"), ("data", "train"),
])
def test_a_stage_does_not_import_a_later_or_sibling_stage(stage, upstream):
    assert upstream not in IMPORTS.get(stage, set())
