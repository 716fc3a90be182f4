"""The window of a set of digits (`--classes`): minibatches, scored on test digits, for the epochs asked.

A NetworkWindow (gui/windows/network.py) like the digit window, with what a set run has: the
training digits come from the minibatches, so in the place of the canvas and the digit sources
stands a test digit to look at (picked, or cycling, or clicked in the gallery of
misclassified digits): the prediction and digit views both show it, with its true label.
The curve under the loss is the test accuracy per epoch; "one step, taken apart" shows
the minibatch's sum; "results" the confusion matrix. The filter grid's label under each
filter is its cosine to the mean image of the class it feeds most.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QGroupBox, QPushButton, QSpinBox, QVBoxLayout

from filterlab.engine.digitset.spec import SetSpec
from filterlab.gui.views.batch_decomposition import BatchDecompositionView
from filterlab.gui.views.set_results import AccuracyPlot, ConfusionView, scored_when
from filterlab.gui.windows.help import SET_VIEWS, add_help_menu
from filterlab.gui.windows.network import NetworkWindow
from filterlab.gui.worker.pace import LESSON
from filterlab.gui.worker.queries import Change, Query

if TYPE_CHECKING:
    from filterlab.engine.digitset.trainer import SetTrainer

CYCLE_MS = 3000
MORE_EPOCHS = 5


# What the set window asks of its run and changes in it (gui/worker/queries.py), on the training thread:
@dataclass(frozen=True)
class BatchContributions(Query[dict]):
    """A set run's last step, taken apart for one filter (engine/digitset/batch.py)."""

    filter: int

    def answer(self, experiment: SetTrainer) -> dict:
        return experiment.batch_contributions(self.filter)


@dataclass(frozen=True)
class SetExample(Change):
    """A set run's test digit shown in the prediction and digit views."""

    index: int

    def apply(self, experiment: SetTrainer) -> None:
        experiment.set_example(self.index)


@dataclass(frozen=True)
class TrainMore(Change):
    """More epochs for a run that has finished the ones asked."""

    epochs: int

    def apply(self, experiment: SetTrainer) -> None:
        experiment.train_more(self.epochs)


class SetWindow(NetworkWindow):
    def __init__(self, spec: SetSpec, running: bool = True, speed=LESSON):
        self.set_spec = spec
        super().__init__(spec.build, spec.config, running=running, speed=speed, many_digits=True,
                         reset_tip="New random initial filters with a new seed; step back to 0 (R)")
        self.setWindowTitle(f"Filter Lab — {spec.description}")
        self.accuracy = AccuracyPlot()
        self.results = ConfusionView()
        self.decomposition = BatchDecompositionView()
        self.decomposition.wants.connect(lambda f: self.ask(BatchContributions(f), self.decomposition.draw_parts))
        self.curves = self.accuracy
        self.views = (self.filters, self.initial, self.loss, self.bars, self.digit, self.accuracy,
                      self.decomposition, self.results, self.maps)
        self.select_together((self.filters,), self.decomposition)
        self.filters.caption = ("each step adds the minibatch's digits, each × its own dL/dz: "
                                "the filters keep what the set's classes share")
        self.results.chosen.connect(self.show_test_digit)
        self.lay_out([(self._examples(len(spec.digits.test_labels)), 0)], [self.filters, self.initial],
                     self.curves, self.tab_pages())
        self.file_menu(self.export_items())
        self.menu_actions.update(add_help_menu(self, views=SET_VIEWS))
        self.key_help.append(("Ctrl+Q", "quit"))
        self.start()

    def tab_pages(self) -> list:
        return [(self.prediction_page(), "prediction", "prediction · the test digit shown"),
                (self.decomposition, "one step", "one minibatch step, taken apart"),
                (self.results, "results", "confusion matrix and the misclassified test digits"),
                (self.probe, "one weight", "the weight under the mouse, over the record"),
                (self.maps, "feature maps", "each filter's response over the test digit")]
    def _examples(self, count: int) -> QGroupBox:
        """The test digit to look at, and more epochs."""
        box = QGroupBox("test digit shown")
        self.example = QSpinBox()
        self.example.setRange(0, count - 1)
        self.example.setPrefix("test digit #")
        self.example.setKeyboardTracking(False)
        self.example.setToolTip("The test digit the prediction and digit views show (never trained on)")
        self.example.valueChanged.connect(lambda i: self.commands.apply(SetExample(i)))
        self.cycle = QCheckBox(f"next one every {CYCLE_MS // 1000} s")
        self._cycler = QTimer(self)
        self._cycler.setInterval(CYCLE_MS)
        self._cycler.timeout.connect(lambda: self.example.setValue((self.example.value() + 1) % count))
        self.cycle.toggled.connect(lambda on: self._cycler.start() if on else self._cycler.stop())
        self.more = QPushButton(f"train {MORE_EPOCHS} more epochs")
        self.more.setToolTip("The run stops after the epochs asked; this asks for more and goes on")
        self.more.clicked.connect(self.train_more)
        layout = QVBoxLayout(box)
        for widget in (self.example, self.cycle, self.more):
            layout.addWidget(widget)
        return box

    def show_test_digit(self, index: int) -> None:
        """A digit clicked in the gallery: its probabilities in the prediction view."""
        self.example.setValue(index)
        self.tabs.setCurrentIndex(0)

    def train_more(self) -> None:
        self.commands.apply(TrainMore(MORE_EPOCHS))
        self.run.set_paused(False)
        self.commands.resume()

    def scores(self, snap) -> str:
        epochs = snap.epochs
        if not epochs:
            before = f"test accuracy {snap.initial_test_accuracy:.1%} before training"
            if snap.step == 0:
                return f"   epoch 0 of {snap.target_epochs}: {before}"
            return (f"   epoch {snap.epoch:.1f} of {snap.target_epochs}: {before}, {snap.test_accuracy:.1%} "
                    f"{scored_when(snap)}")
        return (f"   epoch {snap.epoch:.1f} of {snap.target_epochs}, "
                f"test accuracy {epochs[-1]['test_accuracy']:.1%}")

    def update_status(self, frame) -> None:
        super().update_status(frame)
        snap = frame.snapshot
        if snap.finished and not snap.diverged:
            self.status_notice.set_title(f"{snap.finished} — “train {MORE_EPOCHS} more epochs” goes on")
        self.bars.title.set_title(self.bars.title.title().replace("target", "true label"))



