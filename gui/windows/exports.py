"""Taking the story out of the window: a GIF for a slide, a PNG of the grid, the raw history.

Files are written atomically by the engine's writers. The GIF is rendered on the worker
thread (training waits those few seconds) while a progress dialog counts the frames;
every failure (a read-only folder, a full disk) is reported and changes nothing else.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from filterlab.engine.core.files import save_image
from filterlab.engine.render.digit import GIF_FRAMES, gif_frames, grid_frame, save_gif


class Exporter(QObject):
    """The window's File > Export actions; `*_to(path)` do the work without a dialog."""

    done = Signal(bool, str)         # an export finished: (succeeded, path)
    _progress = Signal(int, int)     # frames rendered, of: emitted on the training thread, shown here

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.progress = None

    def _ask(self, title: str, suffix: str, pattern: str):
        dialog = QFileDialog(self.window, title, "", pattern)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix)
        return dialog.selectedFiles()[0] if dialog.exec() else None

    def _report(self, error: Exception | None, done: str) -> None:
        if error is None:
            self.window.statusBar().showMessage(done, 8000)
        else:
            QMessageBox.warning(self.window, "Export failed", f"{error}")

    # ------------------------------------------------------------------ GIF
    def gif(self) -> None:
        path = self._ask("Export the filters' evolution as a GIF", "gif", "GIF animations (*.gif)")
        if path:
            self.gif_to(path)

    def gif_to(self, path: str) -> None:
        window = self.window
        dialog = QProgressDialog("Rendering the animation…", None, 0, GIF_FRAMES, window)
        dialog.setWindowTitle("Export GIF")
        dialog.setMinimumDuration(300)
        dialog.setValue(0)
        self.progress = dialog
        self._progress.connect(lambda done, total: (dialog.setMaximum(total), dialog.setValue(done)))

        def render(trainer):
            frames, steps = gif_frames(trainer.filter_history)
            try:
                count = save_gif(frames, steps, path, progress=self._progress.emit)
            except (OSError, ValueError) as error:
                return error, 0
            return None, count

        def finish(result) -> None:
            error, count = result
            dialog.reset()
            self._progress.disconnect()
            self._report(error, f"wrote {count} frames to {path}")
            self.done.emit(error is None, path)
        window.ask_worker(render, finish)

    # ------------------------------------------------------------------ PNG
    def png(self) -> None:
        path = self._ask("Export the filter grid as PNG", "png", "PNG images (*.png)")
        if path:
            self.png_to(path)

    def png_to(self, path: str) -> None:
        """The grid as shown now (live or scrubbed), with its step."""
        snap = self.window.shown
        if snap is None:
            return
        try:
            save_image(grid_frame(snap.filters, step=snap.step), path)
            error = None
        except (OSError, ValueError) as failure:
            error = failure
        self._report(error, f"wrote the grid at step {snap.step:,} to {path}")
        self.done.emit(error is None, path)

    # -------------------------------------------------------------- history
    def history(self) -> None:
        path = self._ask("Export the recorded history", "npz", "NumPy archives (*.npz)")
        if path:
            self.history_to(path)

    def history_to(self, path: str) -> None:
        def save(trainer):
            try:
                trainer.save_history(path)
            except OSError as error:
                return error
            return None

        def finish(error) -> None:
            self._report(error, f"wrote the history to {path}")
            self.done.emit(error is None, path)
        self.window.ask_worker(save, finish)
