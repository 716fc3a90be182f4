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
        self.curves: list[pg.PlotDataItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.setToolTip("Cosine similarity of each filter to the training digit at every recorded step. "
                        "Colours match the labels under the filters.")

    def draw(self, snapshot: Snapshot) -> None:
        curves = snapshot.cosine_history
        count = snapshot.filters.shape[0]
        if len(self.curves) != count:
            for curve in self.curves:
                self.plot.removeItem(curve)
            self.curves = [self.plot.plot(pen=pg.mkPen(filter_color(i, count), width=2 if count <= 16 else 1))
                           for i in range(count)]
        steps = snapshot.cosine_steps
        for index, curve in enumerate(self.curves):
            curve.setData(steps, curves[:, index] if len(steps) else np.zeros(0))
