"""A drawn digit asks for its label (the label box lit, the status bar saying what it trains as) and plays the
lesson's time-lapse again, so the filters' re-forming can be watched."""
from PySide6.QtCore import Qt

from filterlab.engine.core.config import Config
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.widgets.digit_source import ASKING
from filterlab.gui.windows.digit import DigitWindow
from filterlab.gui.windows.network import SKIP_STEPS
from filterlab.gui.worker.pace import LESSON


def test_a_drawing_asks_for_its_label_and_a_digit_key_answers(qtbot, window, wait_frame, mouse):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    label = window.source.label
    assert label.value() == 4 and label.styleSheet() == ""
    window.source.canvas.clear()
    mouse.drag(window.source.canvas, mouse.LEFT, (8, 6), (20, 6))  # a 7's bar...
    mouse.drag(window.source.canvas, mouse.LEFT, (20, 6), (12, 24))  # ...and its stem
    assert window.source.asking and label.styleSheet() == ASKING
    assert window.statusBar().currentMessage().startswith("your drawing trains as a 4: press the digit you drew")
    qtbot.keyClick(window, "7")
    assert label.value() == 7 and not window.source.asking and label.styleSheet() == ""
    assert window.statusBar().currentMessage() == "your drawing trains as a 7"
    frame = wait_frame(window, lambda f: f.snapshot.label == 7 and f.snapshot.image.max() > 0)
    assert frame.snapshot.label == 7


def test_the_same_digit_key_answers_too_and_a_sample_is_not_asked_about(qtbot, window, wait_frame, mouse):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    mouse.drag(window.source.canvas, mouse.LEFT, (14, 4), (14, 24))
    assert window.source.asking
    qtbot.keyClick(window, "4")  # yes, it is a 4
    assert not window.source.asking and window.statusBar().currentMessage() == "your drawing trains as a 4"
    window.source.sample.setValue(700)  # a bundled 7: its label is known
    assert not window.source.asking and window.source.label.value() == 7


def test_a_new_digit_plays_the_lesson_pace_again(qtbot, digit, wait_frame, mouse):
    window = DigitWindow(DigitSpec(Config(filters=2), *digit), running=False, speed=LESSON)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_frame(window, lambda f: f.snapshot.step == 0)
    qtbot.mouseClick(window.skip, Qt.MouseButton.LeftButton)  # far past the time-lapse: full speed from here
    wait_frame(window, lambda f: f.snapshot.step >= SKIP_STEPS)
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    wait_frame(window, lambda f: f.running and "as fast as possible" in f.pace)
    mouse.drag(window.source.canvas, mouse.LEFT, (14, 4), (14, 24))
    frame = wait_frame(window, lambda f: f.running and "steps/s and rising" in f.pace)
    assert frame.snapshot.step > SKIP_STEPS  # not a reset: the time-lapse counts from the new digit's step
    window.close()
