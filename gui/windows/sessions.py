"""File > Save/Open session in the digit window: on the training thread, reported on this one.

A save happens between two steps, so the file is one consistent moment; a failed write
(read-only folder, full disk) is reported and training goes on. An opened file is read,
checked and built on the training thread; a bad one is reported and changes nothing, a
good one is handed back here, where the window shows its settings and digit and then
sends the swap — whatever the user changed while the file was read lands before the
swap, never after it unseen.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from filterlab.engine.digit.session import SessionError, load_session, save_session
from filterlab.gui.windows.file_dialogs import ask_file

SESSION_FILES = "Filter Lab sessions (*.npz);;All files (*)"


class SessionActions(QObject):
    done = Signal(bool, str)  # a save or an open finished: (succeeded, message)

    def __init__(self, window):
        super().__init__(window)
        self.window = window

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
        frame = self.window.frame
        name = f"session-step-{frame.snapshot.step}.npz" if save and frame is not None else ""
        return ask_file(self.window, "Save the session" if save else "Open a session", SESSION_FILES,
                        name=name, save=save)

    def save_to(self, path: str) -> None:
        def save(trainer):
            try:
                save_session(trainer, path)
            except OSError as error:
                return False, f"Could not write {path}: {error.strerror or error}"
            return True, f"saved step {trainer.step_count:,} to {path}"
        self.window.ask_worker(save, lambda result: self._finish("Cannot save the session", *result))

    def open_from(self, path: str) -> None:
        def load(_):
            try:
                return load_session(path), None
            except SessionError as error:
                return None, str(error)

        def opened(result) -> None:
            loaded, error = result
            if loaded is None:
                self._finish("Cannot open this session", False, error)
                return
            self.window.adopt(loaded)
            self._finish("", True, f"opened step {loaded.step_count:,} of {path}")
        self.window.ask_worker(load, opened)

    def _finish(self, title: str, succeeded: bool, message: str) -> None:
        if succeeded:
            self.window.statusBar().showMessage(message, 5000)
        else:
            QMessageBox.warning(self.window, title, message)
        self.done.emit(succeeded, message)
