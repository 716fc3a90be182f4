"""Hovering a filter pixel: that weight over the recorded steps, and its latest gradient."""
from __future__ import annotations

from typing import Optional

import numpy as np

from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.probe_plot import ProbePlot
from filterlab.gui.windows.context import WindowContext
from filterlab.gui.worker.queries import WeightSeries


class WeightProbe:
    """Connects a filter grid's hover to the probe plot, asking the training thread for the record."""

    def __init__(self, context: WindowContext, grid: FilterGrid, plot: ProbePlot):
        self.context, self.plot = context, plot
        grid.hovered.connect(self.probe)

    def probe(self, where) -> None:
        shown = self.context.shown()
        if where is None or shown is None:
            return
        f, row, col = where
        count = shown.filters.shape[0]
        gradient = float(shown.grads[f, row, col])

        def show(series: Optional[tuple[np.ndarray, np.ndarray]]) -> None:
            if series is not None:  # None: the shape changed since that frame was drawn
                self.plot.show_series(where, count, *series, gradient)
        self.context.ask(WeightSeries(f, row, col), show)
