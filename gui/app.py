"""Starting the window from the command line, and `--screenshot` for docs and checks.

Nothing here imports torch: the trainer factory runs on the worker thread, so the
window appears while PyTorch is still loading.
"""
from __future__ import annotations

import sys

import numpy as np

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from filterlab.engine.cli.common import UsageError, start_from_args

from filterlab.gui.windows.digit import MainWindow

SCREENSHOT_TIMEOUT_S = 300


def trainer_factory(config, image, label, session=None):
    """Builds the trainer where it is called: on the worker thread (from a checked session, if given)."""
    def build():
        from filterlab.engine.core.runtime import tune_runtime
        from filterlab.engine.digit.trainer import Trainer
        tune_runtime()
        return session.build_trainer() if session else Trainer(config, image, label)
    return build


def run_window(args) -> int:
    if args.lab1d:
        return run_lab1d_window(args)
    if args.compare is not None:
        return run_compare_window(args)
    if args.classes is not None:
        return run_set_window(args)
    config, image, label, _, session = start_from_args(args)
    if config.device == "cuda":
        import torch  # only to refuse cleanly before a window opens on a machine without CUDA
        if not torch.cuda.is_available():
            raise UsageError("device cuda was asked for, but no CUDA GPU is available")
    app = _application()
    window = MainWindow(trainer_factory(config, image, label, session), config, (image, label),
                        running=args.screenshot is None)
    return _show(app, window, args, start=session.step if session else 0)


def run_lab1d_window(args) -> int:
    """The 1-D lab's window; --screenshot works for it as for the digit window."""
    from filterlab.engine.cli.lab1d import lab1d_config_from_args

    from filterlab.gui.windows.lab1d import Lab1DWindow, lab_factory
    config = lab1d_config_from_args(args)
    app = _application()
    return _show(app, Lab1DWindow(lab_factory(config), config, running=args.screenshot is None), args)


def run_set_window(args) -> int:
    """The digit window on a set of digits: minibatches, test accuracy in the status bar."""
    from filterlab.engine.cli.many import set_from_args
    config, digits, batch = set_from_args(args)

    def build():
        from filterlab.engine.core.runtime import tune_runtime
        from filterlab.engine.digitset.trainer import SetTrainer
        tune_runtime()
        return SetTrainer(config, digits, batch)
    app = _application()
    window = MainWindow(build, config, None, running=args.screenshot is None, set_name=digits.description)
    return _show(app, window, args)


def run_compare_window(args) -> int:
    """2-4 runs side by side on one digit and one step counter."""
    from filterlab.engine.data import load_bundled
    from filterlab.engine.cli.many import compare_runs_from_args

    from filterlab.gui.windows.comparison import CompareWindow, lockstep_factory
    runs, image, label, _ = compare_runs_from_args(args)
    matches = np.flatnonzero((load_bundled()[0] == image).all(axis=(1, 2)))
    seeds = "seeds " + ", ".join(str(c.seed) for _, c in runs)
    app = _application()
    window = CompareWindow(lockstep_factory(runs, image, label), [n for n, _ in runs], seeds,
                           int(matches[0]) if len(matches) else 0, running=args.screenshot is None)
    return _show(app, window, args)


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Filter Lab")
    return app


def _show(app, window, args, start: int = 0) -> int:
    """Run the window until it closes, or (--screenshot) train, save the PNG and exit."""
    window.show()
    if args.screenshot is None:
        return app.exec()
    return _take_screenshot(app, window, args.screenshot, 300 if args.steps is None else args.steps, start=start)


def _take_screenshot(app, window, path, steps: int, start: int = 0) -> int:
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
