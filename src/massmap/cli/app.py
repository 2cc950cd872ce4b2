"""The typer application, and the edge where massmap's errors become one red line and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from massmap.errors import MassmapError
from massmap.log import console, setup_logging

app = typer.Typer(
    name="massmap",
    help="Find and outline mass movements in Sentinel-1 wrapped interferograms, and measure agreement with experts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

EXIT_BAD_INPUT = 1


def command(*args: Any, **kwargs: Any) -> Callable:
    """Register a CLI command whose MassmapErrors print as one line and exit non-zero, without a traceback."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*a: Any, **k: Any) -> Any:
            setup_logging(quiet=bool(k.get("quiet", False)))
            try:
                return func(*a, **k)
            except MassmapError as exc:
                console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
                raise typer.Exit(EXIT_BAD_INPUT) from None

        return app.command(*args, **kwargs)(run)

    return decorate


QuietOption = typer.Option(False, "--quiet", "-q", help="Print only errors.")


@app.callback()
def main(version: bool = typer.Option(False, "--version", help="Print massmap's version and exit.")) -> None:
    """massmap: mass movements in Sentinel-1 wrapped interferograms."""
    if version:
        from massmap import __version__

        console.print(f"massmap {__version__}")
        raise typer.Exit(0)
