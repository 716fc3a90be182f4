"""One weight under the mouse, over time: hover a filter pixel to follow it.

The filter grid reports which weight is under the cursor; the window asks the worker
for that weight's recorded values, and this plot shows them with its latest gradient.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from filterlab.gui.views.style import filter_color, fixed_plot
from filterlab.gui.widgets.title_label import TitleLabel


class ProbePlot(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = TitleLabel("hover a filter pixel to follow its weight", bold=False)
        self.plot = fixed_plot()
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "weight")
        self.curve = self.plot.plot(pen=pg.mkPen((40, 40, 40), width=2))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)
        self.setToolTip("The weight under the mouse in the filter grid, at every recorded step")

    def show_series(self, where: tuple[int, int, int], count: int, steps: np.ndarray,
                    values: np.ndarray, gradient: float) -> None:
        f, row, col = where
        self.curve.setData(steps, values, pen=pg.mkPen(filter_color(f, count), width=2))
        self.title.set_title(f"filter #{f + 1}, pixel ({row}, {col}): w = {values[-1]:+.4f}, "
                             f"latest dL/dw = {gradient:+.3g}")
