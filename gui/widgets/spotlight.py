"""A frame drawn around the views a lesson step talks about, so a class knows where to look.

A transparent layer over the whole window, blind to the mouse, that paints a thick
rounded frame around each target widget. It follows its targets as they move or resize
(splitters, a full-screen switch) through an event filter.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

COLOUR = QColor(230, 150, 0)
WIDTH = 4


class Spotlight(QWidget):
    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.targets: list[QWidget] = []
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.hide()

    def show_on(self, targets) -> None:
        """Frame these widgets (an empty list: none)."""
        for old in self.targets:
            old.removeEventFilter(self)
        self.targets = [t for t in targets if t is not None]
        for target in self.targets:
            target.installEventFilter(self)
        self.setVisible(bool(self.targets))
        self.raise_()
        self.update()

    def frames(self) -> list[QRect]:
        """Where the frames are, in the window's coordinates (visible targets only)."""
        out: list[QRect] = []
        window = self.parentWidget()
        assert window is not None  # made on a window
        for target in self.targets:
            if target.isVisible():
                top_left = target.mapTo(window, target.rect().topLeft())
                out.append(QRect(top_left, target.size()).adjusted(1, 1, -1, -1))
        return out

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.Hide):
            window = self.parentWidget()
            if window is not None and watched is window:
                self.setGeometry(window.rect())
            self.raise_()
            self.update()
        return False

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(COLOUR, WIDTH))
        for rect in self.frames():
            painter.drawRoundedRect(rect.adjusted(WIDTH // 2, WIDTH // 2, -WIDTH // 2, -WIDTH // 2), 8, 8)
