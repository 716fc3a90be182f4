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
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.lesson.panel import LessonPanel
from filterlab.gui.views.decomposition import DecompositionView
from filterlab.gui.views.digit_view import DigitView
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.loss_plot import LossPlot
from filterlab.gui.views.prediction_bars import PredictionBars
from filterlab.gui.views.probe_plot import ProbePlot
from filterlab.gui.views.similarity_plot import SimilarityPlot
from filterlab.gui.widgets.controls import ControlPanel
from filterlab.gui.widgets.digit_source import DigitSource
from filterlab.gui.widgets.spotlight import Spotlight
from filterlab.gui.windows.base import ExperimentWindow
from filterlab.gui.windows.exports import Exporter
from filterlab.gui.windows.help import add_help_menu
from filterlab.gui.windows.probe import WeightProbe
from filterlab.gui.windows.sessions import SessionActions
from filterlab.gui.worker.pace import LESSON

SKIP_STEPS = 10_000
SETTINGS = ("lr", "optimizer", "momentum", "weight_decay", "filters", "kernel", "init", "init_value")


class DigitWindow(ExperimentWindow):
    experiment_wanted = Signal(object)  # the spec of another experiment to open (the lesson's last step)

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
        self._build_layout()
        self._build_menu()
        self.spotlight = Spotlight(self)
        self.lesson = None  # the lesson's panel, made when first opened
        self.actions.update(add_help_menu(self, lesson=self.open_lesson))
        self.add_keys({"C": self.source.canvas.clear, "F": self.skip.click,
                       **{str(d): (lambda d=d: self.choose_label(d)) for d in range(10)}},
                      {"F": f"fast-forward {SKIP_STEPS:,} steps (Pause or Step stops it)", "C": "clear the canvas",
                       "0-9": "the label the digit is trained as", "Ctrl+O": "open an image of a digit",
                       "Ctrl+S": "save the session", "F1": "the lesson", "Ctrl+Q": "quit"})
        self.source.show_digit(*spec.digit)
        self.start()

    # ------------------------------------------------------------------ layout
    def _build_views(self) -> None:
        self.filters = FilterGrid("filters", "filters now")
        self.initial = FilterGrid("initial", "filters at step 0")
        self.loss = LossPlot()
        self.bars = PredictionBars()
        self.digit = DigitView()
        self.similarity = SimilarityPlot()
        self.maps = FilterGrid("z", "feature maps: each filter's response at every position of the digit")
        self.decomposition = DecompositionView()
        self.probe = ProbePlot()
        self.views = (self.filters, self.initial, self.loss, self.bars, self.digit, self.similarity,
                      self.decomposition, self.maps)

    def _wire(self) -> None:
        c, commands = self.controls, self.commands
        self.source.digit_changed.connect(commands.set_image)
        self.skip.clicked.connect(lambda: commands.skip(SKIP_STEPS))
        c.paint_start_clicked.connect(self.start_from_drawing)
        c.hparams_changed.connect(lambda changes: commands.set_hparams(**changes))
        c.shape_changed.connect(lambda changes: commands.set_hparams(**changes))
        c.per_filter_scale_toggled.connect(self.filters.set_per_filter_scale)
        c.per_filter_scale_toggled.connect(self.initial.set_per_filter_scale)
        c.gradient_overlay_toggled.connect(self.filters.set_show_gradient)
        c.gradient_overlay_toggled.connect(self.digit.set_show_gradient)
        c.initial_toggled.connect(self._show_initial)
        self.filters.clicked.connect(self.decomposition.select)

    def _build_layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.source, 1)
        left.addWidget(self.controls)
        left_panel = QWidget()
        left_panel.setLayout(left)
        left_panel.setMaximumWidth(340)
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.filters)
        middle.addWidget(self.initial)
        middle.setSizes([600, 300])
        now = QWidget()
        now_layout = QHBoxLayout(now)
        now_layout.setContentsMargins(0, 0, 0, 0)
        now_layout.addWidget(self.bars, 3)
        now_layout.addWidget(self.digit, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(now, "prediction · digit")
        self.tabs.addTab(self.decomposition, "one step, taken apart")
        self.tabs.addTab(self.probe, "weight under the mouse")
        self.tabs.addTab(self.maps, "feature maps")
        self.tabs.currentChanged.connect(lambda _: self._draw_current_tab())
        right = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.loss, self.similarity, self.tabs):
            right.addWidget(widget)
        right.setSizes([260, 260, 340])
        split = QSplitter(Qt.Orientation.Horizontal)
        for widget in (left_panel, middle, right):
            split.addWidget(widget)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([340, 600, 560])
        self.set_body(split)
        self.status_device = QLabel("")
        self.statusBar().addPermanentWidget(self.status_device)
        self.resize(1500, 900)

    def _build_menu(self) -> None:
        self.actions: dict[str, QAction] = {}
        menu = self.menuBar().addMenu("&File")
        items = [("Open image…", self.source.open_image, QKeySequence.StandardKey.Open), None,
                 ("Open session…", self.sessions.open, None),
                 ("Save session…", self.sessions.save, QKeySequence.StandardKey.Save), None,
                 ("Export filters forming (GIF, MP4)…", self.exporter.gif, None),
                 ("Export filters as picture (PNG, PDF, SVG)…", self.exporter.png, None),
                 ("Save window as PNG…", self.exporter.window_png, None),
                 ("Export size…", self.exporter.choose_width, None),
                 ("Export history (.npz)…", self.exporter.history, None), None,
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

    def _show_initial(self, on: bool) -> None:
        self.initial.setVisible(on)
        if on and self.shown is not None:
            self.initial.draw(self.shown)

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
            self.source.label.setValue(digit)

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

    # ------------------------------------------------------------------ lesson
    def open_lesson(self) -> None:
        """Help > Lesson: the lesson's panel beside the views, at its first step."""
        if self.lesson is None:
            self.lesson = LessonPanel(self)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lesson)
        self.lesson.show()
        self.lesson.go_to(0)

    def lesson_start(self, seed: int) -> None:
        """The article's experiment from its start: default settings, the bundled 4, `seed`, step 0, paused."""
        config = Config(seed=seed)
        self.run.set_paused(True)
        self.commands.pause()
        self.timeline.go_live()
        self.controls.set_config(config)
        image, label = bundled_digit(4)
        self.source.show_digit(image, label)
        self.commands.set_hparams(**{name: getattr(config, name) for name in SETTINGS})
        self.commands.set_image(image, label)
        self.commands.reset(seed)

    def show_tab(self, name: str) -> None:
        pages = {"prediction": 0, "decomposition": self.decomposition, "probe": self.probe, "maps": self.maps}
        page = pages[name]
        self.tabs.setCurrentIndex(page) if isinstance(page, int) else self.tabs.setCurrentWidget(page)

    def use_lesson_pace(self) -> None:
        self.run.show_speed(LESSON)
        self.set_speed(LESSON)

    def try_small_kernels(self) -> None:
        """8 filters of 5 x 5, through the knobs as a person would set them; then train at the lesson pace."""
        self.controls.filters.setValue(8)
        self.controls.kernel.setValue(5)
        self.show_tab("maps")
        self.use_lesson_pace()
        self.run.set_paused(False)
        self.commands.resume()

    def open_experiment(self, name: str) -> None:
        """Ask for another experiment's window beside this one: "set" (all ten classes) or "lab1d".

        The window is opened by whoever opened this one (gui/app.py), which knows every window.
        """
        from filterlab.engine.digitset.data import bundled_set
        from filterlab.engine.digitset.spec import SetSpec
        from filterlab.engine.lab1d.spec import Lab1DSpec

        spec = SetSpec(Config(filters=16), bundled_set(tuple(range(10)))) if name == "set" else Lab1DSpec()
        self.experiment_wanted.emit(spec)

    # ------------------------------------------------------------------ status
    def update_status(self, frame) -> None:
        snap = frame.snapshot
        self.status_step.setText(f"step {snap.step:,}   loss {snap.loss:.4g}{self.scores(snap)}   "
                                 f"{'running' if frame.running else 'paused'}")
        self.status_device.setText(f"device: {snap.device}")
        if snap.diverged:
            self.status_notice.setText(snap.diverged)
        elif snap.blank_image:
            self.status_notice.setText("blank image: the gradient of every filter is exactly 0, "
                                       "nothing can be learned — draw something")
        elif self.timeline.is_live:
            self.status_notice.setText("")

    def scores(self, snap) -> str:
        """What the status bar adds after the loss (a set run: its test accuracy)."""
        return ""
