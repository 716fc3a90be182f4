"""What a feature of a window (painting, forking, predict, probe, exports, sessions, replay, ...) may use of it.

A feature is a component mounted by the windows that have it; it is handed a `WindowContext`,
never the window: it sends commands, asks named queries (gui/worker/queries.py) and receives
their typed answers here, reads the newest frame and the snapshot shown, hears of each frame
drawn, says something in the status bar, adds keys, and hands slow work to a thread of its own
(`Jobs`). The widgets a feature works with besides (a filter grid, a checkbox) it is given by
name when it is made.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal, SignalInstance, Slot
from PySide6.QtWidgets import QWidget

from filterlab.gui.widgets.run_controls import RunControls
from filterlab.gui.widgets.timeline_bar import TimelineBar
from filterlab.gui.worker.commands import Commands
from filterlab.gui.worker.loop import Frame
from filterlab.gui.worker.queries import Query

T = TypeVar("T")
R = TypeVar("R")


class Asker(Protocol):
    def __call__(self, query: Query[T], then: Callable[[T], None],
                 failed: Optional[Callable[[Exception], None]] = None) -> None:
        """Ask `query` of the experiment on the training thread; then(answer) on the window's thread, or
        failed(error) if answering raised (without `failed`: the window says what went wrong)."""


class Jobs(QObject):
    """Slow work from a copy (a GIF rendered, a file written) on a plain Python thread of its own, so neither
    the training nor the window waits; `then(result, error)` runs on the window's thread. No widget is touched
    on those threads: the work gets copies, its result comes back here. `join()` waits for what is under way
    (the window's close)."""

    _finished = Signal(object)  # a call to make on this object's (the window's) thread

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._threads: list[threading.Thread] = []
        self._finished.connect(self._run)

    def start(self, work: Callable[[], R], then: Callable[[Optional[R], Optional[Exception]], None]) -> None:
        def run() -> None:
            try:
                result, error = work(), None
            except Exception as failure:  # handed to `then`, which says what went wrong
                result, error = None, failure
            self._finished.emit(lambda: then(result, error))
        thread = threading.Thread(target=run, name="filterlab-job", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    @Slot(object)
    def _run(self, call: Callable[[], None]) -> None:
        call()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()


@dataclass(frozen=True)
class WindowContext:
    """The narrow view of a window its components get (module docstring)."""

    parent: QWidget                                 # dialogs and message boxes stand over it
    commands: Commands                              # send a command to the training thread
    ask: Asker                                      # ask a named query, get its typed answer
    latest: Callable[[], Optional[Frame]]           # the newest frame drawn (None before the first)
    shown: Callable[[], Any]                        # the snapshot the views show (live or recorded; None at first)
    frame_drawn: SignalInstance                     # emitted with each frame drawn
    tell: Callable[[str, int], None]                # a message in the status bar, for so many ms
    add_keys: Callable[[dict[str, Callable[[], None]], dict[str, str]], None]  # shortcuts, and their help lines
    run: RunControls                                # Pause/Resume, Step, Reset, speed
    timeline: TimelineBar                           # the record's steps; live or a recorded one
    jobs: Jobs                                      # slow work off both threads
