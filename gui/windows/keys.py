"""The window's keys work whatever has the focus; Enter in a field commits it and hands them back.

A number field that has the focus claims every printable key before the window's
shortcuts see it (Qt's ShortcutOverride), so after typing a learning rate, Space and R
did nothing until the window was clicked. The router watches the window's fields only
(not the whole application: no cost per event elsewhere): a key a number field cannot
take as input (a letter, Space) goes to the shortcut; Enter or Escape commits or reverts
the field and takes the focus out of it, so the digits 0-9 pick the label again.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QWidget

LEAVE = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class KeyRouter(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.watched: list = []

    def watch(self) -> None:
        """Watch every number field of the window (call once its widgets exist)."""
        for field in self.window.findChildren(QAbstractSpinBox):
            if field not in self.watched:
                field.installEventFilter(self)
                field.lineEdit().installEventFilter(self)
                self.watched.append(field)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            return not _is_input(event)  # True: the field does not claim it, the shortcut fires
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in LEAVE:
            field = watched.parent() if isinstance(watched, QLineEdit) else watched
            if isinstance(field, QWidget):  # always: the watched fields and their line edits
                QTimer.singleShot(0, field.clearFocus)  # after the field has committed (or reverted)
        return False


def _is_input(event) -> bool:
    """Whether a number field takes this key: digits, signs, a decimal point, editing keys."""
    if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
        return False
    text = event.text()
    if text and text.isprintable():
        return text in "0123456789.,-+"
    return event.key() not in (Qt.Key.Key_F1, Qt.Key.Key_F11)
