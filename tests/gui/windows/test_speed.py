"""The speed menu, driven with the keyboard as a person would, gives the speed it names, in every window;
the default lesson pace plays the change from noise to digit slowly enough to see."""
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.config import Config
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.spec import SetSpec
from filterlab.engine.lab1d.spec import Lab1DSpec
from filterlab.gui.windows.comparison import ComparisonWindow
from filterlab.gui.windows.digit import DigitWindow
from filterlab.gui.windows.digitset import SetWindow
from filterlab.gui.windows.lab1d import Lab1DWindow

WINDOWS = {
    "digit": lambda digit: DigitWindow(DigitSpec(Config(filters=3), *digit), speed=0),
    "set": lambda digit: SetWindow(SetSpec(Config(filters=3), bundled_set((3, 7)), batch_size=16, epochs=500),
                                   speed=0),
    "comparison": lambda digit: ComparisonWindow(
        ComparisonSpec((("seed=1", Config(seed=1)), ("seed=2", Config(seed=2))), *digit), speed=0),
    "lab1d": lambda digit: Lab1DWindow(Lab1DSpec(), speed=0),
}


def choose(qtbot, combo, text: str) -> None:
    """Pick an item of a closed combo box with the arrow keys, as a person with a keyboard does."""
    target = combo.findText(text)
    assert target >= 0, text
    combo.setFocus()
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up)


def rate_over(qtbot, window, seconds: float) -> float:
    """Steps per second the training made over `seconds` of wall time (its own step counter: a drawn
    frame may lag behind on a loaded machine)."""
    experiment = window.worker.experiment
    start_step, start = experiment.step_count, time.perf_counter()
    qtbot.wait(int(seconds * 1000))
    return (experiment.step_count - start_step) / (time.perf_counter() - start)


def opened(qtbot, window):
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.snapshot.step > 0, timeout=30_000)
    return window


@pytest.mark.parametrize("kind", WINDOWS)
def test_the_speed_menu_gives_the_speed_it_names_in_every_window(qtbot, digit, kind):
    window = opened(qtbot, WINDOWS[kind](digit))
    choose(qtbot, window.run.speed, "10 steps/s")
    qtbot.wait(300)
    assert 5 <= rate_over(qtbot, window, 2.0) <= 20
    assert "10 steps/s" in window.status_rate.title()
    choose(qtbot, window.run.speed, "as fast as possible")
    qtbot.wait(300)
    assert rate_over(qtbot, window, 1.0) > 40  # far above the 10 steps/s just chosen
    window.close()


def test_the_lesson_pace_shows_the_change_slowly_then_goes_full_speed(qtbot, digit):
    """Defaults, as launched: 5 filters of 28x28 on the bundled 4, at the lesson pace."""
    window = DigitWindow(DigitSpec(Config(), *digit))
    qtbot.addWidget(window)
    frames = []
    window.frame_drawn.connect(lambda frame: frames.append((time.perf_counter(), frame)))
    window.show()
    qtbot.waitUntil(lambda: bool(frames), timeout=30_000)
    first = frames[0][0]
    qtbot.wait(2500)
    early = [frame for when, frame in frames if when - first <= 2.0]
    assert len(early) >= 5
    assert max(float(np.abs(f.snapshot.cosine).mean()) for f in early) < 0.5
    assert early[-1].snapshot.step >= 3  # it does move: single steps, visibly
    assert "lesson pace" in window.status_rate.title()
    qtbot.waitUntil(lambda: "as fast as possible" in window.frame.pace, timeout=30_000)
    assert window.frame.snapshot.step >= 1000
    window.close()


def test_a_speed_given_on_the_command_line_is_the_windows_speed(qtbot, digit):
    window = opened(qtbot, DigitWindow(DigitSpec(Config(filters=3), *digit), speed=20))
    assert window.run.speed.currentText() == "20 steps/s"
    assert 10 <= rate_over(qtbot, window, 2.0) <= 30
    window.close()
