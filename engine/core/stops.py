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
import os
import signal
import sys
import threading
from typing import Callable, Optional

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
    _state.pending = _state.pending or stop  # kept until handled: a stop raised inside a weakref callback or
    if not _state.depth:                     # a __del__ is swallowed by Python, and raised again by check()
        raise stop()


def _unraisable(hook):
    """sys.unraisablehook that keeps quiet about a stop Python could not raise (check() raises it)."""
    def quiet(unraisable) -> None:
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and _state.pending is not None):
            hook(unraisable)
    return quiet


def install() -> Callable[[], None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt / Terminated on the main thread; returns what undoes it.

    Elsewhere than on the main thread there is nothing to do (and nothing to undo).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _state.pending = None
    previous = {signum: signal.signal(signum, _on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    hook, sys.unraisablehook = sys.unraisablehook, _unraisable(sys.unraisablehook)

    def undo() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = hook
    return undo


def handled() -> None:
    """The stop under way has reached main(): forget it."""
    _state.pending = None


def check() -> None:
    """Raise the stop that came and has not been handled (one raised where Python swallowed it)."""
    if _state.pending is not None and not _state.depth:
        raise _state.pending()


def exit_at_once() -> None:
    """From now on SIGINT and SIGTERM end the process at once, with their exit code and nothing said.

    For the moments after the work is done and every file is whole, while the interpreter
    shuts down (atexit, library clean-up): an exception raised there would print a traceback.
    Only for a process's own run (main() without arguments), never inside another program.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda number, _frame: os._exit(128 + number))


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
    check()
