"""What the network currently believes: a probability for each of the ten digits.

The target class is drawn in a different colour, so a learner sees the bar climb to 1
as the loss falls.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView, unchanged
from filterlab.gui.views.style import fixed_plot
from filterlab.gui.widgets.title_label import TitleLabel

OTHER = pg.mkBrush(150, 160, 175)
TARGET = pg.mkBrush(230, 120, 30)


class PredictionBars(SnapshotView):
    max_hz = 15

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = fixed_plot()
        self.plot.setYRange(0, 1, padding=0.02)
        self.plot.setXRange(-0.6, 9.6, padding=0)
        self.plot.setLabel("left", "probability")
        self.plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brushes=[OTHER] * 10)
        self.plot.addItem(self.bars)
        self.title = TitleLabel("prediction")
        self._shown = None  # the snapshot drawn
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)
        self.setToolTip("Softmax probability of each class; the target class is orange.")

    def draw(self, snapshot: Snapshot) -> None:
        if unchanged(self._shown, snapshot, ("probs", "label")):
            return
        self._shown = snapshot
        brushes = [TARGET if i == snapshot.label else OTHER for i in range(10)]
        self.bars.setOpts(height=snapshot.probs, brushes=brushes)
        best = int(np.argmax(snapshot.probs))
        self.title.set_title(f"prediction: {best} ({snapshot.probs[best]:.0%}), target {snapshot.label}")

    @property
    def heights(self) -> np.ndarray:
        return np.asarray(self.bars.opts["height"])
