"""The one shape every view has: a small widget with one way to be drawn, `draw(snapshot)`.

A window keeps its views in `views` and, for each frame, calls `draw` on those that are
visible and due (gui/windows/base.py). `max_hz` caps how often a view draws while
training runs: plots whose axes must be re-rendered (loss, predictions) read fine at
10-15 Hz, and the time saved goes to training. Paused, every view draws every frame.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol, runtime_checkable

import numpy as np
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

    def recolour(self) -> None:
        """Draw again in the palette now in use (View > Colour-blind safe colours); views with colours say how."""


def unchanged(previous: Any, snapshot: Any, fields: tuple[str, ...]) -> bool:
    """Whether `snapshot` holds what `previous` held in `fields`: a view that drew `previous` would draw
    the very same picture again. A paused window gets a new snapshot after every click, and every
    view drawing it again at once was a stall of tens of milliseconds at 64 filters."""
    if previous is None:
        return False
    for name in fields:
        a, b = getattr(previous, name, None), getattr(snapshot, name, None)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                    and np.array_equal(a, b)):
                return False
        elif a != b:
            return False
    return True
