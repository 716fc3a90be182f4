"""The text under each tile of a grid: its number, and what it is compared with.

Plain Qt text items paint in C++; pyqtgraph's TextItem would run Python per label per
frame, which 64 labels at 60 Hz make costly. A label is set again only when its text
changes, and fitted to the tile's pitch on screen (zoomed, or 64 small tiles).
"""
from __future__ import annotations

from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QApplication

from filterlab.gui.views.style import filter_color
from filterlab.gui.views.tiling import label_font, reuse_labels


class TileLabels:
    """One text item under each tile of `view`, in its filter's colour."""

    def __init__(self, view, widget):
        self.view = view
        self._widget = widget  # whose font the labels follow
        self._pool: list = []  # every text item made so far
        self.items: list = []  # the ones in use
        self.texts: list[str] = []
        self.compact = False  # without "cos" when a tile is too narrow for it

    def make(self, slots, k: int) -> None:
        """Labels under tiles at `slots` (top, left) of size k (items made once and kept: tiling.reuse_labels)."""
        count = len(slots)
        font = QApplication.font(self._widget)
        font.setPointSizeF(font.pointSizeF() * (1.0 if count <= 16 else 0.8))
        self.items = reuse_labels(self.view, self._pool, count)
        for index, (item, (top, left)) in enumerate(zip(self.items, slots)):
            item.setFont(font)
            item.setBrush(filter_color(index, count))  # the same colour as its similarity curve
            item.setPos(left + k / 2, top + k)
        self.texts = [""] * count

    def fit(self, room: float) -> None:
        """As large as the window's text, but never wider than `room` px: "#1 cos +0.85", then
        "#1 +0.85", then a smaller font."""
        font, self.compact = label_font(QApplication.font(self._widget), room, many=len(self.items) > 16)
        for item in self.items:
            item.setFont(font)
        self.texts = [""] * len(self.items)  # set again, centred in the new size

    def show(self, texts) -> None:
        """Set the labels whose text changed, centred under their tiles."""
        for index, (item, text) in enumerate(zip(self.items, texts)):
            if text != self.texts[index]:
                self.texts[index] = text
                item.setText(text)
                item.setTransform(QTransform.fromTranslate(-item.boundingRect().width() / 2, 1))
