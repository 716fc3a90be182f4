"""A transparent layer over a grid of filters that turns mouse drags into brush strokes on one tile.

It claims the left button only while painting is on, so the grid's clicks (select a
filter) and hover (the weight probe) work as before otherwise. A stroke belongs to the
tile it started on; its segments are handed on in that tile's own coordinates.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

LEFT = Qt.MouseButton.LeftButton


class PaintLayer(pg.ImageItem):
    """on_segment(tile, p0, p1) for each bit of a drag; on_done(tile) when it is released."""

    def __init__(self, grid, on_segment, on_done):
        super().__init__(axisOrder="row-major")
        self._grid = grid  # its tile_at(x, y) -> (tile, row, col) or None, and its slots (top, left)
        self._on_segment, self._on_done = on_segment, on_done
        self._tile = None
        self.setZValue(20)
        self.setVisible(False)

    def cover(self, height: int, width: int) -> None:
        """Lie over the whole tiled image (transparent)."""
        self.setImage(np.zeros((height, width, 4), np.uint8), autoLevels=False, levels=(0, 255))

    def hoverEvent(self, ev):
        if not ev.isExit():
            ev.acceptDrags(LEFT)
            ev.acceptClicks(LEFT)

    def mouseDragEvent(self, ev):
        if ev.button() != LEFT:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            start = ev.buttonDownPos()
            found = self._grid.tile_at(start.x(), start.y())
            self._tile = None if found is None else found[0]
        if self._tile is not None:
            self._on_segment(self._tile, self._local(ev.lastPos()), self._local(ev.pos()))
            if ev.isFinish():
                self._on_done(self._tile)
                self._tile = None

    def mouseClickEvent(self, ev):
        if ev.button() != LEFT:
            ev.ignore()
            return
        found = self._grid.tile_at(ev.pos().x(), ev.pos().y())
        if found is None:
            ev.ignore()
            return
        ev.accept()
        point = self._local_to(found[0], ev.pos())
        self._on_segment(found[0], point, point)
        self._on_done(found[0])

    def _local(self, pos):
        return self._local_to(self._tile, pos)

    def _local_to(self, index: int, pos) -> tuple[float, float]:
        """A point of the tiled image in tile `index`'s own pixel coordinates (x, y)."""
        top, left = self._grid.slots[index]
        return float(pos.x() - left), float(pos.y() - top)
