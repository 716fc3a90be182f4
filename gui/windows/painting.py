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

from typing import Callable, Optional

import numpy as np
from PySide6.QtGui import QUndoCommand, QUndoStack
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

from filterlab.engine.core.painting import stroke_mask
from filterlab.engine.core.explain import paint_words
from filterlab.engine.core.painting import TOOLS, paint_value, stroked
from filterlab.engine.data import bundled_index, load_bundled
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.windows.context import WindowContext
from filterlab.gui.worker.queries import EditFilter, FilterEdit, FreshNoise, Invert, Paste, Stroke, Unstroke

TOOL_NAMES = {"positive": "brush + (red)", "negative": "brush − (blue)", "eraser": "eraser (to 0)"}


def brush_sigma(k: int) -> float:
    """A stroke about as wide, relative to the filter, as a pen stroke is on the digit."""
    return max(0.6, 1.2 * k / 28)


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
    """Wires the tools and the grid's strokes to the training (named EditFilter changes, gui/worker/queries.py).

    Given the filter `grid` painted on, the `initial` checkbox (the initial filters give the painted ones
    their room), the `undo_stack` strokes go on, and `select(index)`: a filter double-clicked is selected
    elsewhere too (the one-step view). Its toggle stands on the timeline.
    """

    def __init__(self, context: WindowContext, grid: FilterGrid, tools: PaintTools, initial: QCheckBox,
                 undo_stack: QUndoStack, select: Callable[[int], None]):
        self.context, self.grid, self.tools = context, grid, tools
        self.initial, self.undo_stack, self.select = initial, undo_stack, select
        # (filter, base weights, coverage mask, tool, value) while a stroke is drawn
        self._stroke: Optional[tuple[int, np.ndarray, np.ndarray, str, float]] = None
        self._landing: Optional[int] = None  # the commands count after which the edit shows in frames
        self._seeds = np.random.default_rng()
        self._initial_shown = True  # whether the initial filters were shown before painting hid them
        tools.toggle.toggled.connect(self.set_on)
        self.grid.double_clicked.connect(self.begin)
        self.grid.painted.connect(self.segment)
        self.grid.paint_done.connect(self.finish)
        tools.invert.clicked.connect(lambda: self.whole(Invert()))
        tools.noise.clicked.connect(self.fill_noise)
        tools.paste.clicked.connect(lambda: self.whole(Paste()))
        tools.paste_sample.clicked.connect(self.paste_sample)
        context.frame_drawn.connect(self._landed)
        context.timeline.add_button(tools.toggle)

    @property
    def on(self) -> bool:
        return self.tools.toggle.isChecked()

    def set_on(self, on: bool) -> None:
        self.grid.set_painting(on)
        # the filters being painted get the room of the initial ones (the "initial filters" box brings them back)
        if on:
            self._initial_shown = self.initial.isChecked()
        self.initial.setChecked(not on and self._initial_shown)
        self._say_what_acts(on)

    def _say_what_acts(self, on: bool = True) -> None:
        frame = self.context.latest()
        if on and frame is not None:
            self.tools.note.setText(paint_words(frame.snapshot.config, frame.snapshot))

    def begin(self, index: int) -> None:
        """A double-click on a filter: that one selected, painting on."""
        self.grid.select(index)
        self.select(index)
        self.tools.toggle.setChecked(True)

    # ------------------------------------------------------------- strokes
    def segment(self, index: int, p0, p1) -> None:
        snapshot = self.context.shown()
        if snapshot is None or snapshot.historical or not self.context.timeline.is_live:
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
        self.undo_stack.push(FilterStroke(self, index, base, mask, tool, value))  # its redo sends it

    # --------------------------------------------------------- whole filter
    def whole(self, edit: FilterEdit) -> None:
        """The selected filter edited (on the training thread, from the filter as it is)."""
        self._send(self.grid.selected or 0, edit)

    def fill_noise(self) -> None:
        self.whole(FreshNoise(int(self._seeds.integers(2**31))))

    def paste_sample(self) -> None:
        image, _ = bundled_index(self.tools.sample.value())
        self.whole(Paste(np.asarray(image, np.float32)))

    def _send(self, index: int, edit: FilterEdit) -> None:
        commands = self.context.commands
        commands.apply(EditFilter(index, edit, self.tools.reset.isChecked()))
        self._landing = commands.sent
        self._say_what_acts()

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
        self.painting._send(self.index, Stroke(self.mask, self.tool, self.value))

    def undo(self) -> None:
        self.painting._send(self.index, Unstroke(stroked(self.base, self.mask, self.tool, self.value) - self.base))


def hands_on_column(tools: PaintTools, grid: QWidget) -> QWidget:
    """The filters with the painter's tools above them and its note below."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(tools)
    column.addWidget(grid, 1)
    column.addWidget(tools.note)
    return box
