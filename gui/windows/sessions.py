"""File > Save/Open session in the digit window.

A save copies the run's state on the training thread between two steps (the named query
SessionData), so the file is one consistent moment, and writes it from that copy on a thread
of its own (context.jobs): training goes on meanwhile; a failed write (read-only folder, full
disk) is reported. An opened file is read, checked and built on a thread of its own too; a
bad one is reported and changes nothing, a good one comes back here, where the window shows
its settings and digit (`adopt`) and then sends the swap — whatever the user changed while the
file was read lands before the swap, never after it unseen.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from filterlab.engine.core.files import save_npz
from filterlab.engine.digit.session import load_session
from filterlab.gui.windows.context import WindowContext
from filterlab.gui.windows.file_dialogs import ask_file
from filterlab.gui.worker.queries import SessionData

if TYPE_CHECKING:  # torch: imported on its own thread, after the window is on screen (gui/worker/preload.py)
    from filterlab.engine.digit.trainer import Trainer

SESSION_FILES = "Filter Lab sessions (*.npz);;All files (*)"


class SessionActions(QObject):
    """File > Save/Open session; `adopt(trainer)` trains an opened session from now on."""

    done = Signal(bool, str)  # a save or an open finished: (succeeded, message)

    def __init__(self, context: WindowContext, adopt: Callable[[Trainer], None]):
        super().__init__(context.parent)
        self.context, self.adopt = context, adopt

    def save(self) -> None:
        path = self._ask(save=True)
        if path:
            self.save_to(path)

    def open(self) -> None:
        path = self._ask(save=False)
        if path:
            self.open_from(path)

    def _ask(self, save: bool) -> str:
        """The file picked in a session dialog, '' if cancelled; a bare name gets .npz.

        Saving suggests session-step-N.npz; both open in the last folder used (file_dialogs.py).
        """
        frame = self.context.latest()
        name = f"session-step-{frame.snapshot.step}.npz" if save and frame is not None else ""
        return ask_file(self.context.parent, "Save the session" if save else "Open a session", SESSION_FILES,
                        name=name, save=save)

    def save_to(self, path: str) -> None:
        def write(data: tuple[int, dict]) -> None:
            step, arrays = data

            def finish(_: object, error: Optional[Exception]) -> None:
                if error is None:
                    self._finish("", True, f"saved step {step:,} to {path}")
                else:
                    self._failed("Cannot save the session", path, error)
            self.context.jobs.start(lambda: save_npz(path, arrays), finish)
        self.context.ask(SessionData(), write, lambda error: self._failed("Cannot save the session", path, error))

    def _failed(self, title: str, path: str, error: Exception) -> None:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        self._finish(title, False, f"Could not write {path}: {reason}")

    def open_from(self, path: str) -> None:
        def opened(loaded: Optional[Trainer], error: Optional[Exception]) -> None:
            if loaded is None:
                self._finish("Cannot open this session", False, str(error))
                return
            self.adopt(loaded)
            self._finish("", True, f"opened step {loaded.step_count:,} of {path}")
        self.context.jobs.start(lambda: load_session(path), opened)

    def _finish(self, title: str, succeeded: bool, message: str) -> None:
        if succeeded:
            self.context.tell(message, 5000)
        else:
            QMessageBox.warning(self.context.parent, title, message)
        self.done.emit(succeeded, message)
