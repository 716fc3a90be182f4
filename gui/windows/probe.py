"""Hovering a filter pixel: that weight over the recorded steps, and its latest gradient."""
from __future__ import annotations

import numpy as np


class WeightProbe:
    """Connects a filter grid's hover to the probe plot, asking the training thread for the record."""

    def __init__(self, window, grid, plot):
        self.window, self.plot = window, plot
        grid.hovered.connect(self.probe)

    def probe(self, where) -> None:
        shown = self.window.shown
        if where is None or shown is None:
            return
        f, row, col = where
        count = shown.filters.shape[0]
        gradient = float(shown.grads[f, row, col])

        def series(trainer):
            history = trainer.filter_history
            if f >= trainer.config.filters or max(row, col) >= trainer.config.kernel:
                return None  # the shape changed since that frame was drawn
            return np.array(history.steps), np.array([frame[f, row, col] for frame in history.frames])

        def show(result):
            if result is not None:
                self.plot.show_series(where, count, *result, gradient)
        self.window.ask_worker(series, show)
