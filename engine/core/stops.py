"""How a run is stopped from outside: Ctrl-C (SIGINT) and SIGTERM end it the same way.

Both become an exception on the main thread (KeyboardInterrupt, or its kind `Terminated`),
so every `finally` and the atomic writer's clean-up run (engine/core/files.py): no `.part`
file stays behind, the files already written stay whole, and main() says it in one line.
Exit codes follow the shells' convention, 128 + the signal's number: 130 for Ctrl-C, 143
for SIGTERM.

Inside a library that cannot be interrupted cleanly (matplotlib drawing a frame, Pillow
quantising it), `deferred()` holds a signal back until the block ends: the stop then
comes between two frames, never as a traceback from the middle of a draw.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Optional

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM: a stop asked for by the system or another program, handled exactly like Ctrl-C."""


def exit_code(stop: KeyboardInterrupt) -> int:
    return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED


def described(stop: KeyboardInterrupt) -> str:
    return "terminated" if isinstance(stop, Terminated) else "interrupted"


class _State:
    depth = 0  # deferred() blocks open on the main thread
    pending: Optional[type] = None  # the stop that came inside one


_state = _State()


def _on_signal(signum, _frame) -> None:
    stop = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    if _state.depth:
        _state.pending = _state.pending or stop
        return
    raise stop()


def install() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt / Terminated on the main thread (elsewhere: nothing to do)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


@contextlib.contextmanager
def deferred():
    """A stop that comes during the block is raised when it ends (on the main thread; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
    if not _state.depth and _state.pending is not None:
        stop, _state.pending = _state.pending, None
        raise stop()
