"""Axes that keep the pictures they drew: a range they showed before is not laid out again.

pyqtgraph draws an axis into a QPicture and throws it away whenever the range, the size or
the style changes; making a new one (tick values, their text, the text's size) takes 2-5 ms
of Python. The window's axes go back and forth between a few ranges: the live record and a
recorded step, one shape and another, a colour limit and the next. So each axis keeps its
last few pictures by everything the picture is drawn from, and plays a kept one back.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication, QPicture

KEPT = 6  # pictures per axis


NICE = (1.0, 2.0, 5.0)  # tick spacings, times a power of ten


def tick_font(axis: pg.AxisItem) -> QFont:
    return axis.style.get("tickFont") or QGuiApplication.font()


def label_room(axis: pg.AxisItem, low: float, high: float) -> float:
    """Pixels two neighbouring tick labels need: the widest label's width and a gap (the height and a gap
    on a vertical axis; `lines_apart` heights on one that asks for it, a colour bar's). It grows with the
    font: presenter zoom gets fewer ticks, never overlapping ones."""
    metrics = QFontMetrics(tick_font(axis))
    if axis.orientation in ("left", "right"):
        return getattr(axis, "lines_apart", 1.8) * metrics.height()
    widest = max((f"{value:g}" for value in (low, high, (low + high) / 2)), key=len)
    return metrics.horizontalAdvance("−" + widest) + 2 * metrics.averageCharWidth()


def readable_spacing(axis: pg.AxisItem, low: float, high: float, size: float) -> list:
    """One level of ticks, spaced so that no two labels meet: the smallest spacing of 1, 2, 2.5 or 5 times
    a power of ten whose labels are `label_room` apart on screen (pyqtgraph always draws its top level's
    text, however crowded: at zoom 2.5 the step axis read "20000400006000080000")."""
    span = abs(high - low)
    if not (span > 0 and size > 0 and math.isfinite(span)):
        return pg.AxisItem.tickSpacing(axis, low, high, size)
    least = span * label_room(axis, low, high) / size  # the spacing, in axis units, that the labels need
    power = 10.0 ** math.floor(math.log10(least))
    spacing = next((m * power for m in NICE + (10.0,) if m * power >= least), 10 * power)
    return [(spacing, 0.0)]


def fit_axis_width(axis: pg.AxisItem, widest: str = "-0.000") -> None:
    """A vertical axis of fixed width (a colour bar's: pyqtgraph makes it 45 px and drops every number wider
    than that) as wide as its numbers in today's font."""
    metrics = QFontMetrics(tick_font(axis))
    axis.setWidth(metrics.horizontalAdvance(widest) + max(0, axis.style["tickLength"]) + metrics.averageCharWidth())


class CachedAxis(pg.AxisItem):
    """A pg.AxisItem that keeps its last KEPT pictures (see the module docstring), with ticks whose labels
    never meet (readable_spacing)."""

    picture: QPicture | None  # pyqtgraph's: the picture it drew last, None once it threw it away

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pictures: OrderedDict[tuple, QPicture | None] = OrderedDict()

    def tickSpacing(self, minVal, maxVal, size):
        if self._tickSpacing is not None:  # set by hand
            return super().tickSpacing(minVal, maxVal, size)
        return readable_spacing(self, minVal, maxVal, size)

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

