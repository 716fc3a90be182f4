"""How fast the training goes: as fast as possible, or a fixed number of steps per second.

A pace is asked, on the worker's own clock, how many steps are due now; the loop trains
at most that many and sleeps (on the command queue, so a click still lands at once)
until the next one is due. `start` is called at launch and whenever the pace is set
anew, so a new speed counts from the moment it was chosen.
"""
from __future__ import annotations

from typing import Optional


class FullSpeed:
    """As fast as possible: the loop trains in chunks of ~8 ms."""

    name = "as fast as possible"

    def start(self, now: float, step: int) -> None:
        pass

    def due(self, now: float, step: int) -> Optional[int]:
        """Steps that may be taken now (None: no limit)."""
        return None

    def wait(self, now: float, step: int) -> float:
        """Seconds until the next step is due."""
        return 0.0


class FixedSpeed:
    """`steps_per_second` steps a second, counted from `start`."""

    def __init__(self, steps_per_second: float):
        if not steps_per_second > 0:
            raise ValueError(f"a speed must be more than 0 steps per second, got {steps_per_second}")
        self.steps_per_second = float(steps_per_second)
        self.name = f"{steps_per_second:,g} step{'' if steps_per_second == 1 else 's'}/s"
        self._from = (0.0, 0)

    def start(self, now: float, step: int) -> None:
        self._from = (now, step)

    def due(self, now: float, step: int) -> Optional[int]:
        start_time, start_step = self._from
        return int((now - start_time) * self.steps_per_second) - (step - start_step)

    def wait(self, now: float, step: int) -> float:
        start_time, start_step = self._from
        return max(0.0, (step - start_step + 1) / self.steps_per_second - (now - start_time))


def pace_for(steps_per_second: float):
    """0 (or less) means as fast as possible."""
    return FullSpeed() if steps_per_second <= 0 else FixedSpeed(steps_per_second)
