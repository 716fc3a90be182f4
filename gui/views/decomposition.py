"""One filter's last step, taken apart in four pictures, and what the optimizer made of it, measured.

For a kernel as large as the image the filter's output is one number z, and
backprop gives dL/dw = dL/dz x image: the gradient IS the image, scaled by one signed
number. The optimizer then turns the gradient into the step actually taken (Δw): SGD
scales it by -lr (a copy of the digit); Adam divides each pixel by its own running size,
so Δw keeps the gradient's signs, not its proportions, and with weight decay moves the
blank pixels towards 0 too. The caption says which, with the step's measured cosines
(engine/core/explain.py). For smaller kernels the output is a map, and the gradient is the
sum of image patches, each weighted by dL/d(output) at its position.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout

from filterlab.engine.core.explain import anatomy, step_caption
from filterlab.engine.core.metrics import signed
from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView, unchanged
from filterlab.gui.views.style import DIVERGING, GRAY, add_image_box
from filterlab.gui.widgets.title_label import TitleLabel


class DecompositionView(SnapshotView):
    selected = Signal(int)  # the filter taken apart (0-based), whichever way it was chosen

    def __init__(self, parent=None):
        super().__init__(parent)
        self.filter = QSpinBox()
        self.filter.setPrefix("filter #")
        self.filter.setRange(1, 1)
        self.filter.setToolTip("Which filter to take apart (or click a filter in the grid)")
        self.filter.valueChanged.connect(lambda value: (self.selected.emit(value - 1), self._redraw()))
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.titles, self.images, self.values = [], [], []
        titles, values = QHBoxLayout(), QHBoxLayout()
        for col, (title, colormap) in enumerate((("image x", GRAY), ("dL/dz", DIVERGING),
                                                 ("gradient = dL/dz × x", DIVERGING), ("step taken Δw", DIVERGING))):
            self.titles.append(TitleLabel(title))
            titles.addWidget(self.titles[-1], 1)
            _, image, _ = add_image_box(self.graphics, colormap, row=0, col=col)
            self.images.append(image)
            self.values.append(TitleLabel("", bold=False))
            values.addWidget(self.values[-1], 1)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        words = QScrollArea()  # the measured explanation is a paragraph: it scrolls, never clipped
        words.setWidget(self.caption)
        words.setWidgetResizable(True)
        words.setFrameShape(QFrame.Shape.NoFrame)
        words.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        words.setMinimumHeight(4 * self.fontMetrics().lineSpacing())
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>one step, taken apart</b>"))
        top.addStretch(1)
        top.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(titles)
        layout.addWidget(self.graphics, 2)
        layout.addLayout(values)
        layout.addWidget(words, 1)
        self._last: Snapshot | None = None
        self._drawn_for = None  # the filter number drawn
        self.product = self.shown_update = None  # the numbers on screen, for tests and readers

    def select(self, index: int) -> None:
        self.filter.setValue(index + 1)

    def _redraw(self) -> None:
        if self._last is not None:
            last, self._last = self._last, None
            self.draw(last)

    def draw(self, snapshot: Snapshot) -> None:
        fields = ("step", "filters", "image", "label", "dl_dz", "grads", "update", "historical", "config")
        if unchanged(self._last, snapshot, fields) and self._drawn_for == self.filter.value():
            return
        self._last = snapshot
        count, k, _ = snapshot.filters.shape
        self.filter.setMaximum(count)
        f = self.filter.value() - 1
        self._drawn_for = f + 1
        full = k == snapshot.image.shape[0]
        dl_dz = snapshot.dl_dz[f]
        x, scale = snapshot.fed_image, snapshot.config.pixel_scale  # as the network is fed it: 0-1, or 0-255
        if full:
            self.product = dl_dz[0, 0] * x
            middle = np.full((1, 1), dl_dz[0, 0], dtype=np.float32)
            self.titles[1].set_title("dL/dz (one number)")
            self.values[1].set_title(f"dL/dz = {dl_dz[0, 0]:+.3g}")
        else:
            patches = np.lib.stride_tricks.sliding_window_view(x, (k, k))
            self.product = np.einsum("ij,ijab->ab", dl_dz, patches)
            middle = dl_dz
            self.titles[1].set_title("dL/d(output map)")
            self.values[1].set_title(f"range {dl_dz.min():+.2g} … {dl_dz.max():+.2g}")
        self.shown_update = snapshot.update[f]
        self.images[0].setImage(x, autoLevels=False, levels=(0.0, float(scale)))
        self.titles[0].set_title("image x" if scale == 1 else f"image x (raw pixels 0-{scale})")
        for image, data in ((self.images[1], middle), (self.images[2], self.product),
                            (self.images[3], self.shown_update)):
            limit = float(np.abs(data).max()) or 1.0
            image.setImage(np.asarray(data, dtype=np.float32), autoLevels=False, levels=(-limit, limit))
        self.values[0].set_title(f"label {snapshot.label}")
        self.values[2].set_title(f"max |dL/dw| {np.abs(self.product).max():.3g}")
        step = anatomy(snapshot, f)
        if snapshot.historical:
            self.values[3].set_title("not recorded for past steps")
        elif not step.taken:
            self.values[3].set_title("no step taken yet")
        else:
            self.values[3].set_title(f"max |Δw| {np.abs(self.shown_update).max():.3g} · "
                                     f"cos to the digit {signed(step.to_digit)}")
        self.caption.setText(step_caption(snapshot, f))
