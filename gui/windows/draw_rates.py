"""Which views draw this frame: every uncapped view, and at most one rate-capped view, the most overdue.

Views with `max_hz` (curves, axes, bars) cost a few ms a redraw. Left to their own clocks they
fell due in the same frame, which then took several times as long as the others: a GUI stall,
and a frame missed. One a frame spreads them over the frames between.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from PySide6.QtCore import QTimer


class DrawRates:
    def __init__(self):
        self._drawn_at: dict = {}  # view -> when it last drew (views with max_hz)

    def draw(self, views, snapshot, every_view: bool) -> None:
        """Draw `snapshot` in the visible `views`; rate-capped ones only when due (all of them if every_view)."""
        visible = [view for view in views if view.isVisible()]
        for view in visible:
            if every_view or view.max_hz is None:
                view.draw(snapshot)
        if not every_view:
            capped = self.most_overdue([view for view in visible if view.max_hz is not None])
            if capped is not None:
                capped.draw(snapshot)

    def most_overdue(self, views) -> Optional[Any]:
        """Of rate-capped views, the one longest past its due time (by its own period); None if none is due."""
        now = time.perf_counter()
        lateness = [((now - self._drawn_at.get(view, 0.0)) * view.max_hz, index) for index, view in enumerate(views)]
        late, index = max(lateness, default=(0.0, -1))
        if late < 1.0:
            return None
        self._drawn_at[views[index]] = now
        return views[index]

    def draw_in_turns(self, views, snapshot, still_shown) -> None:
        """The uncapped views now, the rate-capped ones one per event-loop turn, while still_shown():
        drawing them all at once (going Live) held the GUI thread ~140 ms at 35 filters."""
        self.draw(views, snapshot, every_view=False)
        pending = [view for view in views if view.isVisible() and view.max_hz is not None]

        def next_view():
            if pending and still_shown():
                pending.pop(0).draw(snapshot)
                QTimer.singleShot(0, next_view)
        QTimer.singleShot(0, next_view)
