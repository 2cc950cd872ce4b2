"""The typer application, and the edge where massmap's errors become one red line and an exit code."""

from __future__ import annotations

import errno
import functools
import signal
from collections.abc import Callable
from typing import Any

import typer

from massmap.cli.options import OverwriteOption, QuietOption  # noqa: F401  (kept importable from here)
from massmap.errors import MassmapError
from massmap.interrupt import handle_stop_signals
from massmap.log import console, setup_logging

app = typer.Typer(
    name="massmap",
    help="Find and outline mass movements in Sentinel-1 wrapped interferograms, and measure agreement with experts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

EXIT_BAD_INPUT = 1
# 128 + SIGINT, as shells report a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130
# Errors of the file system that are the machine's state, not a bug: worded as one line.
_DISK_ERRNOS = {errno.ENOSPC: "no space left on the device", errno.EFBIG: "file size limit reached (ulimit -f)",
                errno.EDQUOT: "disk quota exceeded"}


def _error(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)


def _disk_error(exc: BaseException) -> str | None:
    """The one-line wording of a full disk or a file-size limit, from an OSError or GDAL's message."""
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{_DISK_ERRNOS[exc.errno]}"
    text = str(exc).lower()
    if any(s in text for s in ("no space left", "file too large", "disk full", "quota exceeded")):
        return str(exc).strip().splitlines()[0]
    return None


def install_signal_handlers() -> None:
    """SIGTERM (a batch system's time limit, scancel) unwinds like Ctrl-C, so no partial output stays; a
    file-size limit (SIGXFSZ) fails a write instead of killing the process."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    handle_stop_signals()
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def command(*args: Any, **kwargs: Any) -> Callable:
    """Register a CLI command whose MassmapErrors print as one line and exit non-zero, without a traceback.

    Ctrl-C (and SIGTERM) prints one line "interrupted" and exits 130, after every partial output is removed;
    a full disk or file-size limit prints one line and exits 1.
    """

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*a: Any, **k: Any) -> Any:
            setup_logging(quiet=bool(k.get("quiet", False)))
            install_signal_handlers()
            try:
                return func(*a, **k)
            except MassmapError as exc:
                _error(str(exc))
                raise typer.Exit(EXIT_BAD_INPUT) from None
            except KeyboardInterrupt:
                _error("interrupted")
                raise typer.Exit(EXIT_INTERRUPTED) from None
            except Exception as exc:
                line = _disk_error(exc)
                if line is None:
                    raise
                _error(line)
                raise typer.Exit(EXIT_BAD_INPUT) from None

        return app.command(*args, **kwargs)(run)

    return decorate


def _print_version(value: bool) -> None:
    if value:
        from massmap import __version__

        typer.echo(f"massmap {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print massmap's version and exit."),
) -> None:
    """massmap: mass movements in Sentinel-1 wrapped interferograms."""
