"""`--lesson … --lesson-step N --screenshot shot.png`: one lesson step as a picture, for handouts and checks.

The step has been entered (gui/app.py opens the lesson at it). A step that trains N steps is shot once it
has; a step that keeps training is paused and trained `steps` steps (--steps, default RUNNING_STEPS) so the
picture is the same every time; the words are given time to show the numbers of that frame.
"""
from __future__ import annotations

from typing import Optional

from filterlab.gui.lesson.panel import TEXT_HZ
from filterlab.gui.screenshot import take_screenshot

RUNNING_STEPS = 100


def screenshot_lesson_step(app, window, path, steps: Optional[int] = None) -> int | None:
    step = window.lesson.steps[window.lesson.index].source
    if step.running:
        window.run.set_paused(True)
        window.commands.pause()
        window.commands.train(RUNNING_STEPS if steps is None else steps)
    sent = window.commands.sent
    return take_screenshot(app, window, path, 0, ready=lambda frame: frame.applied >= sent and not frame.running,
                           settle_ms=int(1000 / TEXT_HZ) + 300)
