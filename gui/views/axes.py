"""Axes that keep the pictures they drew: a range they showed before is not laid out again.

pyqtgraph draws an axis into a QPicture and throws it away whenever the range, the size or
the style changes; making a new one (tick values, their text, the text's size) takes 2-5 ms
of Python. The window's axes go back and forth between a few ranges: the live record and a
recorded step, one shape and another, a colour limit and the next. So each axis keeps its
last few pictures by everything the picture is drawn from, and plays a kept one back.
"""
from __future__ import annotations

from collections import OrderedDict

import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication

KEPT = 6  # pictures per axis


class CachedAxis(pg.AxisItem):
    """A pg.AxisItem that keeps its last KEPT pictures (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pictures: OrderedDict = OrderedDict()

    def picture_key(self) -> tuple:
        """Everything generateDrawSpecs and drawPicture read."""
        size = self.size()
        pens = tuple((pen.color().rgba(), pen.widthF(), pen.style()) for pen in (self.pen(), self.textPen(),
                                                                                 self.tickPen()))
        font = self.style.get("tickFont")
        return (tuple(self.range), size.width(), size.height(), self.logMode, self.grid, self.scale,
                self.autoSIPrefixScale, repr(sorted((k, v) for k, v in self.style.items() if k != "tickFont")),
                font.toString() if font is not None else None, pens, repr(self._tickLevels),
                repr(getattr(self, "_tickSpacing", None)), getattr(self, "_tickDensity", None),
                self.labelText, self.labelUnits, QGuiApplication.font().toString())

    def paint(self, painter, *args) -> None:
        key = None
        if self.picture is None:  # pyqtgraph threw its picture away: one kept for the same inputs will do
            try:
                key = self.picture_key()
            except Exception:  # an exception in a paint Qt calls ends the process: draw it afresh instead
                key = None
            if key is not None and key in self._pictures:
                self.picture = self._pictures[key]
        super().paint(painter, *args)
        if key is not None:
            self._pictures[key] = self.picture
            self._pictures.move_to_end(key)
            while len(self._pictures) > KEPT:
                self._pictures.popitem(last=False)


def cached_axes() -> dict:
    """axisItems for a pg.PlotWidget: CachedAxis on the two sides that show values."""
    return {side: CachedAxis(side) for side in ("left", "bottom")}

