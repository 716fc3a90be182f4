"""The digit window on a set of digits (`--classes`): minibatches, scored on test digits, for the epochs asked.

The training digits come from the minibatches, so the canvas and the digit sources make
way for a test digit to look at (picked, or cycling, or clicked in the gallery of
misclassified digits): the prediction and digit views both show it, with its true label.
The curve under the loss is the test accuracy per epoch; "one step, taken apart" shows
the minibatch's sum; "results" the confusion matrix. The filter grid's label under each
filter is its cosine to the mean image of the class it feeds most.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QGroupBox, QPushButton, QSpinBox, QVBoxLayout, QWidget

from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.digitset.spec import SetSpec
from filterlab.gui.views.batch_decomposition import BatchDecompositionView
from filterlab.gui.views.set_results import AccuracyPlot, ConfusionView, scored_when
from filterlab.gui.windows.digit import DigitWindow
from filterlab.gui.windows.help import SET_VIEWS
from filterlab.gui.worker.pace import LESSON

WHY_OFF = "Training on a set of digits: each step takes the next minibatch"
CYCLE_MS = 3000
MORE_EPOCHS = 5


class SetWindow(DigitWindow):
    help_views = SET_VIEWS  # Help > What am I looking at?

    def __init__(self, spec: SetSpec, running: bool = True, speed=LESSON):
        self.set_spec = spec
        first = DigitSpec(spec.config, spec.digits.test_images[0], int(spec.digits.test_labels[0]))
        super().__init__(first, running=running, factory=spec.build, speed=speed)
        self.setWindowTitle(f"Filter Lab — {spec.description}")
        self.source.set_enabled_sources(False, WHY_OFF)
        self.source.setVisible(False)
        self.control_panel.widget().layout().insertWidget(0, self._examples(len(spec.digits.test_labels)))
        self.controls.paint_start.setEnabled(False)
        self.controls.paint_start.setToolTip(WHY_OFF)
        for control in (self.controls.raw_pixels, self.controls.original, self.controls.article):
            control.setEnabled(False)
            control.setToolTip("The article's setting and pictures are the one-digit experiment's")
        for name in ("Open image…", "Open session…", "Save session…", "Lesson"):  # one training digit
            self.actions[name].setEnabled(False)
        self.filters.caption = ("each step adds the minibatch's digits, each × its own dL/dz: "
                                "the filters keep what the set's classes share")
        self.results.chosen.connect(self.show_test_digit)
        for hands_on in (self.paint_tools.toggle, self.fork_button):  # experiments on one digit's run
            hands_on.setVisible(False)
        self.painting.enabled = False

    def _build_views(self) -> None:
        super()._build_views()
        self.accuracy = AccuracyPlot()
        self.results = ConfusionView()
        self.decomposition = BatchDecompositionView(fetch=self.ask_worker)
        self.curves = self.accuracy
        self.views = (self.filters, self.initial, self.loss, self.bars, self.digit, self.accuracy,
                      self.decomposition, self.results, self.maps)

    def tab_pages(self, now: QWidget) -> list:
        return [(now, "prediction", "prediction · the test digit shown"),
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
        self.example.valueChanged.connect(lambda i: self.commands.call(lambda trainer: trainer.set_example(i)))
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
        self.commands.call(lambda trainer: trainer.train_more(MORE_EPOCHS))
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



