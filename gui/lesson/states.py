"""What the lesson does to the digit window: the states its steps put the app in.

A mixin of the digit window (gui/windows/digit.py): each method works the window's own
controls and commands, as a person would, so what the lesson sets up is what the class sees.
"""
from __future__ import annotations

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.gui.lesson.panel import LessonPanel
from filterlab.gui.lesson.steps import STEPS
from filterlab.gui.worker.pace import LESSON

SETTINGS = ("lr", "optimizer", "momentum", "weight_decay", "filters", "kernel", "init", "init_value", "pixel_scale")
ARTICLE_SEED = 0  # the article's script: torch.manual_seed(0)


class LessonStates:
    lesson_steps = STEPS  # what Help > Lesson teaches

    def open_lesson(self) -> None:
        """Help > Lesson: the lesson's panel in the side column, in the controls' place, at its first step.

        The views keep the room they had: on a 1024x768 projector the lesson beside them took its
        width from the filters (25 px tiles). The controls come back under the lesson on a step that
        points at them (your turn: the canvas), with Ctrl+H, and when the lesson is closed.
        """
        if self.lesson is None:
            self.lesson = LessonPanel(self, self.lesson_steps)
            self.side.add(self.lesson, 0, stretch=1)
            self.side.add(self.lesson.nav)  # under the controls a step shows: Next never moves
            self.lesson.closed.connect(lambda: self.show_controls(True))
        self.lesson.show()
        self.lesson.nav.show()
        self.lesson.go_to(0)

    def lesson_points_at(self, targets) -> None:
        """Under the lesson, only the controls its step points at (your turn: the digit's source, not the
        knobs), in a column no wider than the lesson's; all of them with Ctrl+H."""
        inside = lambda widget: any(widget is t or widget.isAncestorOf(t) for t in targets if t is not None)
        self.controls.setVisible(inside(self.controls))
        self.control_panel.setVisible(inside(self.control_panel))
        self.fit_side_column()
        self.presenter.actions["Hide controls"].setChecked(self.control_panel.isHidden())

    def lesson_start(self, seed: int, pixel_scale: int = 1, **settings) -> None:
        """The article's experiment from its start: default settings (but `settings`, e.g. the optimizer), the
        bundled 4, `seed`, step 0, paused; the signed filters only (the article's pictures hidden)."""
        self.run.set_paused(True)
        self.commands.pause()
        self.controls.article.setChecked(False)
        self.start_as_article(seed, pixel_scale, **settings)

    def start_original(self) -> None:
        """The article's setting exactly (its button): its script's run on raw pixels, from step 0, with its
        pictures beside the signed filters; running or paused as before."""
        self.start_as_article(ARTICLE_SEED, 255)
        self.controls.article.setChecked(True)

    def lesson_original(self, pixel_scale: int, steps: int) -> None:
        """The article's run on `pixel_scale` pixels, trained `steps` steps and paused, its pictures shown."""
        self.lesson_start(ARTICLE_SEED, pixel_scale)
        self.controls.article.setChecked(True)
        self.commands.train(steps)

    def leave_original(self) -> None:
        """Back to pixels 0-1 (a restart at step 0) and the signed filters alone, if the article's were on."""
        self.controls.article.setChecked(False)
        if self.controls.raw_pixels.isChecked():
            self.controls.raw_pixels.setChecked(False)  # as a person would: the box restarts the run

    def start_as_article(self, seed: int, pixel_scale: int, **settings) -> None:
        """Default settings (but `settings`) at `pixel_scale`, the bundled 4, `seed`, step 0, through the window's
        own controls."""
        config = Config(seed=seed, pixel_scale=pixel_scale, **settings)
        self.timeline.go_live()
        self.controls.set_config(config)
        image, label = bundled_digit(4)
        self.source.show_digit(image, label)
        self.commands.set_hparams(**{name: getattr(config, name) for name in SETTINGS})
        self.commands.set_image(image, label)
        self.commands.reset(seed)

    def show_tab(self, name: str) -> None:
        pages = {"prediction": 0, "decomposition": self.decomposition, "probe": self.probe, "maps": self.maps,
                 "learned": self.learned}
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

    def open_comparison(self, runs: tuple) -> None:
        """Open (name, settings) runs side by side from the lesson's seed and the bundled 4, beside this window."""
        from filterlab.engine.comparison.spec import ComparisonSpec
        image, label = bundled_digit(4)
        configs = tuple((name, Config(seed=ARTICLE_SEED, **settings)) for name, settings in runs)
        self.experiment_wanted.emit(ComparisonSpec(configs, image, label, "the bundled 4, seed 0"))

    def open_experiment(self, name: str) -> None:
        """Ask for another experiment's window beside this one: "set" (all ten classes) or "lab1d".

        The window is opened by whoever opened this one (gui/app.py), which knows every window.
        """
        from filterlab.engine.digitset.data import bundled_set
        from filterlab.engine.digitset.spec import SetSpec
        from filterlab.engine.lab1d.spec import Lab1DSpec

        spec = SetSpec(Config(filters=16), bundled_set(tuple(range(10)))) if name == "set" else Lab1DSpec()
        self.experiment_wanted.emit(spec)
