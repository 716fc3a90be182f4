"""The speed menu, driven with the keyboard as a person would, gives the speed it names, in every window;
the default lesson pace plays the change from noise to digit slowly enough to see."""
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
from filterlab.gui.worker.pace import FixedSpeed, FullSpeed, TimeLapse

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


def pace_of(window):
    """The pace the training thread trains at (gui/worker/pace.py): what the speed menu sets."""
    return window.worker.loop.pace


def opened(qtbot, window):
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.snapshot.step > 0, timeout=30_000)
    return window


@pytest.mark.parametrize("kind", WINDOWS)
def test_the_speed_menu_gives_the_speed_it_names_in_every_window(qtbot, digit, kind):
    """The menu, driven with the keyboard, sets the training thread's pace (how a pace paces the steps is
    tested on the loop's own clock: tests/gui/worker/test_loop.py); training goes on at it."""
    window = opened(qtbot, WINDOWS[kind](digit))
    choose(qtbot, window.run.speed, "10 steps/s")
    qtbot.waitUntil(lambda: isinstance(pace_of(window), FixedSpeed) and pace_of(window).steps_per_second == 10,
                    timeout=10_000)
    qtbot.waitUntil(lambda: "10 steps/s" in window.status_rate.title(), timeout=10_000)
    choose(qtbot, window.run.speed, "as fast as possible")
    qtbot.waitUntil(lambda: isinstance(pace_of(window), FullSpeed), timeout=10_000)
    before = window.worker.experiment.step_count
    qtbot.waitUntil(lambda: window.worker.experiment.step_count > before, timeout=10_000)
    window.close()


def test_the_window_opens_at_the_lesson_pace(qtbot, digit):
    """Defaults, as launched: the time-lapse (what it plays is tested on the loop's clock)."""
    window = DigitWindow(DigitSpec(Config(), *digit))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.frame is not None, timeout=30_000)
    assert isinstance(pace_of(window), TimeLapse)
    qtbot.waitUntil(lambda: "lesson pace" in window.status_rate.title(), timeout=10_000)
    window.close()


def test_a_speed_given_on_the_command_line_is_the_windows_speed(qtbot, digit):
    window = opened(qtbot, DigitWindow(DigitSpec(Config(filters=3), *digit), speed=20))
    assert window.run.speed.currentText() == "20 steps/s"
    assert isinstance(pace_of(window), FixedSpeed) and pace_of(window).steps_per_second == 20
    window.close()
