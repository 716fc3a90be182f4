"""Widgets that give way to a narrow column: a button whose text wraps, a column that hides when empty.

A QPushButton draws its text on one line and asks for all of it: a long link in the lesson
("Pixels 0-255, as the article's script read them") forced a horizontal scroll bar on a
1280x720 screen. WrappingButton wraps its text over as many lines as its width needs.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

PAD = 6  # px between the button's frame and its text


class WrappingButton(QPushButton):
    """A push button whose text wraps to the width it is given (its height follows)."""

    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(PAD, PAD, PAD, PAD)
        layout.addWidget(self.label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setToolTip(text)

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:
        self.label.setText(text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = self.label.sizeHint()
        return QSize(hint.width() + 2 * PAD, hint.height() + 2 * PAD)

    def minimumSizeHint(self) -> QSize:
        return QSize(4 * PAD, self.heightForWidth(self.width()) if self.width() > 4 * PAD else self.sizeHint().height())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.label.heightForWidth(max(1, width - 2 * PAD)) + 2 * PAD

    def text_fits(self) -> bool:
        """Every word of the text is inside the button (tests: nothing cut off)."""
        return self.label.heightForWidth(self.label.width()) <= self.label.height() and \
            self.label.width() <= self.width() - 2 * PAD + 1


class SideColumn(QWidget):
    """Widgets one above the other; the column hides itself when none of them is shown, so a
    splitter gives its room to the others (and shows it again when one is)."""

    def __init__(self, *widgets: QWidget):
        super().__init__()
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(0)
        self.watched: list[QWidget] = []
        for widget in widgets:
            self.add(widget)

    def add(self, widget: QWidget, index: int = -1, stretch: int = 0) -> None:
        self.column.insertWidget(index, widget, stretch)
        self.watched.append(widget)
        widget.installEventFilter(self)
        self._follow()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self._follow()
        return False

    def _follow(self) -> None:
        shown = any(not widget.isHidden() for widget in self.watched)
        if shown and self.parentWidget() is None:
            return  # not placed yet: shown now, it would open as a window of its own
        self.setVisible(shown)
