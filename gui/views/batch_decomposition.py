"""One minibatch step, taken apart: the gradient is the sum over the batch of each image times its own dL/dz.

With one digit, the gradient of a 28x28 filter is the image times one number. With a
minibatch it is a sum: sum_b dL/dz_b x image_b, every digit pulling the filter its own
way (the mean loss puts 1/B into each dL/dz). This view shows the largest contributions,
the rest summed, and their total, which is the gradient the step used. A batch of images
is too much to copy into every frame: drawn a snapshot of a new step (or another filter
chosen), the view says which filter it `wants`; the window asks the training thread for
that step taken apart (engine/digitset/batch.py, the query BatchContributions) and hands
the answer to `draw_parts`. A test draws it from hand-made parts the same way.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.style import DIVERGING, GRAY, add_image_box

SHOWN = 4


class BatchDecompositionView(SnapshotView):
    max_hz = 2
    selected = Signal(int)  # the filter taken apart (0-based), whichever way it was chosen
    wants = Signal(int)     # the parts of this filter (0-based) at the step drawn, for draw_parts

    def __init__(self, parent=None):
        super().__init__(parent)
        self.filter = QSpinBox()
        self.filter.setPrefix("filter #")
        self.filter.setRange(1, 1)
        self.filter.valueChanged.connect(lambda value: (self.selected.emit(value - 1), self._ask(force=True)))
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.images, self.parts, self.notes = [], [], []
        for col in range(SHOWN + 2):
            gray = add_image_box(self.graphics, GRAY, row=0, col=col)[1] if col < SHOWN else None
            self.images.append(gray)
            self.parts.append(add_image_box(self.graphics, DIVERGING, row=1, col=col)[1])
            self.notes.append(self.graphics.addLabel("", row=2, col=col, color=(60, 60, 60), size="8pt"))
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>one minibatch step, taken apart</b>"))
        top.addStretch(1)
        top.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.caption)
        self._step: int | None = None  # the step of the snapshot drawn
        self._asked_step: int | None = None
        self._waiting = False
        self.shown = None  # the last contributions shown (for readers and tests)

    def select(self, index: int) -> None:
        self.filter.setValue(index + 1)

    def draw(self, snapshot) -> None:
        self.filter.setMaximum(snapshot.filters.shape[0])
        self._step = snapshot.step
        self._ask()

    def _ask(self, force: bool = False) -> None:
        step = self._step
        if self._waiting or (step == self._asked_step and not force) or step is None:
            return
        self._asked_step, self._waiting = step, True
        self.wants.emit(self.filter.value() - 1)

    def draw_parts(self, parts: dict) -> None:
        """The step taken apart (engine/digitset/batch.py's contributions, with `filter`, `step` and
        `engine_gradient`): the largest contributions, the rest summed, the total."""
        self._waiting = False
        self.shown = parts
        contributions, dl_dz = parts["contributions"], parts["dl_dz"]
        order = np.argsort(-np.linalg.norm(contributions.reshape(len(contributions), -1), axis=1))
        top, rest = order[:SHOWN], order[SHOWN:]
        limit = float(np.abs(contributions[top]).max()) or 1.0
        for col in range(SHOWN):
            if col < len(top):
                b = top[col]
                self.images[col].setImage(parts["images"][b], autoLevels=False, levels=(0.0, 1.0))
                self.parts[col].setImage(contributions[b], autoLevels=False, levels=(-limit, limit))
                self.notes[col].setText(f"label {parts['labels'][b]}: dL/dz {dl_dz[b]:+.2g}")
        others = contributions[rest].sum(axis=0) if len(rest) else np.zeros_like(parts["gradient"])
        for col, (data, note) in enumerate(((others, f"+ the other {len(rest)}"),
                                            (parts["gradient"], "= the gradient")), start=SHOWN):
            data = np.asarray(data, dtype=np.float32)
            top_value = float(np.abs(data).max()) or 1.0
            self.parts[col].setImage(data, autoLevels=False, levels=(-top_value, top_value))
            self.notes[col].setText(note)
        self.caption.setText(self._explain(parts, len(contributions)))

    @staticmethod
    def _explain(parts: dict, count: int) -> str:
        f, gap = parts["filter"] + 1, float(np.abs(parts["gradient"] - parts["engine_gradient"]).max())
        full = parts["contributions"].shape[-1] == parts["images"].shape[-1]
        each = ("each digit times its own dL/dz (one number per digit)" if full else
                "each digit's patches, each weighted by dL/d(output map) there")
        return (f"Step {parts['step']:,}, filter #{f}: the minibatch gradient is the sum over its {count} digits of "
                f"{each}; the mean loss puts 1/{count} into every dL/dz. The {min(SHOWN, count)} largest "
                f"contributions are shown; all {count} add up to the gradient the step used "
                f"(largest difference from the engine's: {gap:.1g}).")
