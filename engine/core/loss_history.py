"""The loss of a run, kept in bounded memory however long it runs (engine/core/history.py keeps the rest).

Every loss goes into blocks of `stride` steps, averaged; when the record is full it keeps every
other point and doubles its stride, so it never exceeds a fixed cap. Beside the blocks, the loss
itself at every step the filter record keeps (every step up to 100, every 10th to 1,000, every
100th to 10,000, every 1,000th after): replaying the first 100 steps after a night's run shows a
loss at each of them, as densely as the filters (`LossHistory.curve`).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

LOSS_POINTS = 4096
DENSE_STEPS = 100  # every step up to here is recorded
# _converted's cache: (the steps list, its length, its pops, steps array, values array)
_Cache = tuple[Optional[list], int, int, np.ndarray, np.ndarray]
_EMPTY_CACHE: _Cache = (None, 0, 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def grid_spacing(step: int) -> int:
    """Steps between the filter record's frames around `step` (before any thinning): 1 up to DENSE_STEPS,
    then 10, 100 and 1,000 by decade (FilterHistory.spacing_at with its least spacing, 10)."""
    return 1 if step <= DENSE_STEPS else 10 ** min(3, len(str(step - 1)) - 2)


class LossHistory:
    """Loss per step, averaged over blocks of `stride` steps; at most `capacity` points. Beside them, the
    exact loss at each step of the filter record's grid (grid_spacing), thinned past `capacity` points
    after the first DENSE_STEPS."""

    def __init__(self, capacity: int = LOSS_POINTS):
        self.capacity = capacity - capacity % 2
        self.stride = 1
        self._steps: list[int] = []
        self._values: list[float] = []
        self._block_sum = 0.0
        self._block_len = 0
        self._pops = 0  # points dropped from the end (a list changed other than by appending)
        self._arrays: _Cache = _EMPTY_CACHE  # arrays(): the lists, length and pops they were made from
        self.exact_steps: list[int] = []   # the grid's steps, each with its own loss
        self.exact_values: list[float] = []
        self.exact_thinning = 1            # past DENSE_STEPS, every n-th grid step (doubles when full)
        self._exact_pops = 0
        self._exact_arrays: _Cache = _EMPTY_CACHE
        self._last_step = 0

    def extend(self, last_step: int, losses: np.ndarray) -> None:
        """Add the losses of steps last_step-len+1 .. last_step, in order."""
        first = last_step - len(losses) + 1
        for offset, loss in enumerate(losses.tolist()):
            step = first + offset
            if self._on_grid(step):
                self.exact_steps.append(step)
                self.exact_values.append(loss)
                if len(self.exact_steps) > DENSE_STEPS + self.capacity:
                    self._thin_exact()
            self._block_sum += loss
            self._block_len += 1
            if self._block_len == self.stride:
                self._steps.append(step)
                self._values.append(self._block_sum / self.stride)
                self._block_sum, self._block_len = 0.0, 0
                if len(self._steps) == self.capacity:
                    self._halve()
        self._last_step = max(self._last_step, last_step)

    def _on_grid(self, step: int) -> bool:
        spacing = grid_spacing(step)
        return step % (spacing if step <= DENSE_STEPS else spacing * self.exact_thinning) == 0

    def _thin_exact(self) -> None:
        self.exact_thinning *= 2
        kept = [i for i, step in enumerate(self.exact_steps) if self._on_grid(step)]
        self.exact_steps = [self.exact_steps[i] for i in kept]
        self.exact_values = [self.exact_values[i] for i in kept]

    def drop_last(self) -> None:
        """Forget the newest step's loss: training rolled that step back.

        Its own value is not kept, so it leaves at its block's average: exact while a point
        is one step (the first `capacity` steps), and computed only from what a session
        saves, so a reopened session drops the very same amount.
        """
        if self._block_len:
            self._block_sum -= self._block_sum / self._block_len
            self._block_len -= 1
        elif self._steps:
            self._pops += 1
            self._steps.pop()
            self._block_len = self.stride - 1
            self._block_sum = self._values.pop() * self._block_len
        if not self._block_len:
            self._block_sum = 0.0
        if self.exact_steps and self.exact_steps[-1] == self._last_step:
            self.exact_steps.pop()
            self.exact_values.pop()
            self._exact_pops += 1
        self._last_step = max(0, self._last_step - 1)

    def _halve(self) -> None:
        values = self._values
        self._steps = self._steps[1::2]
        self._values = [(a + b) / 2 for a, b in zip(values[0::2], values[1::2])]
        self.stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of the averaged blocks, converting only the points added since the last call: a
        snapshot at display rate turned all 4,096 Python floats into an array again."""
        self._arrays = _converted(self._arrays, self._steps, self._values, self._pops)
        return self._arrays[3], self._arrays[4]

    def exact_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of the losses kept exactly, at the grid's steps."""
        self._exact_arrays = _converted(self._exact_arrays, self.exact_steps, self.exact_values, self._exact_pops)
        return self._exact_arrays[3], self._exact_arrays[4]

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) to draw: each stretch of steps at its finest. Up to the last decade where the grid
        is finer than the blocks (every step up to 100, every 10th to 1,000, ...), the exact losses; after
        it, the blocks that start after it."""
        steps, values = self.arrays()
        exact_steps, exact_values = self.exact_arrays()
        border = 0
        for limit in (DENSE_STEPS, 1_000, 10_000):
            if grid_spacing(limit) * (1 if limit <= DENSE_STEPS else self.exact_thinning) < self.stride:
                border = limit
        if grid_spacing(10_001) * self.exact_thinning < self.stride:
            border = int(exact_steps[-1]) if len(exact_steps) else 0
        if not border:
            return steps, values
        cut = int(np.searchsorted(exact_steps, border, side="right"))
        after = steps - self.stride + 1 > border  # the block's first step
        return np.concatenate([exact_steps[:cut], steps[after]]), np.concatenate([exact_values[:cut], values[after]])

    def __len__(self) -> int:
        return len(self._steps)

    def state(self) -> dict:
        """Everything a resumed run needs to go on exactly: the points and the open block."""
        return {"capacity": self.capacity, "stride": self.stride, "steps": list(self._steps),
                "values": list(self._values), "block_sum": self._block_sum, "block_len": self._block_len,
                "exact_steps": list(self.exact_steps), "exact_values": list(self.exact_values),
                "exact_thinning": self.exact_thinning, "last_step": self._last_step}

    @classmethod
    def from_state(cls, state: dict) -> "LossHistory":
        """A state (a saved one may lack the exact losses: then only the blocks are drawn)."""
        losses = cls(state["capacity"])
        losses.stride = state["stride"]
        losses._steps, losses._values = list(state["steps"]), list(state["values"])
        losses._block_sum, losses._block_len = state["block_sum"], state["block_len"]
        losses.exact_steps = list(state.get("exact_steps", ()))
        losses.exact_values = list(state.get("exact_values", ()))
        losses.exact_thinning = state.get("exact_thinning", 1)
        blocks_end = (losses._steps[-1] if losses._steps else 0) + losses._block_len
        losses._last_step = state.get("last_step", blocks_end)
        return losses


def _converted(cache: _Cache, steps: list, values: list, pops: int) -> _Cache:
    """(list, length, pops, steps array, values array): the lists as arrays, converting only what was appended
    since `cache`; a list thinned (a new list) or popped from is converted again."""
    seen, count, seen_pops, steps_array, values_array = cache
    if seen is not steps or seen_pops != pops or count > len(steps):
        count, steps_array, values_array = 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    if count < len(steps):
        steps_array = np.concatenate([steps_array, np.array(steps[count:], dtype=np.int64)])
        values_array = np.concatenate([values_array, np.array(values[count:], dtype=np.float64)])
    return steps, len(steps), pops, steps_array, values_array
