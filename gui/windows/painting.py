"""Hands on a filter: paint on it, erase, invert, noise, paste a digit, while it trains.

The point of the experiment: the learner edits what is being learned and watches backprop
answer. Where the digit has ink, the steps move the edit towards ±digit; where it has none,
the loss gradient is exactly 0 and only weight decay acts, which SGD turns into a tiny
shrink and Adam, whose step is normalised, into steps of about the learning rate (and with
no weight decay nothing acts). The note under the tools says which one is happening, with
this run's numbers (engine/core/explain.py).

A stroke is previewed on the grid as it is drawn and sent, when released, as one edit
that the training thread blends into the filter as it is by then (engine/core/painting.py),
so nothing the run learned meanwhile is lost and the edit is one mark on the timeline.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from filterlab.engine.core.brush import stroke_mask
from filterlab.engine.core.explain import paint_words
from filterlab.engine.core.painting import TOOLS, inverted, noise, paint_value, pasted, stroked
from filterlab.engine.data import bundled_index, load_bundled

TOOL_NAMES = {"positive": "brush + (red)", "negative": "brush − (blue)", "eraser": "eraser (to 0)"}


def brush_sigma(k: int) -> float:
    """A stroke about as wide, relative to the filter, as a pen stroke is on the digit."""
    return max(0.6, 1.2 * k / 28)


def _edit(trainer, index: int, make, reset: bool) -> None:
    """On the training thread: the edit, unless the filters changed shape since it was drawn."""
    k = trainer.config.kernel
    if index < trainer.config.filters:
        weights = make(trainer, index)
        if weights.shape == (k, k):
            trainer.set_filter(index, weights, reset)


class PaintTools(QWidget):
    """The painter's controls: on/off, the brush, the whole-filter tools, the optimizer reset, the note."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.toggle = QPushButton("✎ Paint")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Paint on a filter while it trains: drag on it (or double-click a filter). "
                               "Training carries on from your edit (P)")
        self.tool = QComboBox()
        for name in TOOLS:
            self.tool.addItem(TOOL_NAMES[name], name)
        self.tool.setToolTip("The brush paints the filter's own largest weight (+ or −), the eraser pulls to 0")
        self.invert, self.noise, self.paste = QPushButton("invert"), QPushButton("noise"), QPushButton("paste digit")
        self.paste_sample, self.sample = QPushButton("paste sample"), QSpinBox()
        self.sample.setRange(0, len(load_bundled()[1]) - 1)
        self.sample.setPrefix("sample #")
        self.reset = QCheckBox("reset its optimizer state")
        self.reset.setToolTip("Start this filter's optimizer memory (Adam's averages, momentum) again from 0 "
                              "with each edit; otherwise it is kept")
        for button, tip in ((self.invert, "the selected filter becomes its negative"),
                            (self.noise, "the selected filter becomes fresh random noise, as at step 0"),
                            (self.paste, "the selected filter becomes the training digit"),
                            (self.paste_sample, "the selected filter becomes bundled sample #")):
            button.setToolTip(tip)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.extras = QWidget()  # two columns: narrow enough for the filters' column on a 1024 px screen
        grid = QGridLayout(self.extras)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.tool, 0, 0, 1, 2)
        grid.addWidget(self.invert, 1, 0)
        grid.addWidget(self.noise, 1, 1)
        grid.addWidget(self.paste, 2, 0)
        grid.addWidget(self.paste_sample, 2, 1)
        grid.addWidget(self.sample, 3, 1)
        grid.addWidget(self.reset, 4, 0, 1, 2)
        layout = QVBoxLayout(self)  # the toggle and the note go where the window puts them
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.extras)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)  # never squashed
        self.toggle.toggled.connect(self._show)
        self._show(False)

    def _show(self, on: bool) -> None:
        self.setVisible(on)
        self.note.setVisible(on)


