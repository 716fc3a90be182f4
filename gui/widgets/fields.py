"""Number fields that report once editing is finished (no keyboard tracking), and the wheel rule of
every field in every window (wheel_only_when_focused, applied by the window base: gui/windows/base.py).

Typing "64" into a field should rebuild the model once, not for "6" and then "64".
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QScrollBar,
    QSpinBox,
    QWidget,
)


def double_field(value: float, low: float, high: float, decimals: int, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setValue(value)
    box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


def int_field(value: int, low: int, high: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return box


FIELDS = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelOnlyWhenFocused(QObject):
    """Fields take the mouse wheel only once clicked or tabbed into (the usual Qt convention for
    panels that scroll): over a field that does not have the focus, the wheel scrolls the panel
    under it instead. Scrolling the control panel at 1024x768 had changed the learning rate live."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            event.ignore()  # on to the parent, whatever it does with a wheel
        else:
            QApplication.sendEvent(area.viewport(), event)  # the panel under the field scrolls
            event.accept()
        return True


def wheel_only_when_focused(root: QWidget) -> None:
    """Every field in `root` (a window), now: the wheel neither gives it the focus nor changes it unfocused."""
    guard = root.findChild(WheelOnlyWhenFocused) or WheelOnlyWhenFocused(root)
    for kind in FIELDS:
        for field in root.findChildren(kind):
            if isinstance(field, QScrollBar):
                continue
            if field.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            field.removeEventFilter(guard)
            field.installEventFilter(guard)
