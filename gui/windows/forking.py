"""Fork here: the run at a recorded step, twice, side by side — as it was, and with one change.

The timeline's "Fork here…" asks what to change at the step it shows; the fork itself is
made on the training thread (engine/comparison/fork.py replays the journal to that exact
state) and opens in a side-by-side window that advances both runs in lockstep. Where the
state cannot be exact (before a loaded session began) the new window says so.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from filterlab.engine.registry import Fork
from filterlab.engine.core.experiment import Spec
from filterlab.engine.core.painting import inverted, noise, paint_value, pasted
from filterlab.engine.data import bundled_index, load_bundled
from filterlab.gui.windows.context import WindowContext
from filterlab.gui.worker.queries import ForkAt

CHANGES = (("lr", "the learning rate"), ("optimizer", "the optimizer"), ("digit", "the digit or its label"),
           ("edit", "one filter, edited"), ("reseed", "one filter, drawn anew from a seed"))
EDITS = (("invert", "inverted"), ("noise", "fresh noise"), ("blank", "blank (all 0)"), ("digit", "the digit"))


def _form(*rows) -> QWidget:
    page = QWidget()
    form = QFormLayout(page)
    for label, widget in rows:
        form.addRow(label, widget)
    return page


class ForkDialog(QDialog):
    """What the fork at `snapshot`'s step changes; `fork()` is the answer."""

    def __init__(self, snapshot, parent=None):
        super().__init__(parent)
        self.snapshot = snapshot
        config = snapshot.config
        self.setWindowTitle(f"Fork at step {snapshot.step:,}")
        self.change = QComboBox()
        for kind, text in CHANGES:
            self.change.addItem(text, kind)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 10.0)
        self.lr.setValue(min(config.lr * 10, 10.0))
        self.optimizer = QComboBox()
        self.optimizer.addItems(["sgd", "adam"] if config.optimizer == "adam" else ["adam", "sgd"])
        self.sample, self.label = QSpinBox(), QSpinBox()
        self.sample.setRange(-1, len(load_bundled()[1]) - 1)
        self.sample.setSpecialValueText("the same digit")
        self.sample.setValue(-1)
        self.label.setRange(0, 9)
        self.label.setValue((snapshot.label + 1) % 10)
        self.sample.valueChanged.connect(lambda i: self.label.setValue(bundled_index(i)[1]) if i >= 0 else None)
        count = snapshot.filters.shape[0]
        self.filter, self.reseed_filter, self.seed = QSpinBox(), QSpinBox(), QSpinBox()
        for box in (self.filter, self.reseed_filter):
            box.setRange(1, count)
            box.setPrefix("#")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(config.seed + 1)
        self.edit = QComboBox()
        for kind, text in EDITS:
            self.edit.addItem(text, kind)
        self.pages = QStackedWidget()
        for page in (_form(("learning rate", self.lr)), _form(("optimizer", self.optimizer)),
                     _form(("sample", self.sample), ("trained as", self.label)),
                     _form(("filter", self.filter), ("becomes", self.edit)),
                     _form(("filter", self.reseed_filter), ("seed", self.seed))):
            self.pages.addWidget(page)
        self.change.currentIndexChanged.connect(self.pages.setCurrentIndex)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Fork")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Two runs side by side from the exact state at step {snapshot.step:,}:\n"
                                "one as it was, one with this change."))
        layout.addWidget(self.change)
        layout.addWidget(self.pages)
        layout.addWidget(buttons)

    def fork(self) -> Fork:
        kind, step = self.change.currentData(), self.snapshot.step
        if kind == "lr":
            return Fork(step, kind, float(self.lr.value()))
        if kind == "optimizer":
            return Fork(step, kind, self.optimizer.currentText())
        if kind == "digit":
            image = self.snapshot.image if self.sample.value() < 0 else bundled_index(self.sample.value())[0]
            return Fork(step, kind, digit=(np.asarray(image, np.float32), self.label.value()))
        if kind == "reseed":
            return Fork(step, kind, self.seed.value(), filter=self.reseed_filter.value() - 1)
        index = self.filter.value() - 1
        return Fork(step, kind, filter=index, weights=self._edited(index))

    def _edited(self, index: int) -> np.ndarray:
        weights = self.snapshot.filters[index]
        k = weights.shape[0]
        edit = self.edit.currentData()
        if edit == "invert":
            return inverted(weights)
        if edit == "noise":
            return noise(k, self.seed.value())
        if edit == "blank":
            return np.zeros((k, k), np.float32)
        return pasted(self.snapshot.image, k, paint_value(weights))


class Forking:
    """The timeline's "Fork here…" (`button`): the dialog, the fork made on the training thread (ForkAt),
    then `open_spec(spec)` opens its window."""

    def __init__(self, context: WindowContext, open_spec: Callable[[Spec], None]):
        self.context, self.open_spec = context, open_spec
        self.dialog: ForkDialog | None = None
        self.button = QPushButton("Fork here…")
        self.button.setToolTip("Two runs side by side from the exact state at the step shown: "
                               "as it was, and with one change")
        self.button.clicked.connect(self.ask)
        context.timeline.add_button(self.button)

    def ask(self) -> None:
        snapshot = self.context.shown()
        if snapshot is None:
            return
        dialog = self.dialog = ForkDialog(snapshot, self.context.parent)
        dialog.accepted.connect(lambda: self.make(dialog.fork()))
        dialog.open()

    def make(self, fork: Fork) -> None:
        self.context.ask(ForkAt(fork), self.open_spec)
