"""A window over a training thread: it sends commands, draws the newest frame, joins the thread on close.

The trainer is built by a factory on the worker's own thread, so the window is on screen
before torch has loaded; the window never calls the trainer, it only commands the worker
and draws what the worker leaves in the mailbox. Subclasses build their views and say
how a frame is drawn (`draw_frame`).
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from filterlab.gui.worker import Frame, TrainingWorker, WorkerThread


class TrainingWindow(QMainWindow):
    frame_drawn = Signal(object)  # the Frame just drawn (tests and --screenshot wait on it)

    def __init__(self, trainer_factory: Callable[[], object], running: bool = True):
        super().__init__()
        self.frame: Optional[Frame] = None
        self._drawn_at: dict = {}  # view -> when it last drew (for views with max_hz)
        self.worker = TrainingWorker(trainer_factory, running=running)
        self.worker.frame_ready.connect(self._frame_waiting)
        self.worker.failed.connect(self.on_failed)
        self._thread = WorkerThread(self.worker)

    def start(self) -> None:
        """Start training; call once the views exist."""
        self._thread.start()

    def _frame_waiting(self) -> None:
        """Draw it on a 1 ms timer, not at once: what is already queued (input, timers) goes first.

        A window slower than the frame rate (64 filters, every view showing) would otherwise
        take frame after frame as the worker posts them, and Qt runs no timer until the
        posted events run dry: the event loop stood still for 100-200 ms at a time. Not a
        0 ms timer: Qt 6 turns that into one more posted event, which keeps the chain going.
        """
        QTimer.singleShot(1, self._on_frame_ready)

    def _on_frame_ready(self) -> None:
        frame = self.worker.mailbox.take()
        if frame is None:
            return
        self.frame = frame
        self.draw_frame(frame)
        self.frame_drawn.emit(frame)

    def draw_frame(self, frame: Frame) -> None:
        raise NotImplementedError

    def due(self, view, frame: Frame) -> bool:
        """Whether `view` should draw this frame: always when paused, else at most `view.max_hz` times a second."""
        now = time.perf_counter()
        if frame.running and view.max_hz is not None and now - self._drawn_at.get(view, 0.0) < 1.0 / view.max_hz:
            return False
        self._drawn_at[view] = now
        return True

    def on_failed(self, message: str) -> None:
        """A refused command or a training error: shown for a while, above the live status."""
        self.statusBar().showMessage(message, 10_000)

    def closeEvent(self, event) -> None:
        """Stop the worker and join its thread before the window goes."""
        if not self._thread.stop():
            self.statusBar().showMessage("training thread did not stop; waiting…")
            self._thread.thread.wait()
        super().closeEvent(event)
