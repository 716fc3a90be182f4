"""A slider under the views to scrub back through the recorded steps, and Replay.

While scrubbing, every view shows the step the slider points at (replayed from the
record on the training thread: each experiment's `snapshot_at`); training carries on
unless paused, and "Live" returns to the present. The slider moves over the record's
frames, and the record is dense early (every one of the first 100 steps), so the first
steps, where the filters change most, take most of its length: a log scale in steps.
"Replay" plays the record from step 0 at a watchable pace.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

EDIT_COLOUR = QColor(230, 120, 0)


class EditMarks(QWidget):
    """Small triangles under the slider at the recorded frames where a filter was painted by hand."""

    def __init__(self, slider: QSlider):
        super().__init__()
        self.slider = slider
        self.indices: list[int] = []
        self.setFixedHeight(7)

    def set_indices(self, indices) -> None:
        indices = [int(i) for i in indices]
        if indices != self.indices:
            self.indices = indices
            self.setToolTip(f"▲ a filter was painted by hand here ({len(indices)} edit"
                            f"{'s' if len(indices) != 1 else ''})" if indices else "")
            self.update()

    def x_of(self, index: int) -> float:
        """Where the slider's handle centre is at `index`."""
        half = self.slider.style().pixelMetric(QStyle.PixelMetric.PM_SliderLength, None, self.slider) / 2
        span = max(self.slider.maximum() - self.slider.minimum(), 1)
        return half + (index - self.slider.minimum()) / span * (self.slider.width() - 2 * half)

    def paintEvent(self, event) -> None:
        if not self.indices:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(EDIT_COLOUR)
        for index in self.indices:
            x = self.x_of(index)
            painter.drawPolygon(QPolygonF([QPointF(x, 0), QPointF(x - 4, 7), QPointF(x + 4, 7)]))
        painter.end()


SLIDER_SHARE = 0.33  # of the bar's width, the slider's at least: else it takes a row of its own


class TimelineBar(QWidget):
    scrubbed = Signal(int)   # the recorded step to show
    went_live = Signal()
    replay_toggled = Signal(bool)  # Replay pressed (True) or stopped (False)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.steps = np.zeros(0, dtype=np.int64)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag to look at any recorded step; every view follows. Every one of the first "
                               "100 steps is recorded, then every 10th to 1,000, every 100th to 10,000")
        self.slider.valueChanged.connect(self._on_value)
        self.live = QPushButton("Live")
        self.live.setToolTip("Back to the present step")
        self.live.setCheckable(True)
        self.live.setChecked(True)
        self.live.clicked.connect(self.go_live)
        self.replay = QPushButton("Replay")
        self.replay.setCheckable(True)
        self.replay.setToolTip("Play the record from step 0 at a watchable pace, on every view "
                               "(training goes on meanwhile unless paused)")
        self.replay.toggled.connect(self._on_replay)
        self.label = QLabel("live")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.marks = EditMarks(self.slider)
        self.track = QWidget()
        track = QVBoxLayout(self.track)
        track.setContentsMargins(0, 0, 0, 0)
        track.setSpacing(0)
        track.addWidget(self.slider)
        track.addWidget(self.marks)
        self.name = QLabel("timeline")
        self.tail = QHBoxLayout()  # what stands after the slider: where it is, Replay, Live, a window's buttons
        self.tail.addWidget(self.label, 1)
        for widget in (self.replay, self.live):
            self.tail.addWidget(widget)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(4, 0, 4, 0)
        self.grid.setColumnStretch(1, 1)
        self.two_rows = None
        self._arrange(False)
        self._fit_label()

    def _fit_label(self) -> None:
        """On one row, room for all the label says, so the slider does not jump as it changes; on two (large
        text), what is left beside the buttons."""
        room = 0 if self.two_rows else self.label.fontMetrics().horizontalAdvance("viewing recorded step 0,000,000")
        self.label.setMinimumWidth(room)

    def add_button(self, button: QWidget) -> None:
        """A window's own button after Live (Paint, Fork here…)."""
        self.tail.addWidget(button)

    def _arrange(self, two_rows: bool) -> None:
        """One row (name, slider, the rest), or, when the rest would leave the slider less than
        SLIDER_SHARE of the bar (large text: presenter zoom), the slider on a row of its own above."""
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        for item in (self.name, self.track):
            self.grid.removeWidget(item)
        self.grid.removeItem(self.tail)
        self.tail.setParent(None)  # free to be added again (a layout takes one with no parent only)
        self._fit_label()
        if two_rows:
            self.grid.addWidget(self.track, 0, 0, 1, 3)
            self.grid.addWidget(self.name, 1, 0)
            self.grid.addLayout(self.tail, 1, 1, 1, 2)
        else:
            self.grid.addWidget(self.name, 0, 0)
            self.grid.addWidget(self.track, 0, 1)
            self.grid.addLayout(self.tail, 0, 2)
        self.updateGeometry()  # the window's layout gives it the height of its rows

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange(self._beside() > self.width() * (1 - SLIDER_SHARE))

    def _beside(self) -> int:
        """What stands beside the slider on one row, in pixels: its name, the label at full width, the buttons."""
        label = self.label.fontMetrics().horizontalAdvance("viewing recorded step 0,000,000")
        buttons = [self.tail.itemAt(i).widget() for i in range(self.tail.count())]
        spacing = self.tail.spacing() * len(buttons) + self.grid.spacing() * 2
        return self.name.sizeHint().width() + label + spacing + sum(
            button.sizeHint().width() for button in buttons if button is not None and button is not self.label)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_label()
            self._arrange(self._beside() > self.width() * (1 - SLIDER_SHARE))

    @property
    def is_live(self) -> bool:
        return self.live.isChecked()

    def set_recorded(self, steps: np.ndarray, edits=()) -> None:
        """The steps the record holds now (they grow, and thin out on long runs), and the painted ones."""
        self.steps = steps
        self.marks.set_indices(np.searchsorted(steps, np.asarray(edits, np.int64)) if len(edits) else ())
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

    def show_position(self, index: int) -> None:
        """Move the slider to frame `index` without asking for it (a replay asks by itself)."""
        self.slider.blockSignals(True)
        self.slider.setValue(index)
        self.slider.blockSignals(False)
        self.live.setChecked(False)
        if 0 <= index < len(self.steps):
            self.label.setText(f"replaying step {int(self.steps[index]):,}")

    def stop_replay(self) -> None:
        self.replay.blockSignals(True)
        self.replay.setChecked(False)
        self.replay.setText("Replay")
        self.replay.blockSignals(False)

    def _on_replay(self, on: bool) -> None:
        self.replay.setText("Stop" if on else "Replay")
        self.replay_toggled.emit(on)

    def go_live(self) -> None:
        if self.replay.isChecked():
            self.stop_replay()
        self.live.setChecked(True)
        self.label.setText("live")
        self.slider.blockSignals(True)
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.went_live.emit()
