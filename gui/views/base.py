"""The one shape every view has: a small widget that draws a Snapshot.

QWidget already has an `update()` that schedules a repaint. Views keep it working and
add the project's meaning: `view.update(snapshot)` draws that snapshot, while
`view.update()` (or with a rect, as Qt calls it) still repaints.
"""
from PySide6.QtWidgets import QWidget

from filterlab.engine.core.snapshot import Snapshot


class SnapshotView(QWidget):
    #: Most frames per second this view needs while training runs (None: every frame).
    #: Plots whose axes must be re-rendered (loss, predictions) read fine at 10-15 Hz,
    #: and the time saved goes to training instead.
    max_hz = None

    def update(self, *args):
        if len(args) == 1 and isinstance(args[0], Snapshot):
            self.draw(args[0])
        else:
            super().update(*args)

    def draw(self, snapshot: Snapshot) -> None:
        raise NotImplementedError
