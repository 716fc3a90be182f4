"""A title that never cuts itself off: elided to the width it has, the full text in its tooltip.

A view's title names what it shows; squeezed onto a small screen a plain label is cut
mid-word with no way to read the rest. This one ends in "…" and shows the whole title on
hover, and asks for no more width than one character.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy


class TitleLabel(QLabel):
    def __init__(self, text: str = "", bold: bool = True, parent=None):
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        self.set_title(text)

    def set_title(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self._elide()

    def title(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:
        """The whole title's width (a layout that honours hints gives it room to show it all)."""
        return QSize(QFontMetrics(self.font()).horizontalAdvance(self._full) + 6, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(QFontMetrics(self.font()).horizontalAdvance("…") * 2, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        self._elide()  # a new font (presenter zoom) needs a new cut

    def _elide(self) -> None:
        shown = QFontMetrics(self.font()).elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width(), 1))
        if shown != self.text():
            self.setText(shown)
        self.setToolTip(self._full if shown != self._full else "")
