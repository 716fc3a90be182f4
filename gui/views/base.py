"""The one shape every view has: a small widget with one way to be drawn, `draw(snapshot)`.

A window keeps its views in `views` and, for each frame, calls `draw` on those that are
visible and due (gui/windows/base.py). `max_hz` caps how often a view draws while
training runs: plots whose axes must be re-rendered (loss, predictions) read fine at
10-15 Hz, and the time saved goes to training. Paused, every view draws every frame.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol, runtime_checkable

from PySide6.QtWidgets import QWidget


@runtime_checkable
class View(Protocol):
    max_hz: Optional[float]

    def draw(self, snapshot: Any) -> None: ...


class SnapshotView(QWidget):
    """A QWidget that is a View: subclasses implement `draw`."""

    max_hz: Optional[float] = None

    def draw(self, snapshot: Any) -> None:
        raise NotImplementedError
