"""Taking the story out of the window: a GIF or MP4 and a picture for a slide, the window itself, the history,
and the run itself as code: a plain PyTorch script or a notebook that trains it again (engine/export).

The animation and the picture are drawn by matplotlib (engine/render/slides.py) at the
export width (1,200 px unless File > Export size… says otherwise): the digit, the step,
every filter with its cosine, a colorbar. The animation's frames are spread over the
change, not over the steps (engine/render/frames.py); a .mp4 name makes it a video
(engine/render/animation.py). Files are written atomically by the engine's writers;
dialogs suggest a name and open in the last folder (file_dialogs.py). What an export needs of
the run is copied on the training thread between two steps (a named query: AnimationFrames,
HistoryArrays, RunRecordOf); the animation is rendered, and every file written, from that copy
on a thread of its own (context.jobs), so training goes on meanwhile, while a progress dialog
counts the frames; every failure (a read-only folder, a full disk, an unknown format) is
reported and changes nothing else. The render modules, and matplotlib with them, are
imported at the first export, so the window's start-up does not pay for them.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QProgressDialog

from filterlab.engine.core.files import save_atomic, save_npz
from filterlab.gui.windows.context import WindowContext
from filterlab.gui.windows.file_dialogs import ask_file, settings
from filterlab.gui.worker.queries import AnimationFrames, HistoryArrays, RunRecordOf

WIDTH_KEY = "exports/width"
WIDTHS = {"1200 px (a slide)": 1200, "1600 px": 1600, "1920 px (full HD)": 1920, "2560 px": 2560}
PICTURES = "PNG images (*.png);;PDF documents (*.pdf);;SVG drawings (*.svg)"
ANIMATIONS = "GIF animations (*.gif);;MP4 videos (*.mp4)"
CODE = {"script": ("Export the run as a Python script", "Python scripts (*.py)", "py"),
        "notebook": ("Export the run as a notebook", "Jupyter notebooks (*.ipynb)", "ipynb")}


class Exporter(QObject):
    """The window's File > Export actions; `*_to(path)` do the work without a dialog."""

    done = Signal(bool, str)         # an export finished: (succeeded, path)
    _progress = Signal(int, int)     # frames rendered, of: emitted on the rendering thread, shown here

    def __init__(self, context: WindowContext):
        super().__init__(context.parent)
        self.context = context
        self.window = context.parent  # dialogs stand over it; "Save window as PNG" grabs it
        self.progress: Optional[QProgressDialog] = None

    @property
    def width(self) -> int:
        """Pixels across a GIF or PNG export (remembered between runs)."""
        value = settings().value(WIDTH_KEY, 1200)
        if not isinstance(value, (int, float, str)):  # what a settings file can hold for a number
            return 1200
        try:
            return int(value) if int(value) in WIDTHS.values() else 1200
        except (TypeError, ValueError):
            return 1200

    def choose_width(self) -> None:
        """File > Export size…: how wide GIF and PNG exports are."""
        names = list(WIDTHS)
        current = next(i for i, w in enumerate(WIDTHS.values()) if w == self.width)
        name, ok = QInputDialog.getItem(self.window, "Export size", "Width of exported GIFs and pictures:",
                                        names, current, False)
        if ok and name in WIDTHS:
            settings().setValue(WIDTH_KEY, WIDTHS[name])
            self.context.tell(f"exports are {WIDTHS[name]:,} px wide", 5000)

    def _step(self, live: bool = False) -> int:
        """The step a suggested name carries: the newest (live) or the one shown."""
        frame = self.context.latest()
        snap = frame.snapshot if live and frame is not None else self.context.shown()
        return 0 if snap is None else snap.step

    def _report(self, error: Exception | None, done: str, path: str) -> None:
        """`done` in the status bar, or one message that says what went wrong (never the temporary file);
        then `done` is emitted."""
        if error is None:
            self.context.tell(done, 8000)
        else:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            QMessageBox.warning(self.window, "Export failed", f"Could not write {path}:\n{reason}")
        self.done.emit(error is None, path)

    # ------------------------------------------------------------------ GIF
    def gif(self) -> None:
        path = ask_file(self.window, "Export the filters forming as a GIF or a video", ANIMATIONS,
                        name=f"filters-step-{self._step(live=True)}.gif")
        if path:
            self.gif_to(path)

    def gif_to(self, path: str) -> None:
        """The record's frames copied on the training thread (AnimationFrames), rendered and written from the
        copy on a thread of its own while the progress dialog counts them."""
        from filterlab.engine.render.animation import save_animation
        from filterlab.engine.render.frames import GIF_FRAMES, FrameSet

        width = self.width
        dialog = QProgressDialog(self.window, labelText="Rendering the animation…", minimum=0, maximum=GIF_FRAMES)
        dialog.setCancelButton(None)  # no cancel: the frames render in one go
        dialog.setWindowTitle("Export the animation")
        dialog.setMinimumDuration(300)
        dialog.setValue(0)
        self.progress = dialog
        def show_progress(done: int, total: int) -> None:
            dialog.setMaximum(total)
            dialog.setValue(done)

        self._progress.connect(show_progress)

        def finish(count: Optional[int], error: Optional[Exception]) -> None:
            dialog.reset()
            self._progress.disconnect()
            self._report(error, f"wrote {count} frames to {path}", path)

        def render(frames: FrameSet) -> None:
            self.context.jobs.start(lambda: save_animation(frames, path, width=width, progress=self._progress.emit),
                                    finish)
        self.context.ask(AnimationFrames(), render, lambda error: finish(None, error))

    # ------------------------------------------------------------------ PNG
    def png(self) -> None:
        path = ask_file(self.window, "Export the filters as a picture", PICTURES,
                        name=f"filters-step-{self._step()}.png")
        if path:
            self.png_to(path)

    def png_to(self, path: str) -> None:
        """The filters as shown now (live or scrubbed): PNG, or PDF/SVG by the path's suffix."""
        from filterlab.engine.core.files import save_figure
        from filterlab.engine.render.slides import slide_figure

        snap = self.context.shown()
        if snap is None:
            return
        try:
            save_figure(slide_figure(snap.step, snap.filters, snap.cosine, snap.image, snap.label, self.width), path)
            error = None
        except (OSError, ValueError) as failure:
            error = failure
        self._report(error, f"wrote the filters at step {snap.step:,} to {path}", path)

    # --------------------------------------------------------------- window
    def window_png(self) -> None:
        path = ask_file(self.window, "Save the window as PNG", "PNG images (*.png)",
                        name=f"window-step-{self._step()}.png")
        if path:
            self.window_png_to(path)

    def window_png_to(self, path: str) -> None:
        """The whole window as it looks now, at the screen's own resolution."""
        picture = self.window.grab()

        def write(temp: str) -> None:
            if not picture.save(temp, "PNG"):
                raise OSError(f"Qt could not write a PNG to {path}")
        try:
            save_atomic(path, write)
            error = None
        except OSError as failure:
            error = failure
        self._report(error, f"wrote the window ({picture.width()} x {picture.height()} px) to {path}", path)

    # -------------------------------------------------------------- history
    def history(self) -> None:
        path = ask_file(self.window, "Export the recorded history", "NumPy archives (*.npz)",
                        name=f"history-step-{self._step(live=True)}.npz")
        if path:
            self.history_to(path)

    def history_to(self, path: str) -> None:
        """The record's arrays copied on the training thread (HistoryArrays), written on a thread of its own."""
        def finish(_: object, error: Optional[Exception]) -> None:
            self._report(error, f"wrote the history to {path}", path)
        self.context.ask(HistoryArrays(), lambda arrays: self.context.jobs.start(lambda: save_npz(path, arrays),
                                                                                 finish),
                         lambda error: finish(None, error))

    # ----------------------------------------------------------------- code
    def script(self) -> None:
        self._code("script")

    def notebook(self) -> None:
        self._code("notebook")

    def _code(self, kind: str) -> None:
        title, patterns, suffix = CODE[kind]
        path = ask_file(self.window, title, patterns, name=f"filterlab-run-step-{self._step(live=True)}.{suffix}")
        if path:
            self.code_to(path, kind)

    def code_to(self, path: str, kind: str = "script") -> None:
        """The run as trained so far, as a script or a notebook: its record is copied on the training thread
        (RunRecordOf, engine/export/record.py), the file written from that copy on a thread of its own."""
        from filterlab.engine.export.files import write_notebook, write_script
        from filterlab.engine.export.record import RunRecord

        def write(record: RunRecord) -> None:
            def finish(_: object, error: Optional[Exception]) -> None:
                self._report(error, f"wrote the run (step {record.steps:,}) as a {kind} to {path}", path)
            self.context.jobs.start(lambda: (write_script if kind == "script" else write_notebook)(record, path),
                                    finish)
        self.context.ask(RunRecordOf(), write, lambda error: self._report(error, "", path))
