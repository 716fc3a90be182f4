"""The training loop on its own QThread, with the Qt-documented wiring and a clean stop.

The QObject here only carries signals out (a frame is waiting, a command failed); it has
no command slots. Commands go in through `Commands` (gui/worker/commands.py).
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from filterlab.engine.core.experiment import Experiment
from filterlab.gui.worker.commands import Commands
from filterlab.gui.worker.loop import TrainingLoop


class TrainingWorker(QObject):
    """Lives on the training thread; runs the loop when the thread starts."""

    frame_ready = Signal()      # a new Frame is in the mailbox
    failed = Signal(str)        # a command was refused; training goes on
    stopped = Signal(str)       # the experiment could not be built, or a step raised: training paused
    finished = Signal()

    def __init__(self, factory: Callable[[], Experiment[Any]], commands: Commands, running: bool = True, pace=None):
        super().__init__()
        self.loop = TrainingLoop(factory, commands.queue, running, pace)
        self.mailbox = self.loop.mailbox

    @property
    def experiment(self):
        """The experiment (touch it only on the training thread, or once the thread has ended)."""
        return self.loop.experiment

    @Slot()
    def run(self) -> None:
        self.loop.run(self.frame_ready.emit, self.failed.emit, self.stopped.emit)
        self.finished.emit()


class WorkerThread:
    """A TrainingWorker on its own QThread; `stop` asks the loop to end and joins the thread."""

    def __init__(self, worker: TrainingWorker, commands: Commands):
        self.worker, self.commands = worker, commands
        self.thread = QThread()
        self.thread.setObjectName("training")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.finished.connect(self.thread.quit)
        self._stopped = False

    def start(self) -> None:
        if not self._stopped and not self.thread.isRunning() and not self.thread.isFinished():
            self.thread.start()  # once; and a window closed before its thread started never starts it

    def start_after_events(self, milliseconds: int = 0) -> None:
        """Start once the events already queued have run (or after `milliseconds`)."""
        QTimer.singleShot(milliseconds, self.start)

    def stop(self, timeout_ms: int = 5000) -> bool:
        """True if the thread ended in time."""
        self._stopped = True
        if not self.thread.isRunning():
            return True
        self.worker.loop.stopping.set()  # seen at once while PyTorch is still loading
        self.commands.stop()
        self.thread.quit()
        return self.thread.wait(timeout_ms)
