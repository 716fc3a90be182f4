"""The Filter Lab window: one digit, the filters becoming it, and the hands on the training.

It is a NetworkWindow (gui/windows/network.py: the knobs, the filters, loss, prediction,
feature maps, probe and exports it shares with the set window) over a Trainer, built from a
DigitSpec (engine/digit/spec.py) so a test can hand it a small one. What only one digit's
run has it mounts as components, each given the window's narrow context (context.py):
where the digit comes from (gui/widgets/digit_source.py), painting (painting.py), forking
(forking.py), predict (predict.py), sessions (sessions.py); and the lesson
(gui/lesson/states.py), the article's pictures, the step taken apart, what learning added.
"""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Optional

import numpy as np
from PIL import Image
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QPushButton

from filterlab.engine.core.explain import mechanism_note
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.lesson.lesson import Lesson
from filterlab.gui.lesson.panel import LessonPanel
from filterlab.gui.lesson.states import LessonStates
from filterlab.gui.views.article_grid import ArticleGrid
from filterlab.gui.views.decomposition import DecompositionView
from filterlab.gui.views.learning_added import LearningAddedView
from filterlab.gui.views.similarity_plot import SimilarityPlot
from filterlab.gui.widgets.digit_source import DigitSource
from filterlab.gui.widgets.spotlight import Spotlight
from filterlab.gui.windows.drawing_hands import DrawingHands
from filterlab.gui.windows.forking import Forking
from filterlab.gui.windows.help import add_help_menu
from filterlab.gui.windows.network import NetworkWindow
from filterlab.gui.windows.raw_pixels import raw_pixel_note
from filterlab.gui.windows.painting import FilterPainting, PaintTools, hands_on_column
from filterlab.gui.windows.predict import PredictPanel
from filterlab.gui.windows.sessions import SessionActions
from filterlab.gui.worker.pace import LESSON
from filterlab.gui.worker.queries import SetInitialFilters

if TYPE_CHECKING:  # torch: imported on its own thread, after the window is on screen (gui/worker/preload.py)
    from filterlab.engine.digit.trainer import Trainer

LABEL_MESSAGE_MS = 15_000  # how long the status bar says what class a drawing trains as


