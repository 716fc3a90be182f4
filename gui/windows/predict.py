"""Predict, then reveal: the learner commits a guess for a filter before the steps run.

A guess made before looking is what turns watching into learning: the app runs the N
steps only once a guess is committed, then shows the guess beside the result with their
cosine (the same centred cosine as under every filter). The four ready guesses are the
outcomes backprop allows for a 28x28 filter on one digit: the digit, its negative, no
change (it stays noise), or nothing (it fades to 0); or the learner sketches one.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from filterlab.engine.core.metrics import cosine, signed
from filterlab.engine.core.painting import pasted
from filterlab.gui.views.style import DIVERGING, add_image_box
from filterlab.gui.widgets.canvas import DrawingCanvas
from filterlab.gui.windows.context import WindowContext

GUESSES = (("digit", "the digit"), ("inverted", "its negative"), ("noise", "stays noise"),
           ("blank", "fades to blank"), ("sketch", "my sketch →"))
TIPS = {"digit": "the filter becomes the training digit", "inverted": "the filter becomes the inverted digit",
        "noise": "the filter stays as it is now", "blank": "the filter fades to 0",
        "sketch": "the filter becomes what you draw on the small canvas"}


def guess_picture(kind: str, snapshot, index: int, sketch: np.ndarray, negative: bool) -> np.ndarray:
    """The k x k picture a guess stands for, from the snapshot the guess was made on."""
    k = snapshot.filters.shape[1]
    if kind == "noise":
        return snapshot.filters[index].copy()
    if kind == "blank":
        return np.zeros((k, k), np.float32)
    picture = pasted(sketch if kind == "sketch" else snapshot.image, k, 1.0)
    return -picture if kind == "inverted" or (kind == "sketch" and negative) else picture


def score_text(guess: np.ndarray, result: np.ndarray, before: np.ndarray) -> tuple[float | None, str]:
    """(the score, what it says): the cosine of guess and result; a blank guess is judged by size."""
    if not guess.any():
        shrink = float(np.linalg.norm(result) / (np.linalg.norm(before) or 1.0))
        return None, (f"a blank guess has no direction to compare: the filter's size went to {shrink:.0%} of "
                      f"what it was ({'it faded' if shrink < 0.5 else 'it did not fade'})")
    score = cosine(guess, result)
    if not np.isfinite(score):
        return None, "the filter is flat now (no direction to compare): cosine(your guess, the result) = —"
    verdict = "right" if score > 0.7 else "the opposite" if score < -0.7 else "partly right" if abs(score) > 0.3 \
        else "not what happened"
    return score, f"cosine(your guess, the result) = {signed(score)}: {verdict}"


class PredictPanel(QWidget):
    """Commit a guess for one filter, run N steps, see the guess beside the result."""

    def __init__(self, context: WindowContext):
        super().__init__()
        self.context = context
        # (target step, filter, guess, filter before, commands sent) while the steps run
        self.pending: Optional[tuple[int, int, np.ndarray, np.ndarray, int]] = None
        self.score: Optional[float] = None
        self._build()
        context.frame_drawn.connect(self._on_frame)

    def _build(self) -> None:
        self.filter, self.steps = QSpinBox(), QSpinBox()
        self.filter.setRange(1, 64)
        self.filter.setPrefix("filter #")
        self.steps.setRange(1, 100_000)
        self.steps.setValue(200)
        self.steps.setPrefix("after ")
        self.steps.setSuffix(" steps")
        grid = self._guesses()
        self.go = QPushButton("Commit my guess, then run")
        self.go.setToolTip("Pauses, remembers your guess, trains the steps, and shows your guess beside the result")
        self.go.clicked.connect(self.commit)
        self.result = QLabel("Guess first: what will the filter look like after the steps?")
        self.result.setWordWrap(True)
        self.pictures = pg.GraphicsLayoutWidget()
        self.pictures.setBackground("w")
        self.pictures.setFixedHeight(130)
        self._guess_view, self.guess_image, _ = add_image_box(self.pictures, DIVERGING, row=0, col=0)
        self._result_view, self.result_image, _ = add_image_box(self.pictures, DIVERGING, row=0, col=1)
        row = QHBoxLayout()
        row.addWidget(self.filter)
        row.addWidget(self.steps)
        page = QWidget()  # scrolls on a small screen rather than squeezing the views beside it
        column = QVBoxLayout(page)
        column.addLayout(row)
        column.addLayout(grid)
        column.addWidget(self.go)
        column.addWidget(self.result)
        column.addWidget(self.pictures)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def _guesses(self) -> QGridLayout:
        """The five guesses, and the sketch canvas beside them."""
        self.choices = QButtonGroup(self)
        grid = QGridLayout()
        for row, (kind, text) in enumerate(GUESSES):
            button = QRadioButton(text)
            button.setProperty("kind", kind)
            button.setToolTip(TIPS[kind])
            self.choices.addButton(button, row)
            grid.addWidget(button, row, 0)
        self.choices.button(0).setChecked(True)
        self.sketch = DrawingCanvas()
        self.sketch.setFixedSize(100, 100)
        self.sketch.changed.connect(lambda _: self.choices.button(4).setChecked(True))
        self.negative = QCheckBox("negative")
        self.negative.setToolTip("your sketch as negative weights (blue)")
        grid.addWidget(self.sketch, 0, 1, 4, 1)
        grid.addWidget(self.negative, 4, 1)
        return grid

    def kind(self) -> str:
        button = self.choices.checkedButton()
        assert button is not None  # an exclusive group, made with its first choice checked
        return button.property("kind")

    def commit(self) -> None:
        """Remember the guess on the present state, then train the steps in one go (paused after)."""
        frame = self.context.latest()
        if frame is None:
            return
        snapshot = frame.snapshot
        index = min(self.filter.value(), len(snapshot.filters)) - 1
        guess = guess_picture(self.kind(), snapshot, index, self.sketch.ink(), self.negative.isChecked())
        steps = self.steps.value()
        commands = self.context.commands
        self.context.timeline.go_live()
        self.context.run.set_paused(True)
        commands.pause()
        commands.train(steps)
        self.pending = (snapshot.step + steps, index, guess, snapshot.filters[index].copy(), commands.sent)
        self.go.setEnabled(False)
        self.result.setText(f"your guess is in; training {steps:,} steps…")
        self._show(self._guess_view, self.guess_image, guess)
        self.result_image.clear()

    def _on_frame(self, frame) -> None:
        if self.pending is None:
            return
        target, index, guess, before, sent = self.pending
        snapshot = frame.snapshot
        if frame.applied < sent or snapshot.step < target or snapshot.historical:
            return
        self.pending = None
        self.go.setEnabled(True)
        result = snapshot.filters[index]
        self.score, text = score_text(guess, result, before)
        self._show(self._result_view, self.result_image, result)
        self.result.setText(f"left: your guess · right: filter #{index + 1} at step {snapshot.step:,}. {text}")

    @staticmethod
    def _show(view, image, picture) -> None:
        limit = float(np.abs(picture).max()) or 1.0
        image.setImage(np.asarray(picture, np.float32), autoLevels=False, levels=(-limit, limit))
        k = picture.shape[0]
        view.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
