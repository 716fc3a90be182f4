"""The loss over training, on a log axis, because the interesting part spans decades.

The engine already keeps a decimated curve (at most a few thousand points however long
the run), so redrawing it every frame stays cheap. The axes do not autorange: the steps
run to the next round number and the loss spans whole half decades, so the axes are laid
out and drawn again only when the curve outgrows them. Hovering reads out step and loss.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from filterlab.engine.core.metrics import loss_text
from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView, unchanged
from filterlab.gui.views.style import decade_span, growing_end, log_plot
from filterlab.gui.widgets.title_label import TitleLabel

FLOOR = 1e-12  # a loss of exactly 0.0 (float32 underflow) still needs a place on a log axis


class LossPlot(SnapshotView):
    max_hz = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = log_plot()
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        # 1 px: a 2 px pen goes through Qt's stroker, 4,096 points cost 3.1 ms a paint instead of 0.7
        self.curve = self.plot.plot(pen=pg.mkPen((40, 90, 160), width=1))
        self.marker = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(200, 60, 40))
        self.marker.setVisible(False)  # an empty scatter still costs a paint
        self.plot.addItem(self.marker)
        self.plot.getViewBox().disableAutoRange()
        self.frame = None  # (steps, log10 low, log10 high) the axes show
        self._shown = None  # the snapshot drawn
        self.readout = TitleLabel("loss: waiting for the first step", bold=False)
        self._steps = np.zeros(0)
        self._values = np.zeros(0)
        self.plot.scene().sigMouseMoved.connect(self._hover)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot)
        self.setToolTip("Training loss (cross-entropy) per step, log scale. Hover to read a value.")

    def draw(self, snapshot: Snapshot) -> None:
        if unchanged(self._shown, snapshot, ("step", "loss", "loss_steps", "loss_values")):
            return
        self._shown = snapshot
        self._steps = snapshot.loss_steps
        self._values = np.maximum(snapshot.loss_values, FLOOR)
        self.curve.setData(self._steps, self._values)
        self._frame()
        self.readout.set_title(f"loss {loss_text(snapshot.loss)} at step {snapshot.step:,}")

    def _frame(self) -> None:
        """Steps 0 to a round number, whole half decades of loss; a new run: steps 0-10, 0.1 to 10."""
        if len(self._steps):
            frame = (growing_end(self._steps[-1]), *decade_span(self._values))
        else:
            frame = (10.0, -1.0, 1.0)
        if frame != self.frame:
            self.frame = frame
            self.plot.getViewBox().setRange(xRange=(0, frame[0]), yRange=frame[1:], padding=0.02)

    def value_near(self, step: float):
        """(step, loss) of the recorded point nearest to `step`, or None before any."""
        if len(self._steps) == 0:
            return None
        index = int(np.clip(np.searchsorted(self._steps, step), 1, len(self._steps) - 1)) \
            if len(self._steps) > 1 else 0
        if index > 0 and abs(self._steps[index - 1] - step) <= abs(self._steps[index] - step):
            index -= 1
        return int(self._steps[index]), float(self._values[index])

    def _hover(self, scene_pos) -> None:
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            self.marker.setData([], [])
            self.marker.setVisible(False)
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(scene_pos)
        found = self.value_near(point.x())
        if found is None:
            return
        step, loss = found
        self.marker.setData([step], [np.log10(loss)])
        self.marker.setVisible(True)
        self.readout.set_title(f"step {step:,}: loss {loss_text(loss)}   (hover)")