class DigitWindow(NetworkWindow):
    def __init__(self, spec: DigitSpec = DigitSpec(), running: bool = True, factory=None, speed=LESSON):
        """`factory` builds the experiment instead of spec.build (a test's small or failing one)."""
        config = spec.start_config
        super().__init__(factory or spec.build, config, running=running, speed=speed,
                         reset_tip="New random initial filters with a new seed; step back to 0 (R)")
        self.setWindowTitle("Filter Lab — watch the filters learn")
        self.source = DigitSource()
        self.article = ArticleGrid()
        self.article.setVisible(False)
        self.similarity = SimilarityPlot()
        self.decomposition = DecompositionView()
        self.learned = LearningAddedView()
        self.predict = PredictPanel(self.context)
        self.curves = self.similarity  # the view under the loss
        self.views = (self.filters, self.article, self.initial, self.loss, self.bars, self.digit, self.similarity,
                      self.decomposition, self.maps, self.learned)
        self.sessions = SessionActions(self.context, self.adopt)
        self.teacher = LessonStates(self)  # the lesson (gui/lesson/states.py), its panel made when first opened
        self._wire()
        self.paint_tools = PaintTools()
        self.undo_stack = QUndoStack(self)  # strokes on the canvas and on the filters (Ctrl+Z, Ctrl+Shift+Z)
        self.painting = FilterPainting(self.context, self.filters, self.paint_tools, self.controls.initial,
                                       self.undo_stack, self.decomposition.select)
        self.forking = Forking(self.context, self.experiment_wanted.emit)
        self.drawing = DrawingHands(self, self.source, self.undo_stack, self.statusBar().showMessage)
        self.try_set = QPushButton("train these filters on all ten classes")
        self.try_set.setToolTip("Open a window that trains the same filters on the 800 bundled training digits")
        self.try_set.clicked.connect(self.open_set_like_this)
        self.try_set.setVisible(False)
        self.statusBar().addPermanentWidget(self.try_set)
        self.lay_out([(self.source, 1)], [hands_on_column(self.paint_tools, self.filters), self.article, self.initial],
                     self.curves, self.tab_pages())
        self.file_menu([("Open image…", self.source.open_image, QKeySequence.StandardKey.Open), None,
                        ("Open session…", self.sessions.open, None),
                        ("Save session…", self.sessions.save, QKeySequence.StandardKey.Save), None,
                        ("Open lesson…", self.teacher.open_lesson_file, None),
                        ("Save this state as a lesson step…", self.teacher.save_lesson_step, None), None,
                        *self.export_items()])
        self.spotlight = Spotlight(self)
        self.menu_actions.update(add_help_menu(self, lesson=self.teacher.open_lesson))
        self._add_keys()
        image, label = spec.digit
        assert label is not None, "a window's digit has its class (the command line and a session give one)"
        self.source.show_digit(image, label)
        self.controls.article.setChecked(config.pixel_scale == 255)  # raw pixels: the article's pictures too
        self.start()

    def _add_keys(self) -> None:
        self.add_keys({"C": self.source.canvas.clear, "P": self.paint_tools.toggle.toggle,
                       "Ctrl+Z": self.undo_stack.undo, "Ctrl+Shift+Z": self.undo_stack.redo, "Ctrl+V": self.drawing.paste,
                       **{str(d): partial(self.choose_label, d) for d in range(10)}},
                      {"C": "clear the canvas",
                       "Ctrl+Z": "undo a stroke (on the canvas or a filter) or a clear",
                       "Ctrl+Shift+Z": "redo it", "Ctrl+V": "paste an image of a digit (or drop its file on the window)",
                       "P": "paint on a filter (or double-click one)",
                       "0-9": "the label the digit is trained as", "Ctrl+O": "open an image of a digit",
                       "Ctrl+S": "save the session", "F1": "the lesson", "Ctrl+Q": "quit"})

    def tab_pages(self) -> list:
        """(page, tab name, tooltip) of the tabs under the curves."""
        return [(self.prediction_page(), "prediction", "prediction · training digit"),
                (self.decomposition, "one step", "one step, taken apart"),
                (self.learned, "learning added", "what learning added: each filter = its start + Δ"),
                (self.probe, "one weight", "the weight under the mouse, over the record"),
                (self.predict, "predict", "predict, then reveal: guess a filter before the steps run"),
                (self.maps, "feature maps", "each filter's response over the digit")]

    def _wire(self) -> None:
        c, commands = self.controls, self.commands
        self.source.digit_changed.connect(commands.set_image)
        self.source.label_asked.connect(lambda label: self.statusBar().showMessage(
            f"your drawing trains as a {label}: press the digit you drew (0-9) to label it", LABEL_MESSAGE_MS))
        self.source.label_given.connect(lambda label: self.statusBar().showMessage(
            f"your drawing trains as a {label}", LABEL_MESSAGE_MS))
        c.paint_start_clicked.connect(self.start_from_drawing)
        c.article_toggled.connect(lambda on: self._show_grid(self.article, on))
        c.original_clicked.connect(lambda: self.teacher.start_original())
        self.select_together((self.filters, self.article), self.decomposition)

    @property
    def lesson(self) -> Optional[LessonPanel]:
        """The lesson's panel (None until Help > Lesson first opened it)."""
        return self.teacher.panel

    def teach(self, lesson: Optional[Lesson] = None, index: int = 0) -> None:
        """The lesson's panel on `lesson` (None: the built-in one) at step `index` (`--lesson`, gui/app.py)."""
        self.teacher.teach(lesson, index)

    def framed(self) -> list:
        return self.spotlight.targets if self.spotlight.isVisible() else []

    def open_prediction(self) -> None:
        """The lesson's "your turn": the predict tab, on the filter outlined."""
        self.tabs.setCurrentWidget(self.predict)
        self.predict.filter.setValue((self.filters.selected or 0) + 1)

    # ---------------------------------------------------------------- commands
    def choose_label(self, digit: int) -> None:
        """A digit key: the label the digit is trained as (when the digit is the user's to choose)."""
        if self.source.label.isEnabled():
            self.source.choose_label(digit)

    def start_from_drawing(self) -> None:
        """Every filter starts as the canvas digit, scaled to PyTorch's initial weight size."""
        image = self.source.image
        if image is None or self.frame is None:
            return
        config = self.frame.snapshot.config
        k = config.kernel
        painted = np.asarray(Image.fromarray(image).resize((k, k), Image.Resampling.BOX))
        painted = painted - painted.mean()
        top = float(np.abs(painted).max()) or 1.0
        filters = np.repeat((painted / top / k)[None], config.filters, axis=0).astype(np.float32)
        self.commands.apply(SetInitialFilters(filters))

    def adopt(self, trainer: Trainer) -> None:
        """Train an opened session from now on: its settings and digit shown, then the swap."""
        self.controls.set_config(trainer.config)
        self.source.show_digit(trainer.image, trainer.label)
        self.commands.replace(trainer)

    # ------------------------------------------------------------------ status
    def update_status(self, frame) -> None:
        super().update_status(frame)
        self.try_set.setVisible(bool(self.small_kernel_note(frame.snapshot)) and self.source.active)

    def live_note(self, snap) -> str:
        return self.small_kernel_note(snap) or raw_pixel_note(snap) or mechanism_note(snap)

    @staticmethod
    def small_kernel_note(snap) -> str:
        """One digit and small kernels: the output layer alone separates the image, the filters barely move."""
        k, count = snap.config.kernel, snap.filters.shape[0]
        if k >= 28 or snap.loss > 0.01:
            return ""
        moved = float(np.linalg.norm(snap.filters - snap.initial) / (np.linalg.norm(snap.initial) or 1.0))
        if moved > 0.5:
            return ""
        weights = 10 * count * (29 - k) ** 2
        return (f"one digit, {k}×{k} filters: the output layer alone ({weights:,} weights) separates this image "
                f"(loss {snap.loss:.1g}), so the filters moved only {moved:.0%} of their size; strokes appear "
                "when there are many digits to tell apart")

    def open_set_like_this(self) -> None:
        """The same filters on all ten classes, in a window beside this one."""
        from filterlab.engine import registry
        if self.frame is not None:
            config = self.frame.snapshot.config.with_(seed=0, pixel_scale=1)  # raw pixels: one digit only
            self.experiment_wanted.emit(registry.capability(registry.ALL_DIGITS)(config))
