"""Logging through rich, silenced by --quiet."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler

LOGGER_NAME = "massmap"
console = Console(stderr=True, soft_wrap=True)


def get_logger(name: str = LOGGER_NAME) -> logging.Logger:
    """The massmap logger (child loggers share its rich handler)."""
    return logging.getLogger(name)


def setup_logging(quiet: bool = False, verbose: bool = False) -> None:
    """Route massmap's log records to rich on stderr; `quiet` keeps only errors."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers.clear()
    handler = RichHandler(console=console, show_time=False, show_path=False, markup=False)
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else (logging.DEBUG if verbose else logging.INFO))
    logger.propagate = False


def quiet_lightning() -> None:
    """Keep only Lightning's errors: its info lines (accelerators found, tips), the Ctrl-C notice and the
    deprecation warnings it triggers are not shown under --quiet."""
    import warnings

    import lightning.pytorch  # noqa: F401  (its import sets its logger's level, which this overrides)

    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"lightning\.")
