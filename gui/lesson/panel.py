"""The lesson's panel: a step's words, Back and Next, and the views framed.

It stands in the window's side column, where the controls are (gui/lesson/states.py): the
lesson never takes its width from the views it talks about, so on a 1024x768 projector the
filters keep their size. Its words wrap to the column and scroll up and down, never sideways;
its links are buttons whose text wraps (gui/widgets/wrapping.py); Back and Next (`nav`) stand at
the foot of the column, in the same place on every step (the controls a step shows come between).

Entering a step runs its `enter` (gui/lesson/steps.py), frames its views with the
window's spotlight, and shows its words; the numbers in the words follow the training
(refreshed twice a second, not every frame: it is text to read).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from filterlab.gui.lesson.question import QuestionBox
from filterlab.gui.lesson.steps import STEPS
from filterlab.gui.widgets.wrapping import WrappingButton

TEXT_HZ = 2.0
LINE_CHARS = 40  # the panel's width, in average characters of the window's font: a newspaper column


class LessonPanel(QFrame):
    step_entered = Signal(int)  # the index of the step just entered
    closed = Signal()           # its close button (or close()): the window takes the column back

    def __init__(self, window, steps=STEPS):
        super().__init__()
        self.setObjectName("lesson")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.window_, self.steps, self.index = window, steps, 0
        self._texted = 0.0
        self._catch_up = QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.timeout.connect(self._refresh_text)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for label in (self.title, self.text):
            label.setMinimumWidth(1)  # a word longer than the column breaks the word, not the column
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.links = QVBoxLayout()
        self.question = QuestionBox(window)
        self.back, self.next = QPushButton("◀ Back"), QPushButton("Next ▶")
        self.back.setToolTip("The previous step of the lesson")
        self.next.setToolTip("The next step of the lesson: it puts the app in the state it talks about")
        self.back.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next.clicked.connect(lambda: self.go_to(self.index + 1))
        self.close_button = QPushButton("✕")
        self.close_button.setToolTip("Close the lesson; the controls come back (F1 opens it again)")
        self.close_button.setFlat(True)
        self.close_button.clicked.connect(self.close)
        self.count = QLabel()
        self._build_layout()
        self._fit_font()
        window.frame_drawn.connect(self._refresh_text)

    def _build_layout(self) -> None:
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(self.text)
        column.addWidget(self.question)
        column.addLayout(self.links)
        column.addStretch(1)
        self.words_scroll = QScrollArea()
        self.words_scroll.setWidget(body)
        self.words_scroll.setWidgetResizable(True)
        self.words_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.words_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.nav = QWidget()  # Back and Next: placed by the window at the foot of the side column
        buttons = QHBoxLayout(self.nav)
        buttons.setContentsMargins(6, 4, 6, 4)
        buttons.addWidget(self.back)
        buttons.addWidget(self.count, 1, Qt.AlignmentFlag.AlignCenter)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(heading)
        layout.addWidget(self.words_scroll, 1)

    def _fit_font(self) -> None:
        """The title a little larger than the text; the width a column of LINE_CHARS characters (it follows
        presenter zoom, which changes the application's font)."""
        title = QFont(self.font())
        title.setBold(True)
        title.setPointSizeF(title.pointSizeF() * 1.25)
        self.title.setFont(title)
        width = self.fontMetrics().averageCharWidth() * LINE_CHARS + 40
        self.setMinimumWidth(width)
        self.setMaximumWidth(width)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_font()

    def go_to(self, index: int) -> None:
        """Enter step `index` (clamped to the lesson): the app takes that step's state."""
        self.index = max(0, min(index, len(self.steps) - 1))
        step = self.steps[self.index]
        step.enter(self.window_)
        targets = step.spotlight(self.window_)
        self.window_.teacher.lesson_points_at(targets)
        self.window_.spotlight.show_on(targets)
        self.title.setText(step.title)
        self.question.show_question(step.question)
        self._show_links(step)
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(self.steps) - 1)
        self.count.setText(f"{self.index + 1} / {len(self.steps)}")
        self.words_scroll.verticalScrollBar().setValue(0)
        self._texted = 0.0
        self._refresh_text()
        self.step_entered.emit(self.index)

    def link_buttons(self) -> list[WrappingButton]:
        return [self.links.itemAt(i).widget() for i in range(self.links.count())]

    def _show_links(self, step) -> None:
        while self.links.count():
            item = self.links.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for text, action in step.links:
            button = WrappingButton(text)
            button.clicked.connect(lambda _=False, act=action: act(self.window_))
            self.links.addWidget(button)

    def _refresh_text(self, *_) -> None:
        """The step's words with the numbers now on screen; at most TEXT_HZ times a second, and
        never left stale: a frame that comes too soon is caught up by a timer."""
        if not self.isVisible():
            return
        wait = self._texted + 1 / TEXT_HZ - time.perf_counter()
        if wait > 0:
            if not self._catch_up.isActive():
                self._catch_up.start(int(wait * 1000) + 1)
            return
        self._texted = time.perf_counter()
        self.text.setText(self.steps[self.index].text(self.window_.shown))
        self.question.refresh(self.window_.shown)

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        self.nav.hide()
        self.window_.spotlight.show_on([])
        self.closed.emit()
