"""The steps the lesson panel walks, made from a lesson file (engine/lesson/): the file is the only source.

Each file step becomes a `LessonStep`: its words rendered with the snapshot on screen (`text(snapshot)`),
what entering it does to the window (`enter(window)`: gui/lesson/states.py acts the step's state out
through the window's own controls; a step with a question holds its training until the answer is revealed), the views it frames, its link buttons and its question. Entering a
step again gives the same state (a fixed seed, a reset), so a teacher can go back and forth.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Optional

from filterlab.engine.lesson.builtin import builtin_lesson, question_words
from filterlab.engine.lesson.lesson import Lesson, Step
from filterlab.gui.lesson.question import Question, TaughtWindow


@dataclass(frozen=True)
class LessonStep:
    title: str
    text: Callable[[Optional[object]], str]
    enter: Callable[[TaughtWindow], None]
    spotlight: Callable[[TaughtWindow], list]
    links: tuple = field(default_factory=tuple)  # (button text, action(window)) pairs
    question: Optional[Question] = None
    source: Optional[Step] = None  # the step as the file wrote it


def steps_of(lesson: Lesson) -> tuple[LessonStep, ...]:
    return tuple(_step(step, lesson.language) for step in lesson.steps)


class BuiltinSteps(Sequence):
    """The built-in lesson's steps, read from its file (in the system's language) when first asked for."""

    @cached_property
    def _steps(self) -> tuple[LessonStep, ...]:
        return steps_of(builtin_lesson())

    def __getitem__(self, index):
        return self._steps[index]

    def __len__(self) -> int:
        return len(self._steps)


STEPS = BuiltinSteps()  # what Help > Lesson teaches unless another lesson was opened


def _step(step: Step, language: str) -> LessonStep:
    held = step.question is not None and (step.train > 0 or step.running)
    start = replace(step, train=0, run=None) if held else step  # a question is answered before the training runs
    return LessonStep(
        title=step.title,
        text=lambda snap: step.words.render(snap if step.shows(snap) else None, step.config, language),
        enter=lambda window: window.teacher.enter_lesson_step(start),
        spotlight=lambda window: window.teacher.lesson_views(step.spotlight),
        links=tuple((link.text, lambda window, action=link.action: window.teacher.lesson_action(action, step))
                    for link in step.links),
        question=_question(step, language, held),
        source=step)


def _question(step: Step, language: str, held: bool) -> Optional[Question]:
    asked = step.question
    if asked is None:
        return None
    prompt = asked.prompt.render(None, step.config, language)
    if prompt.count("<p>") == 1 and prompt.startswith("<p>"):
        prompt = prompt[3:-4]  # one paragraph: it follows "Predict first:" on its line

    def reveal(window: TaughtWindow) -> None:
        if held:  # the training the step held back runs now, the answer's numbers following it
            window.teacher.start_lesson_training(step)
        if asked.reveal:
            window.teacher.lesson_action(asked.reveal, step)
    return Question(prompt, asked.choices, asked.answer,
                    explain=lambda snap: asked.explain.render(snap, step.config, language), reveal=reveal,
                    words=question_words(language))
