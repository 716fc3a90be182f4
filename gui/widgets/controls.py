"""The knobs: run control, learning settings and what the views show.

The panel only emits signals; the main window decides what they do to the worker. Spin
boxes report when editing is finished (no keyboard tracking), so typing "64" rebuilds
the model once, not for "6" and then "64".
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from filterlab.engine.core.config import Config

from filterlab.gui.widgets.run_controls import RunControls

SKIP_STEPS = 10_000
INITS = (("PyTorch default", "default"), ("zeros", "zeros"), ("constant", "constant"),
         ("gaussian", "gaussian"))


class ControlPanel(QWidget):
    pause_toggled = Signal(bool)        # True = paused
    step_clicked = Signal()
    reset_clicked = Signal()
    skip_clicked = Signal()             # fast-forward SKIP_STEPS steps
    speed_changed = Signal(float)       # steps per second, 0 = as fast as possible
    hparams_changed = Signal(dict)      # live settings: lr, optimizer, weight_decay, momentum
    shape_changed = Signal(dict)        # filters / kernel / initialisation: these rebuild the model
    paint_start_clicked = Signal()      # start every filter from the drawing on the canvas
    per_filter_scale_toggled = Signal(bool)
    gradient_overlay_toggled = Signal(bool)
    initial_toggled = Signal(bool)

    def __init__(self, config: Config, parent=None):
        super().__init__(parent)
        self.skip = QPushButton(f"+{SKIP_STEPS:,}")
        self.skip.setToolTip(f"Fast-forward {SKIP_STEPS:,} steps as fast as possible (F); Pause stops it")
        self.skip.clicked.connect(self.skip_clicked)
        run = RunControls(config.seed, "New random initial filters with a new seed; step back to 0 (R)",
                          extra_buttons=(self.skip,))
        self.run = run
        self.pause, self.step, self.reset, self.seed, self.speed = run.pause, run.step, run.reset, run.seed, run.speed
        run.pause_toggled.connect(self.pause_toggled)
        run.step_clicked.connect(self.step_clicked)
        run.reset_clicked.connect(self.reset_clicked)
        run.speed_changed.connect(self.speed_changed)

        learn = QGroupBox("learning")
        form = QFormLayout(learn)
        self.lr = _double(config.lr, 1e-6, 1000.0, 6, "Learning rate: the size of each step (changes live)")
        self.optimizer = QComboBox()
        self.optimizer.addItem("Adam", "adam")
        self.optimizer.addItem("SGD", "sgd")
        self.optimizer.setCurrentIndex(0 if config.optimizer == "adam" else 1)
        self.optimizer.setToolTip("Adam scales each pixel's step by its own history; SGD steps along -lr x gradient")
        self.momentum = _double(config.momentum, 0.0, 0.99, 2, "SGD momentum: how much of the last step carries over")
        self.weight_decay = _double(config.weight_decay, 0.0, 1.0, 6, "Weight decay: pulls every weight towards 0")
        self.filters = _int(config.filters, 1, 64, "Number of filters (rebuilds the model)")
        self.kernel = _int(config.kernel, 3, 28, "Kernel size: 28 = as large as the image (rebuilds the model)")
        form.addRow("learning rate", self.lr)
        form.addRow("optimizer", self.optimizer)
        form.addRow("momentum", self.momentum)
        form.addRow("weight decay", self.weight_decay)
        self.init = QComboBox()
        for text, value in INITS:
            self.init.addItem(text, value)
        self.init.setCurrentIndex([v for _, v in INITS].index(config.init))
        self.init.setToolTip("How the filters start. Zeros and constant start every filter identical: "
                             "they then get identical gradients and stay identical (symmetry)")
        self.init_value = _double(config.init_value, 0.0, 1.0, 4, "The constant, or the std of the gaussian")
        self.paint_start = QPushButton("start from drawing")
        self.paint_start.setToolTip("Reset with every filter set to the digit on the canvas")
        self.paint_start.clicked.connect(self.paint_start_clicked)
        form.addRow("filters", self.filters)
        form.addRow("kernel size", self.kernel)
        form.addRow("start filters", self.init)
        form.addRow("init value", self.init_value)
        form.addRow("", self.paint_start)
        for widget in (self.lr, self.momentum, self.weight_decay):
            widget.valueChanged.connect(self._emit_hparams)
        self.optimizer.currentIndexChanged.connect(self._emit_hparams)
        for widget in (self.filters, self.kernel, self.init_value):
            widget.valueChanged.connect(self._emit_shape)
        self.init.currentIndexChanged.connect(self._emit_shape)

        show = QGroupBox("show")
        self.per_filter = QCheckBox("scale each filter on its own")
        self.per_filter.setToolTip("Off: one colour scale for all filters. On: each filter uses its own range")
        self.per_filter.toggled.connect(self.per_filter_scale_toggled)
        self.gradient = QCheckBox("gradient overlay |dL/dw|, |dL/dx|")
        self.gradient.setToolTip("Lay the size of the last gradient over each filter and over the digit")
        self.gradient.toggled.connect(self.gradient_overlay_toggled)
        self.initial = QCheckBox("initial filters")
        self.initial.setChecked(True)
        self.initial.setToolTip("Show the filters at step 0 beside the current ones")
        self.initial.toggled.connect(self.initial_toggled)
        show_layout = QVBoxLayout(show)
        for box in (self.per_filter, self.gradient, self.initial):
            show_layout.addWidget(box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for group in (run, learn, show):
            layout.addWidget(group)

    def set_paused(self, paused: bool) -> None:
        self.run.set_paused(paused)

    def set_config(self, config: Config) -> None:
        """Show a config (an opened session's) without sending it back as changes."""
        widgets = (self.lr, self.optimizer, self.momentum, self.weight_decay, self.filters, self.kernel,
                   self.init, self.init_value)
        for widget in widgets:
            widget.blockSignals(True)
        self.lr.setValue(config.lr)
        self.optimizer.setCurrentIndex(self.optimizer.findData(config.optimizer))
        self.momentum.setValue(config.momentum)
        self.weight_decay.setValue(config.weight_decay)
        self.filters.setValue(config.filters)
        self.kernel.setValue(config.kernel)
        self.init.setCurrentIndex(self.init.findData(config.init))
        self.init_value.setValue(config.init_value)
        for widget in widgets:
            widget.blockSignals(False)
        self.show_seed(config.seed)

    def show_seed(self, seed: int) -> None:
        self.run.show_seed(seed)

    def _emit_hparams(self, *_) -> None:
        self.hparams_changed.emit(dict(lr=self.lr.value(), optimizer=self.optimizer.currentData(),
                                       momentum=self.momentum.value(),
                                       weight_decay=self.weight_decay.value()))

    def _emit_shape(self, *_) -> None:
        self.shape_changed.emit(dict(filters=self.filters.value(), kernel=self.kernel.value(),
                                     init=self.init.currentData(), init_value=self.init_value.value()))


def _double(value: float, low: float, high: float, decimals: int, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setValue(value)
    box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


def _int(value: int, low: int, high: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return box
