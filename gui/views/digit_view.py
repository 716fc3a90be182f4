"""The digit exactly as the network sees it (after MNIST-style centring).

The optional overlay shows |dL/dx|, how strongly each input pixel pushes the loss: the
same backprop signal that shapes the filters, seen from the image's side.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QVBoxLayout

from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.style import GRAY, add_image_box, cosmetic_pen
from filterlab.gui.widgets.title_label import TitleLabel


class DigitView(SnapshotView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.show_gradient = False
        self._shown = self._label = None
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.title = TitleLabel("training digit")
        self.view, self.image, self.overlay = add_image_box(self.graphics, GRAY, row=0)
        self.view.setRange(xRange=(0, 28), yRange=(0, 28), padding=0.02)
        self.notice = pg.TextItem("", color=(255, 200, 60), anchor=(0.5, 0.5))
        self.notice.setPos(14, 14)
        self.view.addItem(self.notice)
        self.patches = QGraphicsPathItem()  # small kernels: the patch each filter responds to most
        self.patches.setPen(cosmetic_pen(QColor(230, 150, 0), 2))
        self.view.addItem(self.patches)
        self.outlined = None  # (F, 2) the patch corners outlined now
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.graphics)
        self.setToolTip("The 28x28 image the network trains on. Overlay: |dL/dx|, where the loss is most "
                        "sensitive to the input. Small kernels: the patches each filter is compared with.")

    def set_show_gradient(self, on: bool) -> None:
        self.show_gradient = on
        self.overlay.setVisible(on)

    def draw(self, snapshot: Snapshot) -> None:
        self._outline(snapshot)
        if not self.show_gradient and self._shown is not None and np.array_equal(self._shown, snapshot.image) \
                and self._label == snapshot.label:
            return  # the digit rarely changes: don't re-render it every frame
        self._shown, self._label = snapshot.image, snapshot.label
        self.image.setImage(snapshot.image, autoLevels=False, levels=(0.0, 1.0))
        if self.show_gradient:
            magnitude = np.abs(snapshot.input_grad)
            self.overlay.setImage(magnitude, autoLevels=False, levels=(0.0, float(magnitude.max()) or 1.0))
        blank = snapshot.blank_image
        self.notice.setText("blank image:\nnothing to learn" if blank else "")
        self.title.set_title(snapshot.digit_caption)  # a set run shows a test digit, not a training one

    def _outline(self, snapshot: Snapshot) -> None:
        """Frame, on the digit, the patch each small filter is compared with (where it responds most)."""
        origins = snapshot.patch_origins
        if origins is None and self.outlined is None:
            return
        if origins is not None and self.outlined is not None and np.array_equal(origins, self.outlined):
            return
        self.outlined = None if origins is None else origins.copy()
        path = QPainterPath()
        k = snapshot.filters.shape[1]
        for row, col in ([] if origins is None else origins):
            path.addRect(QRectF(col, row, k, k))
        self.patches.setPath(path)
