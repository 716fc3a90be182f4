"""Starting a window from a Launch (engine/cli/launch.py), and `--screenshot` for docs and checks.

Nothing here imports torch: the experiment is built on the worker thread, so the window
appears while PyTorch is still loading.
"""
from __future__ import annotations

import math
import os
import signal
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from filterlab.engine import registry
from filterlab.engine.cli.launch import Launch
from filterlab.engine.cli.options import UsageError
from filterlab.engine.core import stops
from filterlab.engine.core.experiment import Spec
from filterlab.engine.core.user_files import for_terminal
from filterlab.gui.lesson.handout import screenshot_lesson_step
from filterlab.gui.screenshot import take_screenshot
from filterlab.gui.worker.pace import LESSON



NO_DISPLAY = "no display: run under xvfb-run, or use --headless or --screenshot with QT_QPA_PLATFORM=offscreen"
NEEDS_NO_SCREEN = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")  # Qt platforms of their own


def check_display(environ=os.environ, platform: str = sys.platform) -> None:
    """UsageError (one line, exit 2) where Qt would find no screen: it aborts the process (exit 134)
    with a hint about xcb-cursor0 that sends people to install libraries they already have."""
    if not platform.startswith("linux"):
        return
    wanted = environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if wanted in NEEDS_NO_SCREEN:
        return
    x11, wayland = bool(environ.get("DISPLAY")), bool(environ.get("WAYLAND_DISPLAY"))
    if (wanted == "xcb" and not x11) or (wanted.startswith("wayland") and not wayland) or not (x11 or wayland):
        raise UsageError(NO_DISPLAY)


def run_window(launch: Launch) -> int | None:
    """Open the window for the launch's experiment; run until it closes (or take the screenshot)."""
    check_display()
    spec = launch.spec
    if spec.device == "cuda":
        import torch  # only to refuse cleanly before a window opens on a machine without CUDA
        if not torch.cuda.is_available():
            raise UsageError("device cuda was asked for, but no CUDA GPU is available")
    with stops.deferred():  # a stop while Qt starts is raised once it has, never inside its constructor
        app = application()
    speed = LESSON if launch.speed is None else launch.speed
    interrupted, previous = close_on_ctrl_c(app)  # before the window: its training thread starts with it
    try:
        window = open_window(spec, running=launch.screenshot is None, speed=speed)
        if launch.lesson is not None:
            window.teach(launch.lesson, launch.lesson_step - 1)
        if interrupted:  # Ctrl-C while the window was being made: close it (it joins its thread)
            window.close()
            code: int | None = 0  # not returned: the stop is raised below
        elif launch.screenshot is None:
            code = app.exec()
        elif launch.lesson is not None:
            code = screenshot_lesson_step(app, window, launch.screenshot, launch.steps)
        else:
            steps = 300 if launch.steps is None else launch.steps
            code = take_screenshot(app, window, launch.screenshot, steps, start=spec.start_step,
                                   paced=launch.speed is not None)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if interrupted:
        raise interrupted[0]()  # main() says so in one line (KeyboardInterrupt, or Terminated for SIGTERM)
    return code


def close_on_ctrl_c(app) -> tuple[list, dict]:
    """Ctrl-C, or SIGTERM, closes every window (each joins its training thread) instead of a traceback in a slot.

    Python sees a signal only when it runs, so a timer lets it run while Qt waits.
    Returns (a list holding the stop's kind once interrupted, {signal: its previous handler}).
    """
    interrupted: list = []

    def on_stop(signum, _frame):
        interrupted.append(stops.Terminated if signum == signal.SIGTERM else KeyboardInterrupt)
        app.closeAllWindows()
        app.quit()

    previous = {signum: signal.signal(signum, on_stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)
    return interrupted, previous


OPEN: list = []  # windows opened from another one, kept until they close


def open_window(spec: Spec, running: bool = True, speed=LESSON):
    """The window of `spec`'s experiment (engine/registry.py), shown; one it asks for (its `experiment_wanted`:
    the lesson's "beyond" step, a fork) opens beside it."""
    window = registry.for_spec(spec).window_class()(spec, running=running, speed=speed)
    window.experiment_wanted.connect(lambda other: _open_beside(window, other))
    window.show()
    return window


def _open_beside(window, spec) -> None:
    """Each window trains on its own thread and joins it when it closes; the app ends with the last."""
    other = open_window(spec)
    other.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    OPEN.append(other)
    other.destroyed.connect(lambda *_: OPEN.remove(other) if other in OPEN else None)


SCALE_FACTORS = (0.25, 8.0)  # QT_SCALE_FACTOR: Qt divides by it, and a window at 0.1x or 50x is unusable


def application() -> QApplication:
    """The one QApplication; UsageError first if QT_SCALE_FACTOR cannot work (Qt would divide by zero)."""
    check_scale_factor(os.environ.get("QT_SCALE_FACTOR"))
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Filter Lab")
    return app


def check_scale_factor(text) -> None:
    """QT_SCALE_FACTOR, if set, must be a number in SCALE_FACTORS (Qt reads 0 as a divisor, garbage as 1)."""
    if text is None or not text.strip():
        return
    low, high = SCALE_FACTORS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise UsageError(f"the environment variable QT_SCALE_FACTOR must be a number from {low} to {high:g} "
                         f"(the window's scale), got {for_terminal(repr(text), 60)}; unset it for the screen's own")
