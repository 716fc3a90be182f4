"""Replay: the record played from step 0 at a watchable pace, on every view.

Each frame of the record is shown exactly as the timeline shows a step (the experiment's
`snapshot_at`, on the training thread), one after another at FRAMES_PER_SECOND: the next
is asked for only once the last one is on screen, so a slow machine plays slower rather
than queueing. Training goes on meanwhile unless paused, and the record grows: the
replay runs to its newest frame, then the window goes live again. Dragging the
timeline, pressing Live or Stop ends it.
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QObject, QTimer, Signal

from filterlab.gui.widgets.timeline_bar import TimelineBar

FRAMES_PER_SECOND = 10


class Replay(QObject):
    shown = Signal(object)  # each replayed snapshot, once it is on screen
    finished = Signal()

    def __init__(self, timeline: TimelineBar, show_step: Callable[..., None], parent: Optional[QObject] = None):
        """`show_step(step, then=, note=)` shows a recorded step on every view, then(snapshot) once it is shown."""
        super().__init__(parent)
        self.timeline, self.show_step = timeline, show_step
        self.index, self.waiting = 0, False
        self.shown_steps: list[int] = []
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / FRAMES_PER_SECOND))
        self.timer.timeout.connect(self._tick)
        self.timeline.replay_toggled.connect(lambda on: self.start() if on else self.stop())
        self.timeline.scrubbed.connect(lambda _: self.stop())
        self.timeline.went_live.connect(self.stop)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def start(self) -> None:
        self.index, self.waiting, self.shown_steps = 0, False, []
        self.timer.start()
        self._tick()

    def stop(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.timeline.stop_replay()
            self.finished.emit()

    def _tick(self) -> None:
        if self.waiting:
            return
        steps = self.timeline.steps
        if self.index >= len(steps):
            self.stop()
            self.timeline.go_live()
            return
        self.timeline.show_position(self.index)
        self.waiting = True
        self.show_step(int(steps[self.index]), then=self._shown, note="replaying the record")
        self.index += 1

    def _shown(self, snapshot) -> None:
        self.waiting = False
        if self.playing:
            self.shown_steps.append(snapshot.step)
            self.shown.emit(snapshot)
