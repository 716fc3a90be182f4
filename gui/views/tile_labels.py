"""The text under each tile of a filter grid: its number and what is measured of it, fitted to the tile.

Plain Qt text items paint in C++; pyqtgraph's TextItem would run Python per label per
frame, which 64 labels at 60 Hz make costly. Each label keeps the size of the window's
text while it fits the tile's pitch: the full text ("#1 cos +0.85"), then the compact one
("#1 +0.85"), then a smaller font (gui/views/tiling.py, label_font).
"""
from __future__ import annotations

from PySide6.QtGui import QFont, QTransform
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from filterlab.gui.views.style import filter_color
from filterlab.gui.views.tiling import label_font, reuse_labels

SAMPLES = ("#00 cos -0.00", "#00 -0.00")  # the widest full and compact labels of a filter grid


class TileLabels:
    """One text item under each tile of `view` (a pyqtgraph ViewBox)."""

    def __init__(self, view, samples: tuple[str, str] = SAMPLES):
        self.view, self.samples = view, samples
        self._pool: list[QGraphicsSimpleTextItem] = []  # every item made so far
        self.items: list[QGraphicsSimpleTextItem] = []  # the ones in use
        self.texts: list[str] = []
        self.compact = False  # the compact text: the full one does not fit a tile

    def make(self, slots, k: int, font: QFont) -> None:
        """Labels centred under the tiles at `slots` (top, left), each in its filter's colour; the items are
        made once and kept (gui/views/tiling.py, reuse_labels)."""
        self.items = reuse_labels(self.view, self._pool, len(slots))
        for index, (item, (top, left)) in enumerate(zip(self.items, slots)):
            item.setFont(font)
            item.setBrush(filter_color(index, len(slots)))  # the same colour as its similarity curve
            item.setPos(left + k / 2, top + k)
        self.texts = [""] * len(slots)

    def fit(self, font: QFont, room: float) -> None:
        """The window's text size, or less, so a label is never wider than `room` pixels."""
        font, self.compact = label_font(font, room, many=len(self.items) > 16, samples=self.samples)
        for item in self.items:
            item.setFont(font)
        self.texts = [""] * len(self.items)  # set again, centred in the new size

    def show(self, texts) -> None:
        """Each label's text, centred under its tile (only those that changed are set)."""
        for index, (item, text) in enumerate(zip(self.items, texts)):
            if text != self.texts[index]:
                self.texts[index] = text
                item.setText(text)
                item.setTransform(QTransform.fromTranslate(-item.boundingRect().width() / 2, 1))
