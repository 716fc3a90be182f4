"""A slider under the views to scrub back through the recorded steps.

While scrubbing, every view shows the step the slider points at (replayed from the
record by the worker, see engine/timeline.py); training carries on unless paused, and
"Live" returns to the present.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class TimelineBar(QWidget):
    scrubbed = Signal(int)   # the recorded step to show
    went_live = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.steps = np.zeros(0, dtype=np.int64)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag to look at any recorded step; every view follows")
        self.slider.valueChanged.connect(self._on_value)
        self.live = QPushButton("Live")
        self.live.setToolTip("Back to the present step")
        self.live.setCheckable(True)
        self.live.setChecked(True)
        self.live.clicked.connect(self.go_live)
        self.label = QLabel("live")
        self.label.setMinimumWidth(220)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("timeline"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live)

    @property
    def is_live(self) -> bool:
        return self.live.isChecked()

    def set_recorded(self, steps: np.ndarray) -> None:
        """The steps the record holds now (they grow, and thin out on long runs)."""
        self.steps = steps
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(len(steps) - 1, 0))
        if self.is_live:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)

    def scrub_to(self, step: int) -> None:
        """Show the recorded step at or before `step` (as dragging the slider would)."""
        index = max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)
        if self.slider.value() == index:
            self._on_value(index)
        else:
            self.slider.setValue(index)

    def _on_value(self, index: int) -> None:
        if not len(self.steps):
            return
        step = int(self.steps[min(index, len(self.steps) - 1)])
        self.live.setChecked(False)
        self.label.setText(f"viewing recorded step {step:,}")
        self.scrubbed.emit(step)

    def go_live(self) -> None:
        self.live.setChecked(True)
        self.label.setText("live")
        self.slider.blockSignals(True)
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.went_live.emit()
