"""Side by side (`python main.py --compare "seed=1;optimizer=sgd,lr=0.1"`): 2-4 runs, one clock.

Every run trains on the same digit with the same step counter (engine/lockstep.py runs
them as one batched computation), so at any moment the filter grids below show each
configuration at exactly the same step: different seeds reach different signs,
SGD and Adam different speeds, a zero start stays symmetric.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QSplitter, QVBoxLayout, QWidget

from filterlab.engine.data import bundled_index, load_bundled

from filterlab.gui.views.colormaps import TABLEAU10
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.image_box import fixed_plot
from filterlab.gui.widgets.run_controls import RunControls
from filterlab.gui.windows.base import TrainingWindow
from filterlab.gui.worker import Frame


def lockstep_factory(runs, image, label) -> Callable[[], object]:
    """Builds the comparison on the worker thread, where torch is first imported."""
    def build():
        from filterlab.engine.comparison.runs import Lockstep
        from filterlab.engine.core.runtime import tune_runtime
        tune_runtime()
        return Lockstep([c for _, c in runs], image, label, names=[n for n, _ in runs])
    return build


class RunCurves(QWidget):
    """One curve per run: the loss (log axis) or the mean |cosine| of its filters to the digit."""

    max_hz = 10

    def __init__(self, names, what: str, parent=None):
        super().__init__(parent)
        self.what = what
        self.plot = fixed_plot()
        self.plot.addLegend(offset=(-10, 10) if what == "loss" else (-10, -10))
        self.plot.setLabel("bottom", "step")
        if what == "loss":
            self.plot.setLogMode(y=True)
            self.plot.setLabel("left", "loss")
        else:
            self.plot.setYRange(0, 1.02, padding=0)
            self.plot.setLabel("left", "mean |cosine| to the digit")
        self.curves = [self.plot.plot(name=name, pen=pg.mkPen(TABLEAU10[i], width=2))
                       for i, name in enumerate(names)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def update(self, *args):
        if len(args) == 1 and hasattr(args[0], "runs"):
            self.draw(args[0])
        else:
            super().update(*args)

    def draw(self, comparison) -> None:
        for curve, run in zip(self.curves, comparison.runs):
            if self.what == "loss":
                curve.setData(run.loss_steps, np.maximum(run.loss_values, 1e-12))
            elif len(run.cosine_steps):
                curve.setData(run.cosine_steps, np.abs(run.cosine_history).mean(axis=1))


class RunColumn(QWidget):
    """One run: its name and its filter grid."""

    def __init__(self, index: int, name: str, parent=None):
        super().__init__(parent)
        self.index = index
        self.grid = FilterGrid("filters", "filters", explain=False)
        self.max_hz = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        swatch = QLabel(f"■ {name}")
        swatch.setStyleSheet(f"color: rgb{TABLEAU10[index]}; font-weight: bold")
        layout.addWidget(swatch)
        layout.addWidget(self.grid, 1)

    def update(self, *args):
        if len(args) == 1 and hasattr(args[0], "runs"):
            self.grid.update(args[0].runs[self.index])
        else:
            super().update(*args)


class CompareWindow(TrainingWindow):
    def __init__(self, factory: Callable[[], object], names, seed_label: str, digit_index: int,
                 running: bool = True):
        super().__init__(factory, running=running)
        self.setWindowTitle("Filter Lab — side by side")
        self.columns = [RunColumn(i, name) for i, name in enumerate(names)]
        self.loss = RunCurves(names, "loss")
        self.similarity = RunCurves(names, "similarity")
        self.views = (*self.columns, self.loss, self.similarity)

        self.run = RunControls(0, "Every run back to its own start (the seeds are part of the comparison)")
        self.run.seed.setText(seed_label)
        self.run.pause_toggled.connect(lambda paused: self.worker.pause() if paused else self.worker.resume())
        self.run.step_clicked.connect(self._step)
        self.run.reset_clicked.connect(lambda: self.worker.reset(None))
        self.run.speed_changed.connect(self.worker.set_speed)
        self.sample = QSpinBox()
        self.sample.setRange(0, len(load_bundled()[1]) - 1)
        self.sample.setPrefix("sample #")
        self.sample.setValue(digit_index)
        self.sample.setKeyboardTracking(False)
        self.sample.setToolTip("Train every run on another bundled digit, from where each one is")
        self.sample.valueChanged.connect(lambda index: self.worker.set_image(*bundled_index(index)))
        for key, slot in (("Space", self.run.pause.toggle), ("S", self._step), ("R", self.run.reset.click)):
            QShortcut(QKeySequence(key), self).activated.connect(slot)

        top = QHBoxLayout()
        top.addWidget(self.run)
        top.addWidget(self.sample)
        top.addStretch(1)
        grids = QSplitter(Qt.Orientation.Horizontal)
        for column in self.columns:
            grids.addWidget(column)
        curves = QSplitter(Qt.Orientation.Horizontal)
        curves.addWidget(self.loss)
        curves.addWidget(self.similarity)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(grids)
        body.addWidget(curves)
        body.setSizes([520, 300])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)
        self.status = QLabel("loading PyTorch…")
        self.statusBar().addWidget(self.status, 1)
        self.resize(1400, 880)
        self.start()

    def _step(self) -> None:
        self.run.set_paused(True)
        self.worker.step_once()

    def draw_frame(self, frame: Frame) -> None:
        comparison = frame.snapshot
        for view in self.views:
            if self.due(view, frame):
                view.update(comparison)
        self.run.set_paused(not frame.running)
        losses = ", ".join(f"{name} {run.loss:.3g}" for name, run in zip(comparison.names, comparison.runs))
        state = comparison.diverged or ("running" if frame.running else "paused")
        self.status.setText(f"step {comparison.step:,}   loss: {losses}   {state}   "
                            f"{frame.steps_per_second:,.0f} steps/s")
