"""Ctrl-C and SIGTERM: raised as KeyboardInterrupt where they land, and remembered.

Libraries can lose that exception on its way up (a Ctrl-C just after a training checkpoint was written did nothing
in two of four tries): loops that run for long ask `raise_if_stopped` at each step, so they stop all the same.
"""

from __future__ import annotations

import signal
import threading

_stopped = threading.Event()


def _stop(signum: int, frame: object) -> None:
    _stopped.set()
    raise KeyboardInterrupt


def handle_stop_signals() -> None:
    """Make Ctrl-C and SIGTERM (a batch system's time limit, scancel) raise KeyboardInterrupt and be remembered.

    A Ctrl-C ignored from the start (a job started in the background with nohup) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    _stopped.clear()
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


def raise_if_stopped() -> None:
    """Raise KeyboardInterrupt again when Ctrl-C or SIGTERM came and the run went on (its exception was lost)."""
    if _stopped.is_set():
        raise KeyboardInterrupt
