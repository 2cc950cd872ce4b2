"""A massmap command run as a separate process, stopped mid-run by a signal: the SIGKILL and Ctrl-C tests share it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _ctrl_c_as_in_a_terminal() -> None:
    # A test run in the background (`pytest &`) ignores SIGINT, and its children would inherit that; a command
    # typed at a terminal does not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_massmap(args: list[str], stderr_path: Path | None = None) -> subprocess.Popen:
    """`python -m massmap ARGS` with this checkout's sources, in a session of its own (its workers join it) and
    with Ctrl-C's default effect; stderr goes to `stderr_path` (discarded without one)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    stderr = open(stderr_path, "w") if stderr_path else subprocess.DEVNULL  # noqa: SIM115  (closed by the child's end)
    try:
        return subprocess.Popen([sys.executable, "-m", "massmap", *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=stderr, start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal)
    finally:
        if stderr_path:
            stderr.close()  # the child holds its own copy


def stop_when(proc: subprocess.Popen, ready: Callable[[], bool], sig: signal.Signals, timeout_s: float = 300,
              what: str = "the command") -> int:
    """Wait until `ready()`, then send `sig` to the process's whole session, as a terminal's Ctrl-C reaches every
    process of the job; returns its exit code."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        assert proc.poll() is None, f"{what} ended before it could be stopped"
        assert time.monotonic() < deadline, f"{what} did not get there in {timeout_s:g} s"
        time.sleep(0.1)
    os.killpg(proc.pid, sig)
    return proc.wait(timeout=120)


def interrupted_line(stderr_path: Path) -> str:
    """The one line a command stopped by Ctrl-C printed (asserts there is exactly one, and no traceback)."""
    text = stderr_path.read_text()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert "Traceback" not in text and len(lines) == 1, text
    return lines[0]


def temporary_folders_of(pid: int) -> list[Path]:
    """The massmap temporary folders (massmap-KIND-HOST-PID-...) that process `pid` left in the system's temp folder."""
    import socket
    import tempfile

    host = socket.gethostname().replace("-", "_")
    return sorted(Path(tempfile.gettempdir()).glob(f"massmap-*-{host}-{pid}-*"))
