"""Handing frames from the training thread to the window: only ever the newest one."""
from __future__ import annotations

import threading


class Mailbox:
    """Holds one item; a new put replaces the old one. Safe across threads.

    `interrupt` (engine/core/interrupt.py), if given, is requested by the take() the writer waits for
    (wait_for_take): the writer trains in chunks that a take can end, so the next frame goes out as
    soon as the reader is ready for it, without training in slivers meanwhile.
    """

    def __init__(self, interrupt=None):
        self._lock = threading.Lock()
        self._item = None
        self._interrupt = interrupt
        self._waited = False

    def put(self, item) -> bool:
        """Store `item`; True if the slot was empty (the reader had taken the last one)."""
        with self._lock:
            was_empty = self._item is None
            self._item = item
            return was_empty

    def take(self):
        with self._lock:
            item, self._item = self._item, None
            if self._waited and item is not None and self._interrupt is not None:
                self._interrupt.request()
            self._waited = False
            return item

    def wait_for_take(self) -> bool:
        """The writer has its next item due: True if the slot is still full (its take() will then request the
        interrupt), False if it was taken already (put now)."""
        with self._lock:
            self._waited = self._item is not None
            return self._waited

    def empty(self) -> bool:
        with self._lock:
            return self._item is None


class RateMeter:
    """Steps per second over the last second or so, from the worker's clock."""

    def __init__(self, window: float = 1.0):
        self.window = window
        self._marks: list[tuple[float, int]] = []

    def add(self, now: float, step: int) -> None:
        self._marks.append((now, step))
        while len(self._marks) > 2 and now - self._marks[0][0] > self.window:
            self._marks.pop(0)

    def rate(self) -> float:
        if len(self._marks) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._marks[0], self._marks[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def clear(self) -> None:
        self._marks.clear()
