"""PyTorch and the engine, imported on a thread of their own that a closing window need not wait for.

Importing torch takes seconds and cannot be interrupted. When the training thread did it,
a window closed in those seconds had to wait for the import to end before it could join
its thread (seconds more on a loaded machine). So the import runs once per process on a
daemon thread, started by the first training thread; a training thread waits for it a
slice at a time and gives up at once when its window closes. The daemon thread then
finishes the import on its own and is dropped when the process ends.

The chunk function of the one-digit experiment is compiled and warmed up there too
(engine/core/chunk.py), so the first steps do not pay for it.
"""
from __future__ import annotations

import importlib
import threading

MODULES = ("torch", "filterlab.engine.core.runtime", "filterlab.engine.digit.trainer")
_done = threading.Event()
_lock = threading.Lock()
_started: list = []


def _load() -> None:
    try:
        for name in MODULES:
            importlib.import_module(name)
        from filterlab.engine.core.runtime import optimizers_without_dynamo
        optimizers_without_dynamo()  # before any optimizer is made: no 2 s compiler import for it
        from filterlab.engine.core.chunk import warm_up
        warm_up()
    except Exception:  # the training thread imports again and reports what went wrong
        pass
    finally:
        _done.set()


def preload() -> threading.Event:
    """Start the import (once per process); the event is set when it is over, however it ended."""
    with _lock:
        if not _started:
            _started.append(threading.Thread(target=_load, name="preload", daemon=True))
            _started[0].start()
    return _done


def wait_for_preload(stopping: threading.Event, slice_seconds: float = 0.01) -> bool:
    """Wait for the import; False as soon as `stopping` is set (the window is closing)."""
    done = preload()
    while not done.wait(slice_seconds):
        if stopping.is_set():
            return False
    return not stopping.is_set()
