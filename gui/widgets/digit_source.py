"""Where the training digit comes from: the drawing canvas, a bundled sample, or an image file.

Whatever the source, the digit is made MNIST-style (engine/data) and announced once with
`digit_changed(image, label)`; the window sends it to the training. Showing a digit that
came from elsewhere (a session, the start) is silent: `show_digit`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget

from filterlab.engine.data import (
    DataError,
    bundled_index,
    load_bundled,
    load_image_bytes,
    load_image_file,
    to_mnist_style,
)
from filterlab.gui.widgets.canvas import DrawingCanvas

IMAGE_FILES = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"


ASKING = "QSpinBox { background: #ffd54f; color: #202020; font-weight: bold }"  # the label box, lit


class DigitSource(QWidget):
    digit_changed = Signal(object, int)  # (28x28 float32 image in [0,1], label)
    label_asked = Signal(int)            # a new drawing: which digit is it? (the label it trains as meanwhile)
    label_given = Signal(int)            # ... answered: the label it trains as now

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image: Optional[np.ndarray] = None  # the digit as the network trains on it
        self.active = True  # off: the training takes its digits elsewhere (a set run); nothing is sent
        self.canvas = DrawingCanvas()
        self.canvas.changed.connect(self._on_drawn)
        self.label = QSpinBox()
        self.label.setRange(0, 9)
        self.label.setPrefix("label ")
        self.label.setKeyboardTracking(False)
        self.label.setToolTip("The class the network is trained to answer (or press a digit key)")
        self.label.valueChanged.connect(lambda _: self._announce())
        self.label.valueChanged.connect(lambda _: self._answered())
        self.asking = False  # a drawing waits for its label: the label box is lit
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Empty the canvas (C)")
        self.clear.clicked.connect(self.canvas.clear)
        self.sample = QSpinBox()
        self.sample.setRange(0, len(load_bundled()[1]) - 1)
        self.sample.setPrefix("sample #")
        self.sample.setKeyboardTracking(False)
        self.sample.setToolTip("Load one of the 1,000 bundled MNIST digits (100 per class, sorted by class)")
        self.sample.valueChanged.connect(self.load_sample)
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Train on a PNG/JPEG of a digit (it is centred like MNIST)")
        self.open_button.clicked.connect(self.open_image)
        self._build_layout()

    def _build_layout(self) -> None:
        draw_row = QHBoxLayout()
        draw_row.addWidget(self.clear)
        draw_row.addWidget(self.label)
        sample_row = QHBoxLayout()
        sample_row.addWidget(self.sample)
        sample_row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>draw a digit</b> (left: ink, right: erase)"))
        layout.addWidget(self.canvas, 1)
        layout.addLayout(draw_row)
        layout.addLayout(sample_row)

    # ----------------------------------------------------------------- sources
    def load_sample(self, index: int) -> None:
        image, label = bundled_index(index)
        self.show_digit(image, label)
        self._announce()

    def open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a digit image", "", IMAGE_FILES)
        if path:
            self.load_image_path(path)

    def load_image_path(self, path: str) -> bool:
        """Train on an image file; a bad file is reported and changes nothing."""
        return self._load(lambda: load_image_file(path))

    def load_image_data(self, data: bytes, name: str = "the pasted image") -> bool:
        """Train on an image file's bytes (a pasted picture), through the same checks as a file."""
        return self._load(lambda: load_image_bytes(data, name))

    def _load(self, read) -> bool:
        try:
            image = read()
        except DataError as error:
            QMessageBox.warning(self, "Cannot use this image", str(error))
            return False
        self.show_digit(image, self.label.value())
        self._announce()
        return True

    def choose_label(self, digit: int) -> None:
        """A digit key: the label the digit trains as (answers a drawing's question, even if it is the same)."""
        self.label.setValue(digit)
        self._answered()

    def show_digit(self, image: np.ndarray, label: int) -> None:
        """Put a ready MNIST-style digit on the canvas as the training image, silently."""
        self._ask(False)
        match = np.flatnonzero((load_bundled()[0] == image).all(axis=(1, 2)))
        for widget in (self.sample, self.canvas, self.label):
            widget.blockSignals(True)
        if len(match):
            self.sample.setValue(int(match[0]))
        self.canvas.set_ink(image)
        self.label.setValue(label)
        for widget in (self.sample, self.canvas, self.label):
            widget.blockSignals(False)
        self.image = np.asarray(image, dtype=np.float32)

    def set_enabled_sources(self, on: bool, why: str = "") -> None:
        """Switch every source on or off (a set run takes its digits from the minibatches)."""
        self.active = on
        for widget in (self.canvas, self.clear, self.label, self.sample, self.open_button):
            widget.setEnabled(on)
            if why:
                widget.setToolTip(why)

    # ---------------------------------------------------------------- internals
    def _on_drawn(self, ink: np.ndarray) -> None:
        self.image = to_mnist_style(ink)
        self._announce()
        if not self.asking and self.active and ink.max() > 0:
            self._ask(True)
            self.label_asked.emit(self.label.value())

    def _ask(self, on: bool) -> None:
        self.asking = on
        self.label.setStyleSheet(ASKING if on else "")

    def _answered(self) -> None:
        if self.asking:
            self._ask(False)
            self.label_given.emit(self.label.value())

    def _announce(self) -> None:
        if self.image is not None and self.active:
            self.digit_changed.emit(self.image, self.label.value())
