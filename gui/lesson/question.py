"""A lesson step's question: predict first, then reveal — the answer only after a choice is made.

The learner picks one answer (a radio button per choice); Reveal is enabled only then. Revealing
runs the step's reveal action (e.g. opens the runs side by side) and shows whether the guess was
right and the answer's words, computed from the snapshot on screen (the lesson file's ### Answer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Callable, Optional, Protocol

from PySide6.QtWidgets import QButtonGroup, QLabel, QPushButton, QRadioButton, QVBoxLayout, QWidget

from filterlab.engine.lesson.builtin import question_words
from filterlab.engine.lesson.lesson import Step


class Teacher(Protocol):
    """What a lesson step asks of the lesson component (gui/lesson/states.py's LessonStates)."""

    def enter_lesson_step(self, step: Step) -> None: ...
    def start_lesson_training(self, step: Step) -> None: ...
    def lesson_action(self, action: str, step: Step) -> None: ...
    def lesson_views(self, names: Sequence[str]) -> list: ...


class TaughtWindow(Protocol):
    """What a lesson step acts on: a window with the lesson as its component (the digit window)."""

    @property
    def teacher(self) -> Teacher: ...


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[str, ...]
    answer: int                                       # the index of the right choice
    explain: Callable[[Optional[object]], str]        # the answer's words, from the snapshot shown
    reveal: Callable[[TaughtWindow], None] = lambda window: None  # what revealing does to the app
    words: dict = field(default_factory=lambda: question_words("en"))  # its framing words, in the lesson's language


class QuestionBox(QWidget):
    """The question of the step on screen (hidden when it has none)."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_, self.question = window, None
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.group = QButtonGroup(self)
        self.choices: list[QRadioButton] = []
        self.reveal = QPushButton("Reveal")
        self.reveal.setToolTip("Show the answer (choose one first)")
        self.reveal.clicked.connect(self._reveal)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 4, 0, 4)
        self._column.addWidget(self.prompt)
        self._choice_row = QVBoxLayout()
        self._column.addLayout(self._choice_row)
        self._column.addWidget(self.reveal)
        self._column.addWidget(self.answer)
        self.group.buttonToggled.connect(lambda *_: self.reveal.setEnabled(self.chosen is not None and not self.revealed))
        self.revealed = False
        self.show_question(None)

    def show_question(self, question: Optional[Question]) -> None:
        """Ask `question` afresh (nothing chosen, nothing revealed); None hides the box."""
        self.question, self.revealed = question, False
        for button in self.choices:
            self.group.removeButton(button)
            button.deleteLater()
        self.choices = []
        self.answer.clear()
        self.answer.setVisible(False)
        self.setVisible(question is not None)
        if question is None:
            return
        self.prompt.setText(f"<b>{question.words['ask']}</b> {question.prompt}")
        for index, text in enumerate(question.choices):
            button = QRadioButton(text)
            self.group.addButton(button, index)
            self._choice_row.addWidget(button)
            button.show()
            self.choices.append(button)
        self.group.setExclusive(True)
        self.reveal.setEnabled(False)

    @property
    def chosen(self) -> Optional[int]:
        index = self.group.checkedId()
        return None if index < 0 else index

    def refresh(self, snapshot) -> None:
        """The answer's numbers follow the screen once revealed."""
        if self.revealed and self.question is not None:
            self.answer.setText(self._answer_text(snapshot))

    def _reveal(self) -> None:
        if self.question is None or self.chosen is None:
            return
        self.revealed = True
        self.reveal.setEnabled(False)
        for button in self.choices:
            button.setEnabled(False)
        self.question.reveal(self.window_)
        self.answer.setText(self._answer_text(self.window_.shown))
        self.answer.setVisible(True)

    def _answer_text(self, snapshot) -> str:
        question = self.question
        right = question.choices[question.answer]
        words = question.words
        verdict = (f"<b>{words['right']}</b> " if self.chosen == question.answer else
                   words["wrong"].format(chosen=question.choices[self.chosen]) + " ")
        return f"<p>{verdict}{right}.</p>{question.explain(snapshot)}"
