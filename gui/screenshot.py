"""`--screenshot PATH`: open the real window, train exactly N steps, save it as a PNG, exit.

The PNG goes through the atomic writer (engine/core/files.py): a full disk or a failed
encode leaves an older file at PATH whole. If training cannot start or stops on an error,
that is said in one line at once (exit 2), not after the time-out.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QTimer

from filterlab.engine.cli.options import EXIT_USAGE
from filterlab.engine.core.files import save_atomic
from filterlab.engine.core.user_files import for_terminal, os_reason, shown

SCREENSHOT_TIMEOUT_S = 300
MAX_WARNING = 1000  # characters of a one-line message


def save_png(pixmap, path) -> None:
    """A QPixmap as PNG at `path`, atomically; OSError if Qt cannot write it."""
    def write(temp: str) -> None:
        if not pixmap.save(temp, "PNG"):
            raise OSError("Qt could not write the PNG (is the disk full?)")
    save_atomic(path, write)


def run_paced(window, target: int) -> None:
    """Train at the window's speed to step `target` exactly; a paced shot takes a while, so at the window's
    first frame it says once, on stdout, that it is on its way."""
    said: list[bool] = []

    def on_frame(_frame) -> None:
        if not said:
            said.append(True)
            print(f"screenshot: the window is training to step {target:,} at its speed; the PNG is saved then",
                  flush=True)
    window.frame_drawn.connect(on_frame)
    window.commands.run_until(target)


def take_screenshot(app, window, path, steps: int, start: int = 0, paced: bool = False, ready=None,
                    settle_ms: int = 200) -> int | None:
    """Train `steps` steps from step `start`, let the views draw that frame, save the window as PNG.

    `paced`: train at the window's speed (as --speed asked) and stop exactly there (run_paced); else at once.
    `ready(frame)`: wait for the frame it accepts instead (the caller set the training going); grab it later.
    """
    result: dict[str, int | None] = {"code": None}

    def finish(code: int, message: str = "") -> None:
        if message:
            print(f"filterlab: error: {for_terminal(message, MAX_WARNING)}", file=sys.stderr)
        result["code"] = code
        window.close()
        app.quit()

    def on_frame(frame):
        snap = frame.snapshot
        done = ready(frame) if ready else snap.step >= start + steps or frame.finished  # set: epochs
        if (done or snap.diverged) and result["code"] is None:
            result["code"] = 1 if snap.diverged else 0
            if snap.diverged:
                print(f"warning: {for_terminal(snap.diverged, MAX_WARNING)}", file=sys.stderr)
            QTimer.singleShot(settle_ms, grab)

    def grab():
        try:
            save_png(window.grab(), path)
        except OSError as error:
            finish(EXIT_USAGE, f"cannot save the screenshot {shown(path)}: {os_reason(error)}")
            return
        finish(result["code"] or 0)  # set by on_frame, which scheduled this grab: 1 when training diverged

    def on_stopped(message: str) -> None:
        if result["code"] is None:
            finish(EXIT_USAGE, message)

    def give_up():
        if result["code"] is None:
            finish(1, f"training did not reach step {start + steps} in {SCREENSHOT_TIMEOUT_S} s")

    window.frame_drawn.connect(on_frame)
    window.training_stopped.connect(on_stopped)
    if window.stopped_message:  # it came before we listened
        QTimer.singleShot(0, lambda: on_stopped(window.stopped_message or ""))
    if ready is None:  # else the caller has set the training going
        run_paced(window, start + steps) if paced else window.commands.train(steps)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, give_up)
    app.exec()
    return result["code"]  # None: the app quit before a frame or an error (a signal ended it)
