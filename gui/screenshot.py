"""`--screenshot PATH`: open the real window, train exactly N steps, save it as a PNG, exit."""
from __future__ import annotations

import sys

from PySide6.QtCore import QTimer

SCREENSHOT_TIMEOUT_S = 300


def take_screenshot(app, window, path, steps: int, start: int = 0, paced: bool = False) -> int:
    """Train `steps` steps from step `start`, let the views draw that frame, save the window as PNG.

    `paced`: train at the window's speed (as --speed asked) and stop exactly there; else at once.
    """
    result = {"code": None}

    def on_frame(frame):
        snap = frame.snapshot
        done = snap.step >= start + steps or getattr(snap, "finished", None)  # a set run stops at its epochs
        if (done or snap.diverged) and result["code"] is None:
            result["code"] = 0 if done else 1
            if snap.diverged:
                print(f"warning: {snap.diverged}", file=sys.stderr)
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
    if paced:
        window.commands.run_until(start + steps)
    else:
        window.commands.train(steps)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, give_up)
    app.exec()
    return result["code"]
