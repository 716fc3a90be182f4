"""Starting the window from the command line, and `--screenshot` for docs and checks.

Nothing here imports torch: the trainer factory runs on the worker thread, so the
window appears while PyTorch is still loading.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from engine.cli import UsageError, start_from_args

from .main_window import MainWindow

SCREENSHOT_TIMEOUT_S = 300


def trainer_factory(config, image, label, session=None):
    """Builds the trainer where it is called: on the worker thread (from a checked session, if given)."""
    def build():
        from engine.runtime import tune_runtime
        from engine.trainer import Trainer
        tune_runtime()
        return session.build_trainer() if session else Trainer(config, image, label)
    return build


def run_window(args) -> int:
    config, image, label, _, session = start_from_args(args)
    if config.device == "cuda":
        import torch  # only to refuse cleanly before a window opens on a machine without CUDA
        if not torch.cuda.is_available():
            raise UsageError("device cuda was asked for, but no CUDA GPU is available")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Filter Lab")
    screenshot = args.screenshot is not None
    window = MainWindow(trainer_factory(config, image, label, session), config, (image, label),
                        running=not screenshot)
    window.show()
    if not screenshot:
        return app.exec()
    return _take_screenshot(app, window, args.screenshot, 300 if args.steps is None else args.steps,
                            start=session.step if session else 0)


def _take_screenshot(app, window: MainWindow, path, steps: int, start: int = 0) -> int:
    """Train exactly `steps` steps from step `start`, let the views draw that frame, save the window as PNG."""
    result = {"code": None}

    def on_frame(frame):
        if frame.snapshot.step >= start + steps and result["code"] is None:
            result["code"] = 0
            QTimer.singleShot(200, grab)

    def grab():
        try:
            if not window.grab().save(str(path)):
                raise OSError(f"Qt could not write {path}")
        except OSError as error:
            print(f"filterlab: error: cannot save the screenshot: {error}", file=sys.stderr)
            result["code"] = 2
        window.close()
        app.quit()

    def give_up():
        if result["code"] is None:
            print(f"filterlab: error: training did not reach step {start + steps} in {SCREENSHOT_TIMEOUT_S} s",
                  file=sys.stderr)
            result["code"] = 1
            window.close()
            app.quit()

    window.frame_drawn.connect(on_frame)
    window.worker.call(lambda trainer: trainer.step(steps))
    QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, give_up)
    app.exec()
    return result["code"]
