"""How well a set run has learned: test accuracy per epoch, the confusion matrix, the digits it gets wrong.

The confusion matrix counts the test split, rows the true class and columns the
prediction: the diagonal is what it gets right, and over the test size it is the test
accuracy. The gallery shows the misclassified test digits; click one to see its
probabilities in the prediction view.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.style import GRAY, add_image_box, fixed_plot
from filterlab.gui.widgets.title_label import TitleLabel

GALLERY_COLUMNS = 8
BLUES = pg.ColorMap((0.0, 1.0), [(247, 251, 255), (8, 69, 148)], name="filterlab-counts")


class AccuracyPlot(SnapshotView):
    """Test accuracy after each epoch (epoch 0: before training), with chance marked."""

    max_hz = 4

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = TitleLabel("test accuracy after each epoch")
        self.plot = fixed_plot()
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "test accuracy (%)")
        self.plot.setYRange(0, 100, padding=0.02)
        self.plot.getViewBox().setLimits(minXRange=2)
        self.curve = self.plot.plot(pen=pg.mkPen((40, 90, 160), width=2), symbol="o", symbolSize=6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)

    def draw(self, snapshot) -> None:
        epochs = [0] + [e["epoch"] for e in snapshot.epochs]
        values = [100 * snapshot.initial_test_accuracy] + [100 * e["test_accuracy"] for e in snapshot.epochs]
        self.curve.setData(epochs, values)
        self.title.set_title(f"test accuracy after each epoch: {100 * snapshot.test_accuracy:.1f}% "
                             f"{scored_when(snapshot)} (epoch 0: before training; chance 10%)")


def scored_when(snapshot) -> str:
    """'now', or the step the test scores are of when a large test split was scored a little earlier."""
    return "now" if snapshot.scored_step == snapshot.step else f"at step {snapshot.scored_step:,}"


class ConfusionView(SnapshotView):
    """The test split's confusion matrix and a gallery of its misclassified digits."""

    max_hz = 2
    chosen = Signal(int)  # a misclassified test digit was clicked: its index in the test split

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = TitleLabel("confusion on the test digits (rows: true, columns: predicted)")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.matrix_view, self.matrix, _ = add_image_box(self.graphics, BLUES, row=0, col=0)
        self.counts = [[pg.TextItem("", color=(30, 30, 30), anchor=(0.5, 0.5)) for _ in range(10)] for _ in range(10)]
        for r in range(10):
            for c in range(10):
                self.counts[r][c].setPos(c + 0.5, r + 0.5)
                self.matrix_view.addItem(self.counts[r][c])
        self.gallery_title = TitleLabel("misclassified test digits (click one)")
        self.gallery = pg.GraphicsLayoutWidget()
        self.gallery.setBackground("w")
        self.gallery_view, self.gallery_image, _ = add_image_box(self.gallery, GRAY, row=0)
        self.gallery.scene().sigMouseClicked.connect(self._clicked)
        self.shown_indices = np.zeros(0, dtype=np.int64)
        self.matrix_shown = None
        self._build_layout()

    def _build_layout(self) -> None:
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.graphics, 1)
        right.addWidget(self.gallery_title)
        right.addWidget(self.gallery, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.addLayout(left, 1)
        row.addLayout(right, 1)

    def draw(self, snapshot) -> None:
        confusion = snapshot.confusion
        if confusion is None:
            return
        if self.matrix_shown is None or not np.array_equal(confusion, self.matrix_shown):
            self.matrix_shown = confusion.copy()
            rows = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
            self.matrix.setImage(rows.astype(np.float32), autoLevels=False, levels=(0.0, 1.0))
            for r in range(10):
                for c in range(10):
                    self.counts[r][c].setText(str(confusion[r, c]) if confusion[r, c] else "")
                    self.counts[r][c].setColor((255, 255, 255) if rows[r, c] > 0.5 else (30, 30, 30))
            self.matrix_view.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        self._draw_gallery(snapshot)

    def _draw_gallery(self, snapshot) -> None:
        images, indices = snapshot.misclassified_images, snapshot.misclassified
        shown = indices[:len(images)]
        if np.array_equal(shown, self.shown_indices):
            return
        self.shown_indices = shown
        count = len(images)
        rows = max(1, -(-count // GALLERY_COLUMNS))
        canvas = np.ones((rows * 30, GALLERY_COLUMNS * 30), dtype=np.float32) * 0.15
        for i, image in enumerate(images):
            r, c = divmod(i, GALLERY_COLUMNS)
            canvas[r * 30 + 1:r * 30 + 29, c * 30 + 1:c * 30 + 29] = image
        self.gallery_image.setImage(canvas, autoLevels=False, levels=(0.0, 1.0))
        self.gallery_view.setRange(xRange=(0, GALLERY_COLUMNS * 30), yRange=(0, rows * 30), padding=0.02)
        wrong = len(indices)
        self.gallery_title.set_title(f"misclassified test digits: {wrong} (the first {count}; click one)"
                                     if wrong > count else f"misclassified test digits: {wrong} (click one)")

    def _clicked(self, event) -> None:
        point = self.gallery_view.mapSceneToView(event.scenePos())
        column, row = int(point.x() // 30), int(point.y() // 30)
        index = row * GALLERY_COLUMNS + column
        if 0 <= column < GALLERY_COLUMNS and 0 <= index < len(self.shown_indices):
            self.chosen.emit(int(self.shown_indices[index]))
