"""What learning added: each filter split into the noise it started as and what training put on it.

w = w0 + Δ. The start w0 is random noise; Δ = w − w0 is everything backprop added — for
a 28x28 kernel on one digit, a sum of copies of the digit, so Δ is the digit (or its
negative) almost exactly, while w still carries its noise. The slider fades the noise
out: it shows Δ + (1 − fade)·w0, from w (fade 0) to Δ alone (fade 1).

The last picture is the map of the weights no loss gradient has reached: under them
every digit trained on so far was blank, so dL/dw = dL/dz × x is exactly 0 there and
only weight decay moves them (towards 0, and under Adam at about the learning rate a
step: the noise there fades too, at its own pace).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout

from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView, unchanged
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.style import GRAY, add_image_box
from filterlab.gui.widgets.title_label import TitleLabel


class LearningAddedView(SnapshotView):
    max_hz = 5  # a study view: it need not follow every frame

    def __init__(self, parent=None):
        super().__init__(parent)
        self.delta = FilterGrid("filters", "Δ = w − w0: what learning added", explain=False)
        self.blend = FilterGrid("filters", "w = w0 + Δ, the noise faded", explain=False)
        self.fade = QSlider(Qt.Orientation.Horizontal)
        self.fade.setRange(0, 100)
        self.fade.setToolTip("Fade the starting noise out of the filters: 0 shows w, 100 shows Δ alone")
        self.fade.valueChanged.connect(lambda _: self._redraw())
        self.untouched_title = TitleLabel("weights no loss gradient has reached")
        self.untouched_note = QLabel()
        self.untouched_note.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        _, self.untouched_image, _ = add_image_box(self.graphics, GRAY, row=0)
        self._last = None
        self.shown_delta = self.shown_blend = None  # what is on screen, for readers and tests
        self._build_layout()
        self.setToolTip("Each filter is its starting noise w0 plus what learning added, Δ")

    def _build_layout(self) -> None:
        fade_row = QHBoxLayout()
        fade_row.addWidget(QLabel("noise"))
        fade_row.addWidget(self.fade, 1)
        fade_row.addWidget(QLabel("faded out"))
        left = QVBoxLayout()
        left.addWidget(self.blend, 1)
        left.addLayout(fade_row)
        right = QVBoxLayout()
        right.addWidget(self.untouched_title)
        right.addWidget(self.graphics, 1)
        right.addWidget(self.untouched_note)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.addWidget(self.delta, 3)
        row.addLayout(left, 3)
        row.addLayout(right, 2)

    def recolour(self) -> None:
        self.delta.recolour()
        self.blend.recolour()

    def _redraw(self) -> None:
        if self._last is not None:
            last, self._last = self._last, None
            self.draw(last)

    def draw(self, snapshot: Snapshot) -> None:
        if unchanged(self._last, snapshot, ("filters", "initial", "image", "untouched")):
            return
        self._last = snapshot
        delta = snapshot.filters - snapshot.initial
        blend = delta + (1 - self.fade.value() / 100) * snapshot.initial
        self.shown_delta, self.shown_blend = delta, blend
        self.delta.draw(replace(snapshot, filters=delta, cosine=cosine_to_image(delta, snapshot.image)))
        self.blend.draw(replace(snapshot, filters=blend, cosine=cosine_to_image(blend, snapshot.image)))
        if snapshot.untouched is not None:
            self.untouched_image.setImage(snapshot.untouched.astype(np.float32) * 0.75, autoLevels=False,
                                          levels=(0.0, 1.0))
            self.untouched_note.setText(
                f"dark: {snapshot.untouched.mean():.1%} of each filter. Every digit so far was blank under "
                "these weights, so dL/dw = dL/dz × x is exactly 0 there: only weight decay moves them.")
