"""The 1-D lab's window (`python main.py --lab1d`): watch three random numbers become a peak detector.

It is the digit window's pattern at a smaller size (gui/training_window.py): the lab is
built by a factory on a TrainingWorker thread (the very worker the digit window uses;
Lab1D speaks the same commands), the window sends commands and draws the newest frame,
and never calls the lab itself.
"""
from __future__ import annotations

import random
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from filterlab.engine.lab1d.lab import Lab1DConfig

from filterlab.gui.widgets.controls import _double, _int
from filterlab.gui.views.lab1d import ResponsePlot, SequencePlot, TapBars, TapsPlot
from filterlab.gui.widgets.run_controls import RunControls
from filterlab.gui.windows.base import TrainingWindow
from filterlab.gui.worker import Frame

TAP_CHOICES = (3, 5, 7, 9)
EXPLANATION = (
    "<b>Would backprop turn random numbers into [-1, 1, -1]?</b><br><br>"
    "The sequences are random integers (0s and 1s unless <i>levels</i> says more). "
    "A <b>local peak</b> is a value larger than both neighbours.<br><br>"
    "One small filter starts random. At every position its response (taps · window + bias) "
    "goes through a sigmoid and a cross-entropy against \"is this a peak?\", and backprop "
    "adjusts the taps. A max-pool of window 3 then keeps the largest response of each "
    "neighbourhood: those above 0 are the peaks it locates.<br><br>"
    "[-1, 1, -1] (bias -1/2) is the hand-designed answer: it is positive exactly on the "
    "pattern 0 1 0. With more than two levels no filter is exact, and the learned one "
    "may beat it.")


def lab_factory(config: Lab1DConfig) -> Callable[[], object]:
    """Builds the lab where it is called: on the worker thread, where torch is first imported."""
    def build():
        from filterlab.engine.lab1d.lab import Lab1D
        from filterlab.engine.core.runtime import tune_runtime
        tune_runtime()
        return Lab1D(config)
    return build


class Lab1DWindow(TrainingWindow):
    def __init__(self, lab_factory: Callable[[], object], config: Lab1DConfig = Lab1DConfig(),
                 running: bool = True):
        super().__init__(lab_factory, running=running)
        self.setWindowTitle("Filter Lab — 1-D lab: does backprop find [-1, 1, -1]?")
        self.sequence, self.responses = SequencePlot(), ResponsePlot()
        self.taps_plot, self.tap_bars = TapsPlot(), TapBars()
        self.views = (self.sequence, self.responses, self.taps_plot, self.tap_bars)
        self.responses.plot.setXLink(self.sequence.plot)
        self._build_controls(config, running)
        self._build_layout()
        self._build_status_bar()
        self.start()

    # ------------------------------------------------------------------ layout
    def _build_controls(self, config: Lab1DConfig, running: bool) -> None:
        self.run = RunControls(config.seed, "A new random filter with a new seed; back to step 0 (R)")
        self.run.set_paused(not running)
        self.run.pause_toggled.connect(lambda paused: self.worker.pause() if paused else self.worker.resume())
        self.run.step_clicked.connect(self.worker_step)
        self.run.reset_clicked.connect(self.new_start)
        self.run.speed_changed.connect(self.worker.set_speed)
        self.lr = _double(config.lr, 1e-5, 10.0, 5, "Adam's learning rate (changes live)")
        self.lr.valueChanged.connect(lambda value: self.worker.set_hparams(lr=value))
        self.taps = QComboBox()
        for k in TAP_CHOICES:
            self.taps.addItem(f"{k} taps", k)
        self.taps.setCurrentIndex(TAP_CHOICES.index(config.taps))
        self.taps.setToolTip("Filter length; the outer taps see values that say nothing about a peak (restarts)")
        self.taps.currentIndexChanged.connect(lambda _: self.worker.set_hparams(taps=self.taps.currentData()))
        self.levels = _int(config.levels, 2, 10, "Sequence values 0..levels-1: 2 = 0s and 1s (restarts)")
        self.levels.valueChanged.connect(lambda value: self.worker.set_hparams(levels=value))
        self._shortcuts = []
        for key, slot in {"Space": self.run.pause.toggle, "S": self.worker_step, "R": self.new_start}.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    def _build_layout(self) -> None:
        learn = QGroupBox("learning")
        form = QFormLayout(learn)
        form.addRow("learning rate", self.lr)
        form.addRow("filter", self.taps)
        form.addRow("levels", self.levels)
        text = QLabel(EXPLANATION)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignTop)
        left = QVBoxLayout()
        for widget in (self.run, learn, text):
            left.addWidget(widget)
        left.addStretch(1)
        panel = QWidget()
        panel.setLayout(left)
        panel.setFixedWidth(300)

        plots = QGridLayout()
        plots.addWidget(self.sequence, 0, 0, 1, 2)
        plots.addWidget(self.responses, 1, 0, 1, 2)
        plots.addWidget(self.taps_plot, 2, 0)
        plots.addWidget(self.tap_bars, 2, 1)
        plots.setColumnStretch(0, 3)
        plots.setColumnStretch(1, 2)
        body = QHBoxLayout()
        body.addWidget(panel)
        body.addLayout(plots, 1)
        central = QWidget()
        central.setLayout(body)
        self.setCentralWidget(central)
        self.resize(1300, 860)

    def _build_status_bar(self) -> None:
        self.status_step = QLabel("loading PyTorch…")
        self.status_scores = QLabel("")
        self.status_rate = QLabel("")
        self.statusBar().addWidget(self.status_step)
        self.statusBar().addWidget(self.status_scores, 1)
        self.statusBar().addPermanentWidget(self.status_rate)

    # ---------------------------------------------------------------- commands
    def worker_step(self) -> None:
        self.run.set_paused(True)
        self.worker.step_once()

    def new_start(self) -> None:
        seed = random.randrange(1, 2**31)
        self.run.show_seed(seed)
        self.worker.reset(seed)

    # ------------------------------------------------------------------ frames
    def draw_frame(self, frame: Frame) -> None:
        snap = frame.snapshot
        for view in self.views:
            if self.due(view, frame):
                view.draw(snap)
        self.run.set_paused(not frame.running)
        self.status_step.setText(f"step {snap.step:,}   loss {snap.loss:.4g}   "
                                 f"{'running' if frame.running else 'paused'}")
        self.status_scores.setText(
            f"held-out F1 vs the true peaks: learned {snap.learned.f1:.3f}, [-1, 1, -1] {snap.hand.f1:.3f}   "
            f"same peaks as [-1, 1, -1]: F1 {snap.agreement.f1:.3f}   cosine {snap.cosine:+.3f}")
        self.status_rate.setText(f"{frame.steps_per_second:,.0f} steps/s" if frame.running else "")
