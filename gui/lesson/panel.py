"""The lesson's panel beside the views: a step's words, Back and Next, and the views framed.

Entering a step runs its `enter` (gui/lesson/steps.py), frames its views with the
window's spotlight, and shows its words; the numbers in the words follow the training
(refreshed twice a second, not every frame: it is text to read).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from filterlab.gui.lesson.question import QuestionBox
from filterlab.gui.lesson.steps import STEPS

TEXT_HZ = 2.0


class LessonPanel(QDockWidget):
    step_entered = Signal(int)  # the index of the step just entered

    def __init__(self, window, steps=STEPS):
        super().__init__("Lesson", window)
        self.setObjectName("lesson")
        self.window_, self.steps, self.index = window, steps, 0
        self._texted = 0.0
        self._catch_up = QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.timeout.connect(self._refresh_text)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.links = QVBoxLayout()
        self.question = QuestionBox(window)
        self.back, self.next = QPushButton("◀ Back"), QPushButton("Next ▶")
        self.back.setToolTip("The previous step of the lesson")
        self.next.setToolTip("The next step of the lesson: it puts the app in the state it talks about")
        self.back.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next.clicked.connect(lambda: self.go_to(self.index + 1))
        self.count = QLabel()
        self._build_layout()
        window.frame_drawn.connect(self._refresh_text)
        self.visibilityChanged.connect(self._on_visibility)

    def _build_layout(self) -> None:
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.title)
        column.addWidget(self.text, 1)
        column.addWidget(self.question)
        column.addLayout(self.links)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addWidget(self.count, 1, Qt.AlignmentFlag.AlignCenter)
        buttons.addWidget(self.next)
        column.addLayout(buttons)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        self.setWidget(scroll)
        self.setMinimumWidth(260)

    def go_to(self, index: int) -> None:
        """Enter step `index` (clamped to the lesson): the app takes that step's state."""
        self.index = max(0, min(index, len(self.steps) - 1))
        step = self.steps[self.index]
        step.enter(self.window_)
        self.window_.spotlight.show_on(step.spotlight(self.window_))
        self.title.setText(step.title)
        self.question.show_question(step.question)
        self._show_links(step)
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(self.steps) - 1)
        self.count.setText(f"{self.index + 1} / {len(self.steps)}")
        self._texted = 0.0
        self._refresh_text()
        self.step_entered.emit(self.index)

    def _show_links(self, step) -> None:
        while self.links.count():
            item = self.links.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for text, action in step.links:
            button = QPushButton(text)
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

    def _on_visibility(self, visible: bool) -> None:
        if not visible:
            self.window_.spotlight.show_on([])
