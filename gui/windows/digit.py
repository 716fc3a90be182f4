"""The Filter Lab window: one digit, the filters becoming it, and the hands on the training.

It is an ExperimentWindow (gui/windows/base.py) over a Trainer, built from a DigitSpec
(engine/digit/spec.py) so a test can hand it a small one. Its parts live in their own
modules: where the digit comes from (gui/widgets/digit_source.py), the knobs
(gui/widgets/controls.py), sessions (sessions.py), exports (exports.py) and the weight
probe (probe.py); this module lays them out and wires them to the training.
"""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QTabWidget, QWidget

from filterlab.engine.core.explain import mechanism_note
from filterlab.engine.core.metrics import loss_text
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.lesson.states import LessonStates
from filterlab.gui.views.article_grid import ArticleGrid
from filterlab.gui.views.decomposition import DecompositionView
from filterlab.gui.views.digit_view import DigitView
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.learning_added import LearningAddedView
from filterlab.gui.views.loss_plot import LossPlot
from filterlab.gui.views.prediction_bars import PredictionBars
from filterlab.gui.views.probe_plot import ProbePlot
from filterlab.gui.views.similarity_plot import SimilarityPlot
from filterlab.gui.widgets.controls import ControlPanel
from filterlab.gui.widgets.digit_source import DigitSource
from filterlab.gui.widgets.spotlight import Spotlight
from filterlab.gui.widgets.wrapping import SideColumn
from filterlab.gui.windows.base import ExperimentWindow, status_label
from filterlab.gui.windows.drawing_hands import DrawingHands
from filterlab.gui.windows.exports import Exporter
from filterlab.gui.windows.forking import Forking
from filterlab.gui.windows.help import add_help_menu
from filterlab.gui.windows.original import pixels_status, raw_pixel_note
from filterlab.gui.windows.painting import FilterPainting, PaintTools, hands_on_column
from filterlab.gui.windows.predict import PredictPanel
from filterlab.gui.windows.probe import WeightProbe
from filterlab.gui.windows.sessions import SessionActions
from filterlab.gui.windows.side_column import SideColumnLayout
from filterlab.gui.worker.pace import LESSON

SKIP_STEPS = 10_000
LABEL_MESSAGE_MS = 15_000  # how long the status bar says what class a drawing trains as
SETTINGS = ("lr", "optimizer", "momentum", "weight_decay", "filters", "kernel", "init", "init_value")


