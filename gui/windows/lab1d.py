"""The 1-D lab's window (`python main.py --lab1d`): watch three random numbers become a peak detector.

It is the digit window's pattern at a smaller size (gui/windows/base.py): the lab is built
on the training thread (the very worker the digit window uses; Lab1D implements the same
Experiment protocol), the window sends commands and draws the newest frame, and never
calls the lab itself.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from filterlab.engine.core.metrics import loss_text
from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.spec import Lab1DSpec
from filterlab.gui.views.lab1d import ResponsePlot, SequencePlot, TapBars, TapsPlot
from filterlab.gui.widgets.fields import double_field, int_field
from filterlab.gui.windows.base import ExperimentWindow
from filterlab.gui.worker.pace import LESSON

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


class Lab1DWindow(ExperimentWindow):
    def __init__(self, spec: Lab1DSpec = Lab1DSpec(), running: bool = True, speed=LESSON):
        config = spec.config
        super().__init__(spec.build, running=running, speed=speed, seed_text=f"seed {config.seed}",
                         reset_tip="A new random filter with a new seed; back to step 0 (R)")
        self.setWindowTitle("Filter Lab — 1-D lab: does backprop find [-1, 1, -1]?")
        self.sequence, self.responses = SequencePlot(), ResponsePlot()
        self.taps_plot, self.tap_bars = TapsPlot(), TapBars()
        self.views = (self.sequence, self.responses, self.taps_plot, self.tap_bars)
        self.responses.plot.setXLink(self.sequence.plot)
        self._build_controls(config)
        self._build_layout()
        self.start()

    # ------------------------------------------------------------------ layout
    def _build_controls(self, config: Lab1DConfig) -> None:
        self.lr = double_field(config.lr, 1e-5, 10.0, 5, "Adam's learning rate (changes live)")
        self.lr.valueChanged.connect(lambda value: self.commands.set_hparams(lr=value))
        self.taps = QComboBox()
        for k in TAP_CHOICES:
            self.taps.addItem(f"{k} taps", k)
        self.taps.setCurrentIndex(TAP_CHOICES.index(config.taps))
        self.taps.setToolTip("Filter length; the outer taps see values that say nothing about a peak (restarts)")
        self.taps.currentIndexChanged.connect(lambda _: self.commands.set_hparams(taps=self.taps.currentData()))
        self.levels = int_field(config.levels, 2, 10, "Sequence values 0..levels-1: 2 = 0s and 1s (restarts)")
        self.levels.valueChanged.connect(lambda value: self.commands.set_hparams(levels=value))

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
        self.set_body(central)
        self.resize(1300, 860)

    def update_status(self, frame) -> None:
        snap = frame.snapshot
        self.status_step.set_title(f"step {snap.step:,}   loss {loss_text(snap.loss)}   "
                                 f"{'running' if frame.running else 'paused'}")
        self.status_detail.set_title(
            f"held-out F1 vs the true peaks: learned {snap.learned.f1:.3f}, [-1, 1, -1] {snap.hand.f1:.3f}   "
            f"same peaks as [-1, 1, -1]: F1 {snap.agreement.f1:.3f}   cosine {snap.cosine:+.3f}")
