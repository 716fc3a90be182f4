"""The digit window's knobs: learning settings and what the views show, under the run group.

The panel only emits signals; the window decides what they do to the training. Number
fields report when editing is finished (gui/widgets/fields.py).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QPushButton, QVBoxLayout, QWidget

from filterlab.engine.core.config import Config
from filterlab.gui.widgets.fields import double_field, int_field
from filterlab.gui.widgets.run_controls import RunControls

INITS = (("PyTorch default", "default"), ("zeros", "zeros"), ("constant", "constant"),
         ("gaussian", "gaussian"))
RAW_PIXELS_TIP = (
    "Feed the digit as the article's script did, raw pixels 0-255 (it read them with OpenCV), instead of 0-1 "
    "(restarts at step 0). Then z = w·x + b is 255 times larger: within 5 steps the softmax is exactly 1 in "
    "float32, the loss exactly 0.0 and its gradient ~1e-15, so learning stops while the filters are still "
    "mostly random (cosine 0.2-0.4). With pixels 0-1, z stays near 1, the loss falls over ~100 steps and keeps "
    "teaching while Adam and weight decay clear the noise (cosine ~0.9).")
MINIBATCH_OFF = "Training on a set of digits: each step takes the next minibatch"
ARTICLE_OFF = "The article's setting and pictures are the one-digit experiment's"


class ControlPanel(QWidget):
    """The run group (the window's RunControls), then learning settings and what the views show."""

    hparams_changed = Signal(dict)      # live settings: lr, optimizer, weight_decay, momentum
    shape_changed = Signal(dict)        # filters / kernel / initialisation: these rebuild the model
    paint_start_clicked = Signal()      # start every filter from the drawing on the canvas
    original_clicked = Signal()         # the article's setting exactly: its script's run on raw pixels, step 0
    article_toggled = Signal(bool)      # the filters as the article drew them, beside the signed ones
    per_filter_scale_toggled = Signal(bool)
    gradient_overlay_toggled = Signal(bool)
    initial_toggled = Signal(bool)

    def __init__(self, config: Config, run: RunControls, parent=None, *, many_digits: bool = False):
        """`many_digits`: a set run's panel, where the one digit's controls (start from the drawing, the
        article's pixels, setting and pictures) stand greyed out, saying why."""
        super().__init__(parent)
        self.run = run
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for group in (run, self._learning(config), self._show()):
            layout.addWidget(group)
        if many_digits:
            for control, why in ((self.paint_start, MINIBATCH_OFF), (self.raw_pixels, ARTICLE_OFF),
                                 (self.original, ARTICLE_OFF), (self.article, ARTICLE_OFF)):
                control.setEnabled(False)
                control.setToolTip(why)

    def _learning(self, config: Config) -> QGroupBox:
        learn = QGroupBox("learning")
        form = QFormLayout(learn)
        self.lr = double_field(config.lr, 1e-6, 1000.0, 6, "Learning rate: the size of each step (changes live)")
        self.optimizer = QComboBox()
        self.optimizer.addItem("Adam", "adam")
        self.optimizer.addItem("SGD", "sgd")
        self.optimizer.setCurrentIndex(0 if config.optimizer == "adam" else 1)
        self.optimizer.setToolTip("Adam scales each pixel's step by its own history; SGD steps along -lr x gradient")
        self.momentum = double_field(config.momentum, 0.0, 0.99, 2, "SGD momentum: how much of the last step carries over")
        self.weight_decay = double_field(config.weight_decay, 0.0, 1.0, 6, "Weight decay: pulls every weight towards 0")
        self.filters = int_field(config.filters, 1, 64, "Number of filters (rebuilds the model)")
        self.kernel = int_field(config.kernel, 3, 28, "Kernel size: 28 = as large as the image (rebuilds the model)")
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
        self.init_value = double_field(config.init_value, 0.0, 1.0, 4, "The constant, or the std of the gaussian")
        self.paint_start = QPushButton("start from drawing")
        self.paint_start.setToolTip("Reset with every filter set to the digit on the canvas")
        self.paint_start.clicked.connect(self.paint_start_clicked)
        self.raw_pixels = QCheckBox("raw pixels 0-255, as the article")
        self.raw_pixels.setChecked(config.pixel_scale == 255)
        self.raw_pixels.setToolTip(RAW_PIXELS_TIP)
        self.original = QPushButton("the article's setting")
        self.original.setToolTip("Start again from step 0 exactly as the article's script trained: the bundled 4, "
                                 "5 filters of 28x28, Adam 1e-3, weight decay 1e-5, seed 0, raw pixels 0-255")
        self.original.clicked.connect(self.original_clicked)
        form.addRow("filters", self.filters)
        form.addRow("kernel size", self.kernel)
        form.addRow("start filters", self.init)
        form.addRow("init value", self.init_value)
        form.addRow("", self.paint_start)
        form.addRow("pixels", self.raw_pixels)
        form.addRow("", self.original)
        for widget in (self.lr, self.momentum, self.weight_decay):
            widget.valueChanged.connect(self._emit_hparams)
        self.optimizer.currentIndexChanged.connect(self._emit_hparams)
        for spin in (self.filters, self.kernel, self.init_value):
            spin.valueChanged.connect(self._emit_shape)
        self.init.currentIndexChanged.connect(self._emit_shape)
        self.raw_pixels.toggled.connect(self._emit_shape)
        return learn

    def _show(self) -> QGroupBox:
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
        self.article = QCheckBox("as the article drew them")
        self.article.setToolTip("Beside the signed filters, the same filters as the article drew them: binarised at "
                                "each one's mean, colormap hot, with how many pixels agree with the digit")
        self.article.toggled.connect(self.article_toggled)
        show_layout = QVBoxLayout(show)
        for box in (self.per_filter, self.gradient, self.initial, self.article):
            show_layout.addWidget(box)
        return show

    def set_config(self, config: Config) -> None:
        """Show a config (an opened session's) without sending it back as changes."""
        widgets = (self.lr, self.optimizer, self.momentum, self.weight_decay, self.filters, self.kernel,
                   self.init, self.init_value, self.raw_pixels)
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
        self.raw_pixels.setChecked(config.pixel_scale == 255)
        for widget in widgets:
            widget.blockSignals(False)
        self.run.show_seed(f"seed {config.seed}")

    def _emit_hparams(self, *_) -> None:
        self.hparams_changed.emit(dict(lr=self.lr.value(), optimizer=self.optimizer.currentData(),
                                       momentum=self.momentum.value(),
                                       weight_decay=self.weight_decay.value()))

    def _emit_shape(self, *_) -> None:
        self.shape_changed.emit(dict(filters=self.filters.value(), kernel=self.kernel.value(),
                                     init=self.init.currentData(), init_value=self.init_value.value(),
                                     pixel_scale=255 if self.raw_pixels.isChecked() else 1))
