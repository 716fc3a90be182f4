"""Each filter's cosine similarity to the digit over training: the effect, as a number.

Curves start near 0 (random filters look like nothing) and climb towards +1 (the digit)
or -1 (its negative), one colour per filter, the same colour as its label in the grid.
The curves change only when the record gains a frame, so a draw without one costs
nothing; the steps axis runs to the next round number instead of autoranging.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.style import filter_color, fixed_plot, growing_end
from filterlab.gui.widgets.title_label import TitleLabel


class SimilarityPlot(SnapshotView):
    max_hz = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = fixed_plot()
        self.plot.setYRange(-1.05, 1.05, padding=0)
        self.plot.getAxis("left").setTicks([[(-1.0, "−1"), (0.0, "0"), (1.0, "+1")], [(-0.5, ""), (0.5, "")]])
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "cosine to the digit")
        self.title = TitleLabel("similarity of each filter to the digit (+1 the digit, −1 its negative)")
        self.plot.getViewBox().setLimits(minXRange=10)
        self.plot.getViewBox().disableAutoRange()
        self.plot.setXRange(0, 10, padding=0.01)
        self._end = 10.0  # the right end of the steps axis
        self.legend = QLabel()  # the filters' names in their colours, above the plot: never over a curve
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        for value, text in ((1.0, "digit"), (-1.0, "negative digit"), (0.0, "")):
            line = pg.InfiniteLine(value, angle=0, pen=pg.mkPen((160, 160, 160), style=Qt.PenStyle.DashLine))
            self.plot.addItem(line)
            if text:
                label = pg.TextItem(text, color=(120, 120, 120), anchor=(0, 1 if value > 0 else 0))
                label.setPos(0, value)
                self.plot.addItem(label)
        self.lines = CurveSet()
        self.plot.addItem(self.lines)
        self.curves: list[Curve] = []  # one per filter: what the plot shows
        self._last = None
        self._pens: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot)
        self.setToolTip("Cosine similarity of each filter to the training digit at every recorded step. "
                        "Colours match the labels under the filters.")

    def recolour(self) -> None:
        """Curves and names in the palette in use."""
        self._pens = []
        if self._last is not None:
            self.draw(self._last)

    def draw(self, snapshot: Snapshot) -> None:
        previous, self._last = self._last, snapshot
        curves = snapshot.cosine_history
        count = snapshot.filters.shape[0]
        if len(self._pens) != count:
            self._pens = [pg.mkPen(filter_color(i, count), width=2 if count <= 16 else 1) for i in range(count)]
            self._name_filters(count)
        elif previous is not None and self.curves and np.array_equal(snapshot.cosine_steps, previous.cosine_steps) \
                and np.array_equal(curves, previous.cosine_history):
            return  # no new frame in the record: the same curves
        steps = snapshot.cosine_steps
        self.curves = [Curve(steps, curves[:, i] if len(steps) else np.zeros(0)) for i in range(count)]
        self.lines.set_curves(self.curves, self._pens)
        end = growing_end(steps[-1]) if len(steps) else 10.0
        if end != self._end:
            self._end = end
            self.plot.setXRange(0, end, padding=0.01)

    def _name_filters(self, count: int) -> None:
        """#1..#F in the colours of the grid's labels (up to 16 filters; more would be a wall of names)."""
        names = [f"<span style='color:{filter_color(i, count).name()}'>━ #{i + 1}</span>" for i in range(count)]
        self.legend.setText(" &nbsp;".join(names) if count <= 16 else "one colour per filter, as under the filters")


class Curve:
    """One filter's curve: the data it shows."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x, self.y = x, y

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x, self.y


class CurveSet(pg.GraphicsObject):
    """Every filter's curve in one item, each with its own pen.

    One PlotCurveItem per filter worked out its bounds and on-screen pixel size again on
    every frame: at 64 filters ~20 ms a paint, and 60 ms to make the items when the number
    of filters changed. One item has one bounding box and paints ready-made paths.
    """

    def __init__(self):
        super().__init__()
        self._paths, self._pens, self._rect = [], [], QRectF()

    def set_curves(self, curves: list[Curve], pens: list) -> None:
        self.prepareGeometryChange()
        self._paths = [pg.arrayToQPath(np.asarray(c.x, float), np.asarray(c.y, float), connect="finite")
                       for c in curves if len(c.x)]
        self._pens = pens
        self._rect = QRectF()
        if curves and len(curves[0].x):
            left, right = float(curves[0].x[0]), float(curves[0].x[-1])
            right = max(right, left + 10)  # a fresh run: steps 0-10, not a range around one point
            pad = (right - left) * 0.01
            self._rect = QRectF(left - pad, -1.05, right - left + 2 * pad, 2.1)
        self.informViewBoundsChanged()
        self.update()

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        """What the plot's autorange asks: the steps across, the cosine range up."""
        if self._rect.isNull():
            return None, None
        return (self._rect.left(), self._rect.right()) if axis == 0 else (-1.0, 1.0)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, *args) -> None:
        for path, pen in zip(self._paths, self._pens):
            painter.setPen(pen)
            painter.drawPath(path)
