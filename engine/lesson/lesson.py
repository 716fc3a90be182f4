"""A lesson, as read from its file: steps, each with its words, the state it puts the app in, links, a question.

Plain data (no Qt, nothing to call): the reader (engine/lesson/reader.py) builds it and checks every value
when the file is opened; the window (gui/lesson/) acts it out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from filterlab.engine.core.config import Config
from filterlab.engine.lesson.words import Words

# The tabs under the curves, as a teacher reads them on the tab bar.
TABS = ("prediction", "one-step", "learning-added", "one-weight", "predict", "feature-maps")
# The views a step can frame (spotlight).
VIEWS = ("filters", "digit", "canvas", "tabs", "loss", "similarity", "article", "initial", "one-step",
         "learning-added", "feature-maps", "controls")
# The controls a step can hide (as TensorFlow Playground's `_hide`).
CONTROLS = ("lr", "optimizer", "momentum", "weight_decay", "filters", "kernel", "init", "init_value", "pixels",
            "original", "start-from-drawing", "reset", "speed", "skip", "canvas", "samples")
# What a link button (or revealing a question's answer) does; an experiment's own links: actions().
ACTIONS = {
    "compare": "open the step's `compare:` runs side by side, from its seed and digit",
    "predict": "the predict-then-reveal tab, on the filter outlined",
    "paint": "paint on a filter",
    "small-kernels": "8 filters of 5 × 5, training at the lesson pace",
    "raw-pixels": "this step again on raw pixels 0-255 (the article's), its pictures shown",
    "pixels-0-1": "this step again on pixels 0-1 (Filter Lab's), the article's pictures shown",
}


def actions() -> dict[str, str]:
    """Every link action a lesson may name: the lesson's own, and those the experiments declare (engine/registry.py)."""
    from filterlab.engine import registry
    first, *rest = ACTIONS.items()  # the runs side by side, then the other experiments' links, then the window's
    return dict([first, *((action, link.words) for action, link in registry.lesson_links().items()), *rest])


@dataclass(frozen=True)
class Link:
    action: str  # one of ACTIONS
    text: str    # the button's words


@dataclass(frozen=True)
class Question:
    prompt: Words
    choices: tuple[str, ...]
    answer: int                   # the index of the right choice
    explain: Words                # the answer's words, shown once revealed
    reveal: Optional[str] = None  # the action revealing does (one of ACTIONS)


@dataclass(frozen=True)
class Digit:
    image: np.ndarray  # (28, 28) float32 in [0, 1]
    label: int
    source: str        # how the file named it: "digit 4", "sample 17", "image four.png"


@dataclass(frozen=True)
class Step:
    title: str
    words: Words
    line: int                              # the heading's line in the file
    config: Config = field(default_factory=Config)  # the settings (a fresh start uses them)
    digit: Optional[Digit] = None          # None: the bundled 4 (a fresh start) / the digit on screen (no reset)
    reset: bool = True                     # start afresh from the seed (else: keep the run on screen)
    train: int = 0                         # train this many steps, then pause
    run: Optional[float] = None            # keep training: None paused; -1 at the lesson pace; else steps a second
    pixels: Optional[int] = None           # with reset: no, only this of the settings: 1 or 255
    article: Optional[bool] = None         # the article's pictures beside the filters (None: as the step before)
    tab: Optional[str] = None
    spotlight: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    compare: tuple[tuple[str, Config], ...] = ()
    question: Optional[Question] = None
    given: tuple[str, ...] = ()            # the keys the file wrote for this step, in order

    @property
    def running(self) -> bool:
        return self.run is not None

    def shows(self, snap) -> bool:
        """Whether `snap` shows this step's run: a step that starts afresh is not on screen while the training
        thread still shows another optimizer (it is setting the step up); until then its numbers wait."""
        return snap is None or not self.reset or snap.config.optimizer == self.config.optimizer


LESSON_PACE = -1.0  # `run: lesson`


@dataclass(frozen=True)
class Lesson:
    title: str
    language: str
    steps: tuple[Step, ...]
    path: Optional[Path] = None
    intro: Words = field(default_factory=Words)

    @property
    def folder(self) -> Optional[Path]:
        return None if self.path is None else self.path.parent
