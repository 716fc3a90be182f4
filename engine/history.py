"""What happened during a run, kept in bounded memory however long it runs.

A window left training overnight does millions of steps. Storing every loss and every
filter would grow without limit, so both records thin themselves: when full they keep
every other entry and double their stride. The newest data is always fine-grained
enough to draw, and the size never exceeds a fixed cap.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

LOSS_POINTS = 4096
FILTER_BYTES = 32 * 2**20


class LossHistory:
    """Loss per step, averaged over blocks of `stride` steps; at most `capacity` points."""

    def __init__(self, capacity: int = LOSS_POINTS):
        self.capacity = capacity - capacity % 2
        self.stride = 1
        self._steps: list[int] = []
        self._values: list[float] = []
        self._block_sum = 0.0
        self._block_len = 0

    def extend(self, last_step: int, losses: np.ndarray) -> None:
        """Add the losses of steps last_step-len+1 .. last_step, in order."""
        first = last_step - len(losses) + 1
        for offset, loss in enumerate(losses.tolist()):
            self._block_sum += loss
            self._block_len += 1
            if self._block_len == self.stride:
                self._steps.append(first + offset)
                self._values.append(self._block_sum / self.stride)
                self._block_sum, self._block_len = 0.0, 0
                if len(self._steps) == self.capacity:
                    self._halve()

    def _halve(self) -> None:
        values = self._values
        self._steps = self._steps[1::2]
        self._values = [(a + b) / 2 for a, b in zip(values[0::2], values[1::2])]
        self.stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self._steps, dtype=np.int64), np.array(self._values, dtype=np.float64)

    def __len__(self) -> int:
        return len(self._steps)


@dataclass
class FilterHistory:
    """Filter snapshots every `interval` steps, thinned to stay under `max_bytes`."""

    interval: int
    max_bytes: int = FILTER_BYTES
    steps: list[int] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)

    def due(self, step: int) -> bool:
        return step % self.interval == 0

    def add(self, step: int, filters: np.ndarray) -> None:
        """Keep `filters` if `step` is on the current grid; thin the record when full."""
        if not self.due(step):
            return
        self.steps.append(step)
        self.frames.append(filters)
        while len(self.frames) > 2 and len(self.frames) * filters.nbytes > self.max_bytes:
            self.interval *= 2
            keep = [i for i, s in enumerate(self.steps) if i == 0 or s % self.interval == 0]
            self.steps = [self.steps[i] for i in keep]
            self.frames = [self.frames[i] for i in keep]

    def truncate(self, step: int) -> None:
        """Forget frames after `step` (training was rolled back)."""
        keep = int(np.searchsorted(self.steps, step, side="right"))
        del self.steps[keep:], self.frames[keep:]

    def at(self, step: int) -> tuple[int, np.ndarray]:
        """The recorded frame at or just before `step`."""
        index = max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)
        return self.steps[index], self.frames[index]

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class ImageHistory:
    """The training digits in the order they were set, with the step each took over."""

    steps: list[int] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def add(self, step: int, image: np.ndarray, label: int) -> None:
        if self.steps and self.steps[-1] == step:
            self.steps.pop(), self.images.pop(), self.labels.pop()
        self.steps.append(step)
        self.images.append(image)
        self.labels.append(label)


def history_arrays(losses: LossHistory, filters: FilterHistory, images: ImageHistory,
                   initial: np.ndarray, config: dict) -> dict[str, np.ndarray]:
    """The documented contents of history.npz (see README, "Files")."""
    loss_steps, loss_values = losses.arrays()
    return {
        "loss_steps": loss_steps,
        "loss": loss_values,
        "filter_steps": np.array(filters.steps, dtype=np.int64),
        "filters": np.stack(filters.frames) if filters.frames else initial[None][:0],
        "initial_filters": initial,
        "image_steps": np.array(images.steps, dtype=np.int64),
        "images": np.stack(images.images),
        "labels": np.array(images.labels, dtype=np.int64),
        "config_json": np.array(json.dumps(config)),
    }
