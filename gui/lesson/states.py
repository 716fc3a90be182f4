"""What the lesson does to the digit window: the states its steps put the app in.

A component of the digit window (gui/windows/digit.py), the one window with a lesson, given that
window: the lesson acts the window out, each method working its own controls and commands, as a person would, so what the lesson sets up is what the class sees.
A step's state comes from its lesson file (engine/lesson/lesson.py: Step); File > Open lesson…
opens another file and "Save this state as a lesson step…" writes the state on screen to one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any, Optional, Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QFormLayout, QMessageBox, QPushButton, QStatusBar, QTabWidget, QWidget

from filterlab.engine import registry
from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.lesson.authoring import Scene, append_step
from filterlab.engine.lesson.lesson import LESSON_PACE, TABS, Lesson, Step
from filterlab.engine.lesson.reader import LessonError, read_lesson
from filterlab.gui.lesson.panel import LessonPanel
from filterlab.gui.lesson.steps import STEPS, LessonStep, steps_of
from filterlab.gui.widgets.controls import ControlPanel
from filterlab.gui.widgets.digit_source import DigitSource
from filterlab.gui.widgets.run_controls import RunControls
from filterlab.gui.widgets.timeline_bar import TimelineBar
from filterlab.gui.widgets.wrapping import SideColumn
from filterlab.gui.windows.painting import PaintTools
from filterlab.gui.windows.presenter import Presenter
from filterlab.gui.worker.commands import Commands
from filterlab.gui.windows.file_dialogs import ask_file
from filterlab.gui.worker.pace import LESSON

SETTINGS = ("lr", "optimizer", "momentum", "weight_decay", "filters", "kernel", "init", "init_value", "pixel_scale")
ARTICLE_SEED = 0  # the article's script: torch.manual_seed(0)
LESSON_FILES = "Filter Lab lessons (*.md);;All files (*)"


class OnHide(QObject):
    """Calls `then()` whenever `widget` is hidden (the lesson's panel closed)."""

    def __init__(self, widget, then):
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Hide:
            self.then()
        return False


class LessonWindow(Protocol):
    """What the lesson works of its window (the digit window, gui/windows/digit.py): its controls and commands,
    the views it points at, the side column it stands in."""

    @property
    def source(self) -> DigitSource: ...
    @property
    def controls(self) -> ControlPanel: ...
    @property
    def control_panel(self) -> Optional[QWidget]: ...
    @property
    def side(self) -> Optional[SideColumn]: ...
    @property
    def run(self) -> RunControls: ...
    @property
    def commands(self) -> Commands: ...
    @property
    def timeline(self) -> TimelineBar: ...
    @property
    def presenter(self) -> Presenter: ...
    @property
    def paint_tools(self) -> PaintTools: ...
    @property
    def tabs(self) -> QTabWidget: ...
    @property
    def skip(self) -> QPushButton: ...
    @property
    def experiment_wanted(self) -> Any: ...  # a Signal(object): emit(spec) opens that experiment beside
    @property
    def shown(self) -> Any: ...  # the snapshot the views show
    @property
    def filters(self) -> QWidget: ...
    @property
    def initial(self) -> QWidget: ...
    @property
    def article(self) -> QWidget: ...
    @property
    def digit(self) -> QWidget: ...
    @property
    def loss(self) -> QWidget: ...
    @property
    def similarity(self) -> QWidget: ...
    @property
    def decomposition(self) -> QWidget: ...
    @property
    def learned(self) -> QWidget: ...
    @property
    def maps(self) -> QWidget: ...
    @property
    def probe(self) -> QWidget: ...
    @property
    def predict(self) -> QWidget: ...
    def window(self) -> QWidget: ...  # itself, as the widget dialogs stand over
    def statusBar(self) -> QStatusBar: ...
    def show_controls(self, on: bool) -> None: ...
    def fit_side_column(self) -> None: ...
    def set_speed(self, speed: Any) -> None: ...
    def open_prediction(self) -> None: ...


class LessonStates:
    """The lesson of a digit window (`window`): its panel, the states its steps put the window in, lesson files."""

    def __init__(self, window: LessonWindow):
        self.window = window
        self.lesson_steps: Sequence[LessonStep] = STEPS  # what Help > Lesson teaches
        self.panel: Optional[LessonPanel] = None  # the lesson's panel, made when first opened
        self._closing: Optional[OnHide] = None  # brings back the controls a step hid, when the lesson closes

    def open_lesson(self) -> None:
        """Help > Lesson: the lesson's panel in the side column, in the controls' place, at its first step.

        The views keep the room they had: on a 1024x768 projector the lesson beside them took its
        width from the filters (25 px tiles). The controls come back under the lesson on a step that
        points at them (your turn: the canvas), with Ctrl+H, and when the lesson is closed.
        """
        side = self.window.side
        assert side is not None, "the window lays out its side column before a lesson opens"
        if self.panel is None:
            self.panel = LessonPanel(self.window, self.lesson_steps)
            side.add(self.panel, 0, stretch=1)
            side.add(self.panel.nav)  # under the controls a step shows: Next never moves
            self.panel.closed.connect(lambda: self.window.show_controls(True))
        self.panel.show()
        self.panel.nav.show()
        self.panel.go_to(0)

    def lesson_points_at(self, targets) -> None:
        """Under the lesson, only the controls its step points at (your turn: the digit's source, not the
        knobs), in a column no wider than the lesson's; all of them with Ctrl+H."""
        inside = lambda widget: any(widget is t or widget.isAncestorOf(t) for t in targets if t is not None)
        panel = self.window.control_panel
        assert panel is not None, "the window lays out its controls before a lesson points at them"
        self.window.controls.setVisible(inside(self.window.controls))
        panel.setVisible(inside(panel))
        self.window.fit_side_column()
        self.window.presenter.actions["Hide controls"].setChecked(panel.isHidden())

    def teach(self, lesson: Optional[Lesson] = None, index: int = 0) -> None:
        """Open the lesson's panel on `lesson` (read from its file; None: the built-in one) at step `index`."""
        self.lesson_steps = STEPS if lesson is None else steps_of(lesson)
        if self.panel is not None:
            self.panel.steps = self.lesson_steps
        self.open_lesson()
        if index and self.panel is not None:
            self.panel.go_to(index)

    def open_lesson_file(self) -> None:
        """File > Open lesson…: a lesson file, checked whole before anything changes; a mistake in one message."""
        path = ask_file(self.window, "Open a lesson", LESSON_FILES, save=False)
        if path:
            self.open_lesson_path(path)

    def open_lesson_path(self, path) -> bool:
        try:
            lesson = read_lesson(path)
        except LessonError as error:
            QMessageBox.warning(self.window.window(), "Cannot open this lesson", str(error))
            return False
        self.teach(lesson)
        return True

    def save_lesson_step(self) -> None:
        """File > Save this state as a lesson step…: append the state on screen to a lesson file."""
        path = ask_file(self.window, "Add this state to a lesson", LESSON_FILES, name="my-lesson.md")
        if path:
            self.save_lesson_step_to(path)

    def save_lesson_step_to(self, path) -> bool:
        try:
            number = append_step(path, self.lesson_scene())
        except (LessonError, OSError) as error:
            message = str(error) if isinstance(error, LessonError) else f"Could not write {path}: {error.strerror or error}"
            QMessageBox.warning(self.window.window(), "Cannot add the step", message)
            return False
        self.window.statusBar().showMessage(f"added step {number} to {path}", 10_000)
        return True

    def lesson_scene(self) -> Scene:
        """The state on screen, as a lesson step can set it again."""
        snap = self.window.shown
        tab = next((name for name in TABS if self._tab_page(name) is self.window.tabs.currentWidget()), None)
        views = [name for name, widget in self._lesson_widgets().items()
                 if name in ("filters", "article", "initial") and widget.isVisible()]
        return Scene(snap.config, snap.image, snap.label, snap.step, tab, tuple(views),
                     self.window.controls.article.isChecked())

    # ------------------------------------------------------------------ acting a step out
    def enter_lesson_step(self, step: Step) -> None:
        """Put the window in the state `step` describes, through its own controls and commands."""
        if self._closing is None:  # the controls a step hid come back when the lesson closes
            self._closing = OnHide(self.panel, lambda: self.show_lesson_controls(()))
        self.show_lesson_controls(step.hide)
        if step.reset:
            self.window.run.set_paused(True)
            self.window.commands.pause()
            self.window.controls.article.setChecked(False)
            image, label = (step.digit.image, step.digit.label) if step.digit else bundled_digit(4)
            self.start_lesson_run(step.config, image, label)
            if step.article:
                self.window.controls.article.setChecked(True)
        else:
            if step.article is False:
                self.window.controls.article.setChecked(False)
            if step.pixels is not None and self.window.controls.raw_pixels.isChecked() != (step.pixels == 255):
                self.window.controls.raw_pixels.setChecked(step.pixels == 255)  # as a person would: the box restarts
            if step.article:
                self.window.controls.article.setChecked(True)
        if step.tab:
            self.show_tab(step.tab)
        self.start_lesson_training(step)

    def start_lesson_training(self, step: Step) -> None:
        """The step's training: `train` steps then paused, or running at its pace (or paused, if neither)."""
        if step.train == 1:
            self.window.commands.step_once()
        elif step.train:
            self.window.commands.train(step.train)
        if step.running:
            speed = LESSON if step.run == LESSON_PACE else step.run
            self.window.run.show_speed(speed)
            self.window.set_speed(speed)
            self.window.run.set_paused(False)
            self.window.commands.resume()
        elif not step.reset:
            self.window.run.set_paused(True)
            self.window.commands.pause()

    def start_lesson_run(self, config: Config, image, label: int) -> None:
        """`config` from step 0 on `image`, through the window's own controls."""
        self.window.timeline.go_live()
        self.window.controls.set_config(config)
        self.window.source.show_digit(image, label)
        values = asdict(config)
        self.window.commands.set_hparams(**{name: values[name] for name in SETTINGS})
        self.window.commands.set_image(image, label)
        self.window.commands.reset(config.seed)

    def lesson_action(self, action: str, step: Step) -> None:
        """What a step's link button (or revealing its answer) does: engine/lesson/lesson.py ACTIONS."""
        if action in ("raw-pixels", "pixels-0-1"):
            pixels = 255 if action == "raw-pixels" else 1
            again = replace(step, config=step.config.with_(pixel_scale=pixels), article=True, run=None, tab=None) \
                if step.reset else replace(step, pixels=pixels, article=True)
            self.enter_lesson_step(again)
        elif action == "compare":
            image, label = (step.digit.image, step.digit.label) if step.digit else bundled_digit(4)
            self.open_comparison(step.compare, image, label, step.digit.source if step.digit else "digit 4")
        elif action in registry.lesson_links():
            self.open_experiment(action)
        elif action == "predict":
            self.window.open_prediction()
        elif action == "paint":
            self.window.paint_tools.toggle.setChecked(True)
        elif action == "small-kernels":
            self.try_small_kernels()

    def lesson_views(self, names) -> list:
        views = self._lesson_widgets()
        return [views[name] for name in names]

    def _lesson_widgets(self) -> dict:
        return {"filters": self.window.filters, "digit": self.window.digit, "canvas": self.window.source, "tabs": self.window.tabs,
                "loss": self.window.loss, "similarity": self.window.similarity, "article": self.window.article, "initial": self.window.initial,
                "one-step": self.window.decomposition, "learning-added": self.window.learned, "feature-maps": self.window.maps,
                "controls": self.window.controls}

    def _lesson_controls(self) -> dict:
        c, run = self.window.controls, self.window.run
        return {"lr": c.lr, "optimizer": c.optimizer, "momentum": c.momentum, "weight_decay": c.weight_decay,
                "filters": c.filters, "kernel": c.kernel, "init": c.init, "init_value": c.init_value,
                "pixels": c.raw_pixels, "original": c.original, "start-from-drawing": c.paint_start,
                "reset": run.reset, "speed": run.speed, "skip": self.window.skip, "step": run.step, "pause": run.pause}

    def show_lesson_controls(self, hidden) -> None:
        """Hide the controls named (a lesson step's `hide:`), with their labels; show every other one."""
        for name, widget in self._lesson_controls().items():
            form = widget.parentWidget().layout() if widget.parentWidget() else None
            if isinstance(form, QFormLayout) and form.indexOf(widget) >= 0:
                form.setRowVisible(widget, name not in hidden)
            else:
                widget.setVisible(name not in hidden)

    def hidden_lesson_controls(self) -> list[str]:
        return [name for name, widget in self._lesson_controls().items() if widget.isHidden()]

    # ------------------------------------------------------------------ the article's run
    def start_original(self) -> None:
        """The article's setting exactly (its button): its script's run on raw pixels, from step 0, with its
        pictures beside the signed filters; running or paused as before."""
        self.start_lesson_run(Config(seed=ARTICLE_SEED, pixel_scale=255), *bundled_digit(4))
        self.window.controls.article.setChecked(True)

    def show_tab(self, name: str) -> None:
        page = self._tab_page(name)
        self.window.tabs.setCurrentIndex(page) if isinstance(page, int) else self.window.tabs.setCurrentWidget(page)

    def _tab_page(self, name: str):
        return {"prediction": self.window.tabs.widget(0), "one-step": self.window.decomposition, "learning-added": self.window.learned,
                "one-weight": self.window.probe, "predict": self.window.predict, "feature-maps": self.window.maps}[name]

    def use_lesson_pace(self) -> None:
        self.window.run.show_speed(LESSON)
        self.window.set_speed(LESSON)

    def try_small_kernels(self) -> None:
        """8 filters of 5 x 5, through the knobs as a person would set them; then train at the lesson pace."""
        self.window.controls.filters.setValue(8)
        self.window.controls.kernel.setValue(5)
        self.show_tab("feature-maps")
        self.use_lesson_pace()
        self.window.run.set_paused(False)
        self.window.commands.resume()

    def open_comparison(self, runs: tuple, image, label: int, digit: str) -> None:
        """Open (name, Config) runs side by side on `image`, beside this window."""
        seeds = sorted({config.seed for _, config in runs})
        where = f"{digit}, seed {', '.join(map(str, seeds))}"
        self.window.experiment_wanted.emit(registry.capability(registry.SIDE_BY_SIDE)(tuple(runs), image, label, where))

    def open_experiment(self, name: str) -> None:
        """Ask for another experiment's window beside this one: a lesson link an experiment declares
        (engine/registry.py). The window is opened by whoever opened this one (gui/app.py)."""
        self.window.experiment_wanted.emit(registry.lesson_links()[name].spec())
