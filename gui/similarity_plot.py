"""Each filter's cosine similarity to the digit over training: the effect, as a number.

Curves start near 0 (random filters look like nothing) and climb towards +1 (the digit)
or -1 (its negative), one colour per filter, the same colour as its label in the grid.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from engine.snapshot import Snapshot

from .base import SnapshotView
from .image_box import fixed_plot
from .colormaps import filter_color


class SimilarityPlot(SnapshotView):
    max_hz = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = fixed_plot()
        self.plot.setYRange(-1.05, 1.05, padding=0)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "cosine to the digit")
        self.plot.setTitle("similarity of each filter to the digit (+1 digit, -1 its negative)", color="k")
        for value, text in ((1.0, "digit"), (-1.0, "negative digit"), (0.0, "")):
            line = pg.InfiniteLine(value, angle=0, pen=pg.mkPen((160, 160, 160), style=Qt.PenStyle.DashLine))
            self.plot.addItem(line)
            if text:
                label = pg.TextItem(text, color=(120, 120, 120), anchor=(0, 1 if value > 0 else 0))
                label.setPos(0, value)
                self.plot.addItem(label)
        self.curves: list[pg.PlotCurveItem] = []  # one per filter, the first of _pool
        self._pool: list[pg.PlotCurveItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.setToolTip("Cosine similarity of each filter to the training digit at every recorded step. "
                        "Colours match the labels under the filters.")

    def draw(self, snapshot: Snapshot) -> None:
        curves = snapshot.cosine_history
        count = snapshot.filters.shape[0]
        if len(self.curves) != count:
            self._use_curves(count)
        steps = snapshot.cosine_steps
        # One autorange for all curves: left on, each setData re-ranges the plot (64 filters: ~60 ms a frame)
        view = self.plot.getPlotItem().getViewBox()
        view.disableAutoRange()
        for index, curve in enumerate(self.curves):
            curve.setData(steps, curves[:, index] if len(steps) else np.zeros(0))
        view.enableAutoRange(x=True)

    def _use_curves(self, count: int) -> None:
        """Show `count` curves, recoloured. Items are kept and reused: making 64 anew took ~60 ms,
        a freeze each time the number of filters changed."""
        while len(self._pool) < count:
            self._pool.append(pg.PlotCurveItem())
            self.plot.addItem(self._pool[-1])
        for index, curve in enumerate(self._pool):
            curve.setVisible(index < count)
            if index < count:
                curve.setPen(pg.mkPen(filter_color(index, count), width=2 if count <= 16 else 1))
            else:
                curve.setData([], [])
        self.curves = self._pool[:count]