class FilterPainting:
    """Wires the tools and the grid's strokes to `window`'s training (its commands queue)."""

    def __init__(self, window, tools: PaintTools):
        self.window, self.grid, self.tools = window, window.filters, tools
        self._stroke = None  # (filter, base weights, coverage mask, tool, value) while a stroke is drawn
        self._landing = None  # the commands count after which the edit shows in frames
        self._seeds = np.random.default_rng()
        self._initial_shown = True  # whether the initial filters were shown before painting hid them
        self.enabled = True  # a set run's window has no one filter of one digit to paint
        tools.toggle.toggled.connect(self.set_on)
        self.grid.double_clicked.connect(self.begin)
        self.grid.painted.connect(self.segment)
        self.grid.paint_done.connect(self.finish)
        tools.invert.clicked.connect(lambda: self.whole(lambda t, k: inverted(t.filter(k))))
        tools.noise.clicked.connect(self.fill_noise)
        tools.paste.clicked.connect(lambda: self.whole(lambda t, k: pasted(t.image, t.config.kernel,
                                                                          paint_value(t.filter(k)))))
        tools.paste_sample.clicked.connect(self.paste_sample)
        window.frame_drawn.connect(self._landed)

    @property
    def on(self) -> bool:
        return self.tools.toggle.isChecked()

    def set_on(self, on: bool) -> None:
        if on and not self.enabled:
            self.tools.toggle.setChecked(False)
            return
        self.grid.set_painting(on)
        # the filters being painted get the room of the initial ones (the "initial filters" box brings them back)
        initial = self.window.controls.initial
        if on:
            self._initial_shown = initial.isChecked()
        initial.setChecked(not on and self._initial_shown)
        if on and self.window.frame is not None:
            self.tools.note.setText(paint_words(self.window.frame.snapshot.config, self.window.frame.snapshot))

    def begin(self, index: int) -> None:
        """A double-click on a filter: that one selected, painting on."""
        if not self.enabled:
            return
        self.grid.select(index)
        self.window.decomposition.select(index)
        self.tools.toggle.setChecked(True)

    # ------------------------------------------------------------- strokes
    def segment(self, index: int, p0, p1) -> None:
        snapshot = self.window.shown
        if snapshot is None or snapshot.historical or not self.window.timeline.is_live:
            self.tools.note.setText("you are looking at a recorded step: press Live to paint on the present")
            return
        if self._stroke is None or self._stroke[0] != index:
            base = snapshot.filters[index].copy()
            tool = self.tools.tool.currentData()
            self._stroke = (index, base, np.zeros_like(base), tool, paint_value(base))
        index, base, mask, tool, value = self._stroke
        stroke_mask(mask, p0, p1, brush_sigma(base.shape[0]))
        self.grid.set_preview({index: stroked(base, mask, tool, value)})

    def finish(self, index: int) -> None:
        if self._stroke is None or self._stroke[0] != index:
            return
        _, base, mask, tool, value = self._stroke
        self._stroke = None
        self.window.undo_stack.push(FilterStroke(self, index, base, mask, tool, value))  # its redo sends it

    # --------------------------------------------------------- whole filter
    def whole(self, make) -> None:
        """The selected filter becomes make(trainer, k) (on the training thread, from the filter as it is)."""
        self._send(self.grid.selected or 0, make)

    def fill_noise(self) -> None:
        seed = int(self._seeds.integers(2**31))
        self.whole(lambda trainer, k: noise(trainer.config.kernel, seed))

    def paste_sample(self) -> None:
        image, _ = bundled_index(self.tools.sample.value())
        self.whole(lambda trainer, k: pasted(image, trainer.config.kernel, paint_value(trainer.filter(k))))

    def _send(self, index: int, make) -> None:
        reset = self.tools.reset.isChecked()
        self.window.commands.call(lambda trainer: _edit(trainer, index, make, reset))
        self._landing = self.window.commands.sent
        if self.window.frame is not None:
            self.tools.note.setText(paint_words(self.window.frame.snapshot.config, self.window.frame.snapshot))

    def _landed(self, frame) -> None:
        """The frame that holds the edit has been drawn: the preview has done its job."""
        if self._landing is not None and frame.applied >= self._landing and self._stroke is None:
            self._landing = None
            self.grid.set_preview({})


class FilterStroke(QUndoCommand):
    """A stroke on a filter, undoable: undo takes away what the stroke added (stroked(base) - base) from the
    filter as it is by then, so what training did meanwhile stays (paused: the filter is as before the stroke,
    exactly); redo paints the stroke again."""

    def __init__(self, painting: FilterPainting, index: int, base, mask, tool: str, value: float):
        super().__init__(f"paint on filter #{index + 1}")
        self.painting, self.index, self.base, self.mask = painting, index, base, mask
        self.tool, self.value = tool, value

    def redo(self) -> None:
        base, mask, tool, value = self.base, self.mask, self.tool, self.value
        self.painting._send(self.index, lambda trainer, k: stroked(trainer.filter(k), mask, tool, value)
                            if trainer.filter(k).shape == base.shape else trainer.filter(k))

    def undo(self) -> None:
        base, added = self.base, stroked(self.base, self.mask, self.tool, self.value) - self.base
        self.painting._send(self.index, lambda trainer, k: (trainer.filter(k) - added).astype(np.float32)
                            if trainer.filter(k).shape == base.shape else trainer.filter(k))


def hands_on_column(window, grid: QWidget) -> QWidget:
    """The filters with the painter's tools above them and its note below; "✎ Paint" and "Fork here…"
    on the window's timeline."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(window.paint_tools)
    column.addWidget(grid, 1)
    column.addWidget(window.paint_tools.note)
    window.fork_button = QPushButton("Fork here…")
    window.fork_button.setToolTip("Two runs side by side from the exact state at the step shown: "
                                  "as it was, and with one change")
    window.fork_button.clicked.connect(window.forking.ask)
    window.timeline.add_button(window.paint_tools.toggle)
    window.timeline.add_button(window.fork_button)
    return box
