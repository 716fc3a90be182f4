"""What learning added: each filter split into the noise it started as and what training put on it.

w = w0 + Δ. The start w0 is random noise; Δ = w − w0 is everything training changed. Under
SGD on one digit that is a sum of copies of the digit, so Δ is the digit (or its negative)
while w keeps its noise; under Adam with weight decay Δ also holds −w0 wherever the digit is
blank: the noise it erased. The slider fades the noise out: it shows Δ + (1 − fade)·w0, from
w (fade 0) to Δ alone (fade 1).

The last picture is the map of the weights no loss gradient has reached: under them
every digit trained on so far was blank, so dL/dw = dL/dz × x is exactly 0 there and
only weight decay can move them. The note under it says, measured, how much of each
filter's starting noise is left there and the last step's cosine to the digit
(engine/core/explain.py).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout

from filterlab.engine.core.explain import noise_range, per_filter, percent
from filterlab.engine.core.metrics import cosine_to_image, signed
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
        if unchanged(self._last, snapshot, ("filters", "initial", "image", "untouched", "update", "config")):
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
            self.untouched_note.setText(untouched_words(snapshot))


def untouched_words(snapshot: Snapshot) -> str:
    """Under the map of untouched weights: what moves them in this run, and how much noise is left, measured."""
    config = snapshot.config
    assert snapshot.untouched is not None  # the map these words go under
    words = (f"dark: {snapshot.untouched.mean():.1%} of each filter. Every digit so far was blank under these "
             "weights, so dL/dw = dL/dz × x is exactly 0 there: ")
    if not config.weight_decay:
        words += "with no weight decay, nothing moves them."
    elif config.optimizer == "adam":
        words += (f"only weight decay moves them, and Adam rescales its tiny pull ({config.weight_decay:g} × w) "
                  "to steps of up to about lr, so their noise is erased.")
    else:
        words += (f"only weight decay moves them, by lr × decay = {config.lr * config.weight_decay:.1g} of "
                  "themselves a step.")
    left = snapshot.background_noise_left
    if left is not None:
        words += f" Starting noise left where this digit is blank: {noise_range(left)}"
        words += f" ({per_filter(left, percent)})." if len(left) <= 8 else "."
    if snapshot.last_step_cosine is not None and snapshot.step > 0 and not snapshot.historical:
        words += f" Last step vs the digit: {per_filter(snapshot.last_step_cosine, signed)}." \
            if len(snapshot.last_step_cosine) <= 8 else ""
    return words
