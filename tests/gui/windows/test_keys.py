"""Every key works after every field: type into a field, press Enter, and Space, S, R, 0-9 act again."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from filterlab.engine.data import bundled_index

TIMEOUT = 20_000

FIELDS = {  # field -> (text typed, the value it must commit)
    "lr": ("0.002", 0.002),
    "momentum": ("0.5", 0.5),
    "weight_decay": ("0.0001", 0.0001),
    "init_value": ("0.02", 0.02),
    "filters": ("4", 4),
    "kernel": ("27", 27),
    "label": ("2", 2),
    "sample": ("123", 123),
}


def field_of(window, name):
    return getattr(window.source, name) if name in ("label", "sample") else getattr(window.controls, name)


def press(qtbot, window, key):
    """A key as the keyboard sends it: to the widget with the focus (or the window)."""
    QTest.keyClick(QApplication.focusWidget() or window, key)
    qtbot.wait(30)


def frame_where(qtbot, window, condition):
    qtbot.waitUntil(lambda: window.frame is not None and condition(window.frame), timeout=TIMEOUT)
    return window.frame


def shows(snap, name, value) -> bool:
    """The snapshot is of the engine with `name` at `value` (the digit, for the label and the sample)."""
    if name == "label":
        return snap.label == value
    if name == "sample":
        return np.array_equal(snap.image, bundled_index(value)[0])
    return getattr(snap.config, name) == pytest.approx(value)


def test_after_typing_into_a_field_and_enter_every_key_works(qtbot, paused_window):
    """Every field in turn, in one window, as a person goes from one to the next (each field ends paused)."""
    window = paused_window()
    window.activateWindow()
    for name in FIELDS:
        type_into_then_press_keys(qtbot, window, name)


def type_into_then_press_keys(qtbot, window, name):
    field = field_of(window, name)
    text, value = FIELDS[name]
    qtbot.mouseClick(field.lineEdit(), Qt.MouseButton.LeftButton)
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), text)
    press(qtbot, window, Qt.Key.Key_Return)
    assert field.value() == pytest.approx(value)
    qtbot.waitUntil(lambda: not field.hasFocus(), timeout=2_000)  # Enter handed the keys back
    # the change has reached the training (a new shape rebuilds the model): a frame shows it, however long it took
    step = frame_where(qtbot, window, lambda f: not f.running and shows(f.snapshot, name, value)).snapshot.step
    press(qtbot, window, Qt.Key.Key_S)
    frame_where(qtbot, window, lambda f: f.snapshot.step == step + 1 and not f.running)
    press(qtbot, window, Qt.Key.Key_7)
    assert window.source.label.value() == 7
    frame_where(qtbot, window, lambda f: f.snapshot.label == 7)
    press(qtbot, window, Qt.Key.Key_Space)
    frame_where(qtbot, window, lambda f: f.running)
    seed = window.run.seed.text()
    press(qtbot, window, Qt.Key.Key_R)
    assert window.run.seed.text() != seed
    press(qtbot, window, Qt.Key.Key_Space)
    frame_where(qtbot, window, lambda f: not f.running)


def test_letters_and_space_reach_the_app_even_while_a_field_is_being_edited(qtbot, paused_window):
    window = paused_window()
    window.activateWindow()
    field = window.controls.lr
    qtbot.mouseClick(field.lineEdit(), Qt.MouseButton.LeftButton)
    assert field.hasFocus()
    step = window.frame.snapshot.step
    press(qtbot, window, Qt.Key.Key_S)
    frame_where(qtbot, window, lambda f: f.snapshot.step == step + 1)
    assert field.hasFocus() and "s" not in field.lineEdit().text().lower()
    press(qtbot, window, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: window.source.canvas.is_blank(), timeout=TIMEOUT)
    press(qtbot, window, Qt.Key.Key_F)
    frame_where(qtbot, window, lambda f: f.snapshot.step > step + 1000)
    press(qtbot, window, Qt.Key.Key_Space)
    field.lineEdit().selectAll()
    press(qtbot, window, Qt.Key.Key_3)  # a digit in a number field is typing, not the label
    assert field.lineEdit().text() == "3" and window.source.label.value() == 4
