"""One weight under the mouse, over time: hover a filter pixel to follow it.

The filter grid reports which weight is under the cursor; the window asks the worker
for that weight's recorded values, and this plot shows them with its latest gradient.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from filterlab.gui.views.style import filter_color, fixed_plot


class ProbePlot(pg.PlotWidget):
    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        fixed_plot(self)
        self.setLabel("bottom", "step")
        self.setLabel("left", "weight")
        self.setTitle("hover a filter pixel to follow its weight", color="k", size="9pt")
        self.curve = self.plot(pen=pg.mkPen((40, 40, 40), width=2))
        self.setToolTip("The weight under the mouse in the filter grid, at every recorded step")

    def show_series(self, where: tuple[int, int, int], count: int, steps: np.ndarray,
                    values: np.ndarray, gradient: float) -> None:
        f, row, col = where
        self.curve.setData(steps, values, pen=pg.mkPen(filter_color(f, count), width=2))
        self.setTitle(f"filter {f + 1}, pixel ({row}, {col}): w = {values[-1]:+.4f}, "
                      f"latest dL/dw = {gradient:+.3g}", color="k", size="9pt")
