"""How fast the training goes: the lesson's time-lapse, a fixed number of steps per second,
or as fast as possible.

A pace is asked, on the worker's own clock, how many steps are due now; the loop trains
at most that many and sleeps (on the command queue, so a click still lands at once)
until the next one is due. `start` is called at launch, when the pace is chosen and
after every command, so a new speed counts from the moment it was chosen and a pause
never ends in a burst of catching up.
"""
from __future__ import annotations

import math
from typing import Optional


class FullSpeed:
    """As fast as possible: the loop trains in chunks of ~8 ms."""

    name = "as fast as possible"

    def describe(self, step: int) -> str:
        return self.name

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

    def describe(self, step: int) -> str:
        return self.name

    def start(self, now: float, step: int) -> None:
        self._from = (now, step)

    def due(self, now: float, step: int) -> Optional[int]:
        start_time, start_step = self._from
        return int((now - start_time) * self.steps_per_second) - (step - start_step)

    def wait(self, now: float, step: int) -> float:
        start_time, start_step = self._from
        return max(0.0, (step - start_step + 1) / self.steps_per_second - (now - start_time))


class TimeLapse:
    """The lesson's pace: the step number grows geometrically with wall time, then full speed.

    With the defaults the whole change from noise to digit happens in the first ~50 steps
    (mean |cosine| passes 0.5 near step 24), 30 ms at full speed. The time-lapse plays
    step(t) = scale * (exp(t / tau) - 1): the first steps one by one (step 1 at 0.5 s,
    ~5 steps/s at 3 s), step 24 at ~4 s, ~400 by 10 s, and from `full_after` seconds (about
    step 1,300) as fast as possible. The clock follows the experiment, not the wall: the
    time-lapse stands at the t of the current step, so a pause, a step by hand or a new
    digit carry on from where the curve is, and a reset (step 0) starts it again.
    """

    def __init__(self, scale: float = 4.0, tau: float = 5 / math.log(10), full_after: float = 12.5):
        self.scale, self.tau, self.full_after = scale, tau, full_after
        self._origin = 0.0
        self._base = 0  # the step the curve counts from: 0, or the step a new digit came in

    def restart(self, step: int) -> None:
        """A new digit at `step`: the time-lapse plays again from there, so its forming can be watched."""
        self._base = step

    name = "lesson pace"

    def describe(self, step: int) -> str:
        rate = self.rate(step)
        if rate is None:
            return "lesson pace: now as fast as possible (a reset or a new digit slows it down again)"
        return f"lesson pace: {rate:,.0f} steps/s and rising"

    def step_at(self, t: float) -> float:
        """Where the time-lapse stands t seconds after step 0."""
        return self.scale * math.expm1(max(t, 0.0) / self.tau)

    def time_at(self, step: int) -> float:
        """When the time-lapse reaches `step` (the inverse of step_at)."""
        return self.tau * math.log1p(max(step, 0) / self.scale)

    def start(self, now: float, step: int) -> None:
        if step < self._base:
            self._base = 0  # a reset (or a step back): the curve counts from step 0 again
        self._origin = now - self.time_at(step - self._base)

    def due(self, now: float, step: int) -> Optional[int]:
        t = now - self._origin
        if t >= self.full_after:
            return None
        return int(self.step_at(t)) - (step - self._base)

    def wait(self, now: float, step: int) -> float:
        t = now - self._origin
        if t >= self.full_after:
            return 0.0
        return max(0.0, self.time_at(step - self._base + 1) - t)

    def rate(self, step: int) -> Optional[float]:
        """Steps per second at `step` (None: as fast as possible)."""
        if self.time_at(step - self._base) >= self.full_after:
            return None
        return (step - self._base + self.scale) / self.tau


LESSON = "lesson"


def pace_for(speed):
    """LESSON (the default): the time-lapse; 0 (or less): as fast as possible; else steps per second."""
    if speed == LESSON:
        return TimeLapse()
    return FullSpeed() if speed <= 0 else FixedSpeed(speed)
