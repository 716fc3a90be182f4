"""Side by side (`python main.py --compare "seed=1;optimizer=sgd,lr=0.1"`): 2-4 runs, one clock.

Every run trains on the same digit with the same step counter (engine/comparison runs
them as one batched computation), so at any moment the filter grids below show each
configuration at exactly the same step: different seeds reach different signs,
SGD and Adam different speeds, a zero start stays symmetric.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QSplitter, QVBoxLayout, QWidget

from filterlab.engine.comparison.fork import ForkSpec
from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.metrics import loss_text
from filterlab.engine.data import bundled_index, load_bundled
from filterlab.gui.views.run_curves import RunColumn, RunCurves
from filterlab.gui.windows.base import ExperimentWindow
from filterlab.gui.windows.help import COMPARISON_VIEWS, add_help_menu
from filterlab.gui.worker.pace import LESSON


class ComparisonWindow(ExperimentWindow):
    def __init__(self, spec: ComparisonSpec | ForkSpec, running: bool = True, speed=LESSON):
        seeds = "seeds " + ", ".join(str(c.seed) for _, c in spec.runs)
        super().__init__(spec.build, running=running, speed=speed, seed_text=seeds,
                         reset_tip="Every run back to its own start (the seeds are part of the comparison) (R)")
        self.setWindowTitle("Filter Lab — side by side")
        names = spec.names
        self.columns = [RunColumn(i, name) for i, name in enumerate(names)]
        self.loss = RunCurves(names, "loss")
        self.similarity = RunCurves(names, "similarity")
        self.views = (*self.columns, self.loss, self.similarity)
        self.sample = QSpinBox()
        self.sample.setRange(0, len(load_bundled()[1]) - 1)
        self.sample.setPrefix("sample #")
        matches = np.flatnonzero((load_bundled()[0] == spec.image).all(axis=(1, 2)))
        self.sample.setValue(int(matches[0]) if len(matches) else 0)
        self.sample.setKeyboardTracking(False)
        self.sample.setToolTip("Train every run on another bundled digit, from where each one is")
        self.sample.valueChanged.connect(lambda index: self.commands.set_image(*bundled_index(index)))
        self._build_layout()
        add_help_menu(self, views=COMPARISON_VIEWS)
        self.note = ""  # a fork that could not be exact says so
        if isinstance(spec, ForkSpec):
            self.note = spec.note or ""
            self.setWindowTitle(f"Filter Lab — a fork: {' · '.join(names)}")
            self.run.reset.setToolTip("Both runs back to the state the fork was made from (R)")
        self.start()

    def reset(self) -> None:
        """Every run back to its own seed: the seeds are what is compared."""
        self.commands.reset(None)

    def _build_layout(self) -> None:
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
        self.set_body(central)
        self.resize(1400, 880)

    def update_status(self, frame) -> None:
        comparison = frame.snapshot
        losses = ", ".join(f"{name} {loss_text(run.loss, 3)}" for name, run in zip(comparison.names, comparison.runs))
        state = comparison.diverged or ("running" if frame.running else "paused")
        self.status_step.set_title(f"step {comparison.step:,}   {state}")
        self.status_detail.set_title(f"loss: {losses}")
        if self.note:
            self.status_notice.set_title(self.note)