class DigitWindow(LessonStates, SideColumnLayout, DrawingHands, ExperimentWindow):

    def __init__(self, spec: DigitSpec = DigitSpec(), running: bool = True, factory=None, speed=LESSON):
        """`factory` builds the experiment instead of spec.build (a set run's: gui/windows/digitset.py)."""
        config = spec.start_config
        self.skip = QPushButton(f"+{SKIP_STEPS:,}")
        self.skip.setToolTip(f"Fast-forward {SKIP_STEPS:,} steps as fast as possible (F); Pause stops it")
        super().__init__(factory or spec.build, running=running, speed=speed, seed_text=f"seed {config.seed}",
                         reset_tip="New random initial filters with a new seed; step back to 0 (R)",
                         extra_buttons=(self.skip,))
        self.setWindowTitle("Filter Lab — watch the filters learn")
        self.source = DigitSource()
        self.controls = ControlPanel(config, self.run)
        self._build_views()
        self.sessions, self.exporter = SessionActions(self), Exporter(self)
        self.probe_control = WeightProbe(self, self.filters, self.probe)
        self._wire()
        self.paint_tools = PaintTools()
        self.undo_stack = QUndoStack(self)  # strokes on the canvas and on the filters (Ctrl+Z, Ctrl+Shift+Z)
        self.painting, self.forking = FilterPainting(self, self.paint_tools), Forking(self)
        self.take_drawings()
        self._build_layout()
        self._build_menu()
        self.spotlight = Spotlight(self)
        self.lesson = None  # the lesson's panel, made when first opened
        self.actions.update(add_help_menu(self, lesson=self.open_lesson))
        self.add_keys({"C": self.source.canvas.clear, "F": self.skip.click, "P": self.paint_tools.toggle.toggle,
                       "Ctrl+Z": self.undo_stack.undo, "Ctrl+Shift+Z": self.undo_stack.redo, "Ctrl+V": self.paste,
                       **{str(d): (lambda d=d: self.choose_label(d)) for d in range(10)}},
                      {"F": f"fast-forward {SKIP_STEPS:,} steps (Pause or Step stops it)", "C": "clear the canvas",
                       "Ctrl+Z": "undo a stroke (on the canvas or a filter) or a clear",
                       "Ctrl+Shift+Z": "redo it", "Ctrl+V": "paste an image of a digit (or drop its file on the window)",
                       "P": "paint on a filter (or double-click one)",
                       "0-9": "the label the digit is trained as", "Ctrl+O": "open an image of a digit",
                       "Ctrl+S": "save the session", "F1": "the lesson", "Ctrl+Q": "quit"})
        self.source.show_digit(*spec.digit)
        self.controls.article.setChecked(config.pixel_scale == 255)  # raw pixels: the article's pictures too
        self.start()

    # ------------------------------------------------------------------ layout
    def _build_views(self) -> None:
        self.filters = FilterGrid("filters", "filters now")
        self.initial = FilterGrid("initial", "filters at step 0")
        self.article = ArticleGrid()
        self.article.setVisible(False)
        self.loss = LossPlot()
        self.bars = PredictionBars()
        self.digit = DigitView()
        self.similarity = SimilarityPlot()
        self.maps = FilterGrid("z", "feature maps: each filter's response at every position of the digit")
        self.decomposition = DecompositionView()
        self.probe = ProbePlot()
        self.learned = LearningAddedView()
        self.predict = PredictPanel(self)
        self.curves = self.similarity  # the view under the loss
        self.views = (self.filters, self.article, self.initial, self.loss, self.bars, self.digit, self.similarity,
                      self.decomposition, self.maps, self.learned)

    def tab_pages(self, now: QWidget) -> list:
        """(page, tab name, tooltip) of the tabs under the curves."""
        return [(now, "prediction", "prediction · training digit"),
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
        self.skip.clicked.connect(lambda: commands.skip(SKIP_STEPS))
        c.paint_start_clicked.connect(self.start_from_drawing)
        c.hparams_changed.connect(lambda changes: commands.set_hparams(**changes))
        c.shape_changed.connect(lambda changes: commands.set_hparams(**changes))
        c.per_filter_scale_toggled.connect(self.filters.set_per_filter_scale)
        c.per_filter_scale_toggled.connect(self.initial.set_per_filter_scale)
        c.gradient_overlay_toggled.connect(self.filters.set_show_gradient)
        c.gradient_overlay_toggled.connect(self.digit.set_show_gradient)
        c.initial_toggled.connect(lambda on: self._show_grid(self.initial, on))
        c.article_toggled.connect(lambda on: self._show_grid(self.article, on))
        c.original_clicked.connect(self.start_original)
        for grid in (self.filters, self.article):
            grid.clicked.connect(self.decomposition.select)
            self.decomposition.selected.connect(grid.select)
            grid.select(0)

    def _build_layout(self) -> None:
        self.control_panel = self._scrolling_panel()
        middle = QSplitter(Qt.Orientation.Vertical)
        for grid in (hands_on_column(self, self.filters), self.article, self.initial):
            middle.addWidget(grid)
        middle.setSizes([600, 400, 300])
        now = QWidget()
        now_layout = QHBoxLayout(now)
        now_layout.setContentsMargins(0, 0, 0, 0)
        now_layout.addWidget(self.bars, 3)
        now_layout.addWidget(self.digit, 2)
        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(False)
        self.tabs.tabBar().setElideMode(Qt.TextElideMode.ElideRight)
        for page, name, tip in self.tab_pages(now):
            self.tabs.setTabToolTip(self.tabs.addTab(page, name), tip)
        self.tabs.currentChanged.connect(lambda _: self._draw_current_tab())
        right = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.loss, self.curves, self.tabs):
            right.addWidget(widget)
        right.setSizes([260, 260, 340])
        self.side = SideColumn(self.control_panel)  # the lesson joins the controls there (gui/lesson/states.py)
        self.middle = middle
        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.side, middle, right):
            split.addWidget(widget)
        for splitter in (split, middle, right):
            splitter.setChildrenCollapsible(False)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        split.setSizes([300, 560, 640])
        self.set_body(split)
        self.status_device = status_label()
        self.try_set = QPushButton("train these filters on all ten classes")
        self.try_set.setToolTip("Open a window that trains the same filters on the 800 bundled training digits")
        self.try_set.clicked.connect(self.open_set_like_this)
        self.try_set.setVisible(False)
        self.statusBar().addPermanentWidget(self.try_set)
        self.statusBar().addPermanentWidget(self.status_device)
        self.resize(1500, 900)

    def open_prediction(self) -> None:
        """The lesson's "your turn": the predict tab, on the filter outlined."""
        self.tabs.setCurrentWidget(self.predict)
        self.predict.filter.setValue((self.filters.selected or 0) + 1)

    def _build_menu(self) -> None:
        self.actions: dict[str, QAction] = {}
        menu = self.menuBar().addMenu("&File")
        items = [("Open image…", self.source.open_image, QKeySequence.StandardKey.Open), None,
                 ("Open session…", self.sessions.open, None),
                 ("Save session…", self.sessions.save, QKeySequence.StandardKey.Save), None,
                 ("Open lesson…", self.open_lesson_file, None),
                 ("Save this state as a lesson step…", self.save_lesson_step, None), None,
                 ("Export filters forming (GIF, MP4)…", self.exporter.gif, None),
                 ("Export filters as picture (PNG, PDF, SVG)…", self.exporter.png, None),
                 ("Save window as PNG…", self.exporter.window_png, None),
                 ("Export size…", self.exporter.choose_width, None),
                 ("Export history (.npz)…", self.exporter.history, None),
                 ("Export as Python script…", self.exporter.script, None),
                 ("Export as notebook…", self.exporter.notebook, None), None,
                 ("Quit", self.close, QKeySequence.StandardKey.Quit)]
        for item in items:
            if item is None:
                menu.addSeparator()
                continue
            text, slot, key = item
            action = QAction(text, self)
            if key is not None:
                action.setShortcut(key)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.actions[text] = action

    def _show_grid(self, grid, on: bool) -> None:
        """Show or hide the initial filters or the article's pictures (drawn at once when shown)."""
        grid.setVisible(on)
        if on and self.shown is not None:
            grid.draw(self.shown)

    def _draw_current_tab(self) -> None:
        """The tab just shown catches up; the views outside it are up to date."""
        page = self.tabs.currentWidget()
        if self.shown is not None and page is not None:
            for view in self.views:
                if view is page or page.isAncestorOf(view):
                    view.draw(self.shown)

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
        self.commands.call(lambda trainer: trainer.set_initial_filters(filters))

    def adopt(self, trainer) -> None:
        """Train an opened session from now on: its settings and digit shown, then the swap."""
        self.controls.set_config(trainer.config)
        self.source.show_digit(trainer.image, trainer.label)
        self.commands.replace(trainer)

    # ------------------------------------------------------------------ status
    def update_status(self, frame) -> None:
        snap = frame.snapshot
        self.status_step.set_title(f"step {snap.step:,}   loss {loss_text(snap.loss)}{self.scores(snap)}   "
                                 f"{'running' if frame.running else 'paused'}")
        self.status_device.set_title(f"device: {snap.device} · {pixels_status(snap.config)}")
        if snap.diverged:
            self.status_notice.set_title(snap.diverged)
        elif snap.blank_image:
            self.status_notice.set_title("blank image: the gradient of every filter is exactly 0, "
                                         "nothing can be learned — draw something")
        elif self.timeline.is_live:
            self.status_notice.set_title(self.small_kernel_note(snap) or raw_pixel_note(snap) or mechanism_note(snap))
        self.try_set.setVisible(bool(self.small_kernel_note(snap)) and self.source.active)

    @staticmethod
    def small_kernel_note(snap) -> str:
        """One digit and small kernels: the output layer alone separates the image, the filters barely move."""
        k, count = snap.config.kernel, snap.filters.shape[0]
        if k >= 28 or snap.loss > 0.01 or getattr(snap, "example", None) is not None:
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

    def scores(self, snap) -> str:
        """What the status bar adds after the loss (a set run: its test accuracy)."""
        return ""
