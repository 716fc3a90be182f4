"""The wheel over a field that does not have the focus scrolls the panel under it and changes nothing, in
every field of every window; once a field is clicked into, the wheel is its own again."""
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QScrollBar, QTabWidget

from .test_screens import WINDOWS

FIELDS = (QAbstractSpinBox, QComboBox, QAbstractSlider)


def value(field):
    if isinstance(field, QComboBox):
        return field.currentIndex()
    if isinstance(field, QAbstractSpinBox):
        return field.text()
    return field.value()


def wheel(field, notches: int) -> None:
    """Turn the wheel over the middle of `field` (a spin box's line edit leaves the wheel to the box: sent to
    the box here, as Qt propagates it; a posted event is not propagated)."""
    target, pos = field, QPointF(field.rect().center())
    for _ in range(abs(notches)):
        event = QWheelEvent(pos, QPointF(target.mapToGlobal(pos)), QPoint(), QPoint(0, 120 if notches > 0 else -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(target, event)


def fields(window):
    return [f for kind in FIELDS for f in window.findChildren(kind)
            if not isinstance(f, QScrollBar) and f.isVisible() and f.isEnabled()]


@pytest.mark.parametrize("kind", WINDOWS)
def test_the_wheel_over_an_unfocused_field_changes_nothing(qtbot, digit, kind):
    window = WINDOWS[kind](digit)
    qtbot.addWidget(window)
    window.show()
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.frame is not None, timeout=30_000)
    window.setFocus()
    pages = [(tabs, i) for tabs in window.findChildren(QTabWidget) for i in range(tabs.count())] or [(None, 0)]
    wheeled = 0
    for tabs, index in pages:
        if tabs is not None:
            tabs.setCurrentIndex(index)
        for field in fields(window):
            assert field.focusPolicy() != Qt.FocusPolicy.WheelFocus, field  # the wheel does not give it the focus
            before = value(field)
            wheel(field, 3)
            wheel(field, -5)
            assert value(field) == before, f"{type(field).__name__} {field.toolTip()[:40]!r}"
            wheeled += 1
    assert wheeled >= 3
    window.close()


def test_the_wheel_scrolls_the_control_panel_and_a_focused_field_takes_it(qtbot, digit):
    window = WINDOWS["digit"](digit)
    qtbot.addWidget(window)
    window.show()
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.frame is not None, timeout=30_000)
    lr, bar = window.controls.lr, window.control_panel.verticalScrollBar()
    assert bar.maximum() > 0  # the panel must scroll on this screen
    before = lr.value()
    wheel(lr, -3)
    assert lr.value() == before and bar.value() > 0  # it scrolled the panel instead
    qtbot.mouseClick(lr.lineEdit(), Qt.MouseButton.LeftButton)
    assert lr.hasFocus()
    wheel(lr, 1)
    assert lr.value() > before  # clicked into, the field is the wheel's
    window.close()
