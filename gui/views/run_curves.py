"""Runs side by side: each run's filter grid, and one curve per run for the loss or the similarity."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout

from filterlab.engine.core.explain import noise_range, optimizer_name
from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.style import decade_span, fixed_plot, growing_end, log_plot, run_color, set_thinned


class RunCurves(SnapshotView):
    """One curve per run: the loss (log axis) or the mean |cosine| of its filters to the digit."""

    max_hz = 10

    def __init__(self, names, what: str, parent=None):
        super().__init__(parent)
        self.what = what
        self.plot = log_plot() if what == "loss" else fixed_plot()
        self.plot.setLabel("bottom", "step")
        if what == "loss":
            self.plot.setLabel("left", "loss")
        else:
            self.plot.setYRange(0, 1.02, padding=0)
            self.plot.setLabel("left", "mean |cos| to the digit")
        self.names = list(names)
        self.curves = [self.plot.plot(name=name) for name in names]  # up to 4,096 points a run: set_thinned
        # its own range, on round numbers (LossPlot's way): autorange moved it on every draw, and each move
        # painted the plot a second time
        self.plot.getViewBox().disableAutoRange()
        self.frame: tuple = ()
        self.legend = QLabel()
        self.legend.setWordWrap(True)  # above the plot, never over a curve
        self.recolour()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot)

    def recolour(self) -> None:
        """Each run in its colour of the palette in use (View > Colour-blind safe colours)."""
        for i, curve in enumerate(self.curves):
            curve.setPen(pg.mkPen(run_color(i), width=2))
        self.legend.setText(" &nbsp; ".join(f"<span style='color:rgb{run_color(i)}'>━ {name}</span>"
                                            for i, name in enumerate(self.names)))

    def draw(self, comparison) -> None:
        last, losses = 0.0, []
        for curve, run in zip(self.curves, comparison.runs):
            if self.what == "loss":
                values = np.maximum(run.loss_values, 1e-12)
                set_thinned(curve, run.loss_steps, values)
                losses.append(values)
                last = max(last, float(run.loss_steps[-1]) if len(run.loss_steps) else 0.0)
            elif len(run.cosine_steps):
                set_thinned(curve, run.cosine_steps, np.abs(run.cosine_history).mean(axis=1))
                last = max(last, float(run.cosine_steps[-1]))
        shown = np.concatenate(losses) if losses else np.zeros(0)
        frame = (growing_end(last), *(decade_span(shown) if len(shown) else (-1.0, 1.0))) if self.what == "loss" \
            else (growing_end(last), 0.0, 1.02)
        if frame != self.frame:
            self.frame = frame
            self.plot.getViewBox().setRange(xRange=(0, frame[0]), yRange=frame[1:], padding=0.02 if
                                            self.what == "loss" else 0)


class RunColumn(SnapshotView):
    """One run of a comparison: its name and its filter grid."""

    def __init__(self, index: int, name: str, parent=None):
        super().__init__(parent)
        self.index = index
        self.grid = FilterGrid("filters", f"■ {name}", explain=False)
        self.recolour()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid, 1)

    def recolour(self) -> None:
        self.grid.title.setStyleSheet(f"color: rgb{run_color(self.index)}")
        self.grid.recolour()

    def draw(self, comparison) -> None:
        snap = comparison.runs[self.index]
        caption = run_caption(snap)
        if caption != self.grid.caption:
            self.grid.caption = caption
        self.grid.draw(snap)


def run_caption(snap) -> str:
    """Under a run's name: its optimizer and how much starting noise it has left where the digit is blank."""
    words = optimizer_name(snap.config)
    if snap.background_noise_left is not None:
        words += f" · noise left off the ink: {noise_range(snap.background_noise_left)}"
    return words
