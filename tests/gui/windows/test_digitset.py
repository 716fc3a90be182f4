"""Many digits in the window: minibatches, test accuracy in the status bar, no canvas."""
from filterlab.engine.core.config import Config
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.spec import SetSpec
from filterlab.gui.widgets.digit_source import DigitSource
from filterlab.gui.windows.digitset import SetWindow


def test_set_window_trains_and_reports_test_accuracy(qtbot):
    digits = bundled_set((3, 7))
    win = SetWindow(SetSpec(Config(filters=8), digits, batch_size=32), speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.frame is not None and len(win.frame.snapshot.epochs) >= 3, timeout=30_000)
    assert "test accuracy" in win.status_step.title()
    assert win.frame.snapshot.epochs[-1]["test_accuracy"] > 0.5
    assert not win.findChildren(DigitSource) and win.example.isVisible()  # no canvas: a test digit to look at
    assert win.curves is win.accuracy and win.accuracy.isVisible()
    assert "minibatch" in win.filters.why.text()
    win.close()


def test_one_digit_actions_are_off_in_a_set_run_and_training_goes_on(qtbot):
    """Digit keys, image and session files belong to one digit: a set run neither offers nor breaks on them."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMenu

    win = SetWindow(SetSpec(Config(filters=4), bundled_set((3, 7)), batch_size=32, epochs=500), speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step > 0, timeout=30_000)
    shown = win.frame.snapshot.example, win.frame.snapshot.label
    for key in (Qt.Key.Key_7, Qt.Key.Key_2, Qt.Key.Key_C):
        qtbot.keyClick(win, key)
    assert not win.findChildren(DigitSource)  # no digit to label or canvas to clear
    menus = [action.text() for menu in win.menuBar().findChildren(QMenu) for action in menu.actions()]
    assert "Export filters forming (GIF, MP4)…" in menus
    assert not set(menus) & {"Open image…", "Open session…", "Save session…", "Lesson"}  # not offered at all
    assert all(win.menu_actions[name].isEnabled() for name in ("Export as Python script…", "Export as notebook…"))
    controls = win.controls
    assert not any(c.isEnabled() for c in (controls.raw_pixels, controls.original, controls.article))  # one digit's
    step = win.frame.snapshot.step
    qtbot.waitUntil(lambda: win.frame.snapshot.step > step + 20, timeout=20_000)
    assert (win.frame.snapshot.example, win.frame.snapshot.label) == shown  # the test digit shown is as it was
    assert win.frame.running and "stopped" not in win.statusBar().currentMessage()
    win.close()
