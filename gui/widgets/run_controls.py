"""How any training window is driven: Pause/Resume, Step, Reset with its seed, and the speed.

The group only emits signals; its window (gui/windows/base.py) decides what they do to
the training. A window with more ways to drive training (the digit window's
fast-forward) passes its own buttons, and they join the row.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from filterlab.gui.worker.pace import LESSON

SPEEDS = (("lesson pace (time-lapse)", LESSON), ("as fast as possible", 0), ("1000 steps/s", 1000),
          ("100 steps/s", 100), ("10 steps/s", 10), ("1 step/s", 1))


class RunControls(QGroupBox):
    pause_toggled = Signal(bool)   # True = paused
    step_clicked = Signal()
    reset_clicked = Signal()
    speed_changed = Signal(object)  # LESSON, or steps per second (0 = as fast as possible)

    def __init__(self, seed_text: str, reset_tip: str, extra_buttons=(), parent=None):
        super().__init__("run", parent)
        self.pause = QPushButton("Pause")
        self.pause.setCheckable(True)
        self.pause.setToolTip("Pause or resume training (Space)")
        self.pause.toggled.connect(self._on_pause)
        self.step = QPushButton("Step")
        self.step.setToolTip("Pause and train exactly one step (S)")
        self.step.clicked.connect(self.step_clicked)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip(reset_tip)
        self.reset.clicked.connect(self.reset_clicked)
        self.seed = QLabel()
        self.seed.setToolTip("The seed of the current start: the same seed gives the same start")
        self.show_seed(seed_text)
        self.speed = QComboBox()
        for text, value in SPEEDS:
            self.speed.addItem(text, value)
        self.speed.setToolTip("How fast training goes. The lesson pace plays the first steps slowly (the change "
                              "from noise to digit), then faster; a fixed speed shows single updates")
        self.speed.currentIndexChanged.connect(lambda _: self.speed_changed.emit(self.speed.currentData()))
        buttons = QGridLayout()  # two to a row: the column stays narrow on a small screen
        for index, button in enumerate((self.pause, self.step, self.reset, *extra_buttons)):
            buttons.addWidget(button, index // 2, index % 2)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        row = QHBoxLayout()
        row.addWidget(self.speed, 1)
        row.addWidget(self.seed)
        layout.addLayout(row)

    def show_speed(self, speed) -> None:
        """Select `speed` (LESSON or steps per second) without sending it; an unlisted speed gets an item."""
        index = self.speed.findData(speed)
        if index < 0:
            self.speed.addItem(f"{speed:,g} steps/s", speed)
            index = self.speed.count() - 1
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(index)
        self.speed.blockSignals(False)

    def set_paused(self, paused: bool) -> None:
        """Reflect the worker's state (it may pause itself) without sending a command back."""
        self.pause.blockSignals(True)
        self.pause.setChecked(paused)
        self.pause.setText("Resume" if paused else "Pause")
        self.pause.blockSignals(False)

    def show_seed(self, text: str) -> None:
        """What the current start is, e.g. "seed 7" (or "seeds 1, 2" side by side)."""
        self.seed.setText(text)

    def _on_pause(self, paused: bool) -> None:
        self.pause.setText("Resume" if paused else "Pause")
        self.pause_toggled.emit(paused)
