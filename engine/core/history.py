"""What happened during a run, kept in bounded memory however long it runs.

A window left training overnight does millions of steps. Storing every loss and every
filter would grow without limit, so both records thin themselves: when full they keep
every other entry and double their stride. The newest data is always fine-grained
enough to draw, and the size never exceeds a fixed cap.

The loss record is engine/core/loss_history.py's LossHistory.

The filter record is densest where the story is: the change from noise to digit takes
the first ~50 steps, so every one of the first 100 steps is kept, then every 10th up to
step 1,000, every 100th up to 10,000 and every 1,000th after that (a timeline over the
record's frames is therefore log-scaled in steps).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from filterlab.engine.core.loss_history import DENSE_STEPS, LOSS_POINTS, LossHistory  # noqa: F401 (re-exported)
from filterlab.engine.core.metrics import cosine_to_image

FILTER_BYTES = 32 * 2**20


@dataclass
class FilterHistory:
    """The model at the recorded steps (module docstring), thinned to stay under `max_bytes`.

    `frames` hold the filters (what the GIF and the grid show); `heads` the rest of the
    parameters (conv bias, output layer), flattened, so any recorded step can be
    replayed exactly: predictions and gradients included. `cosines` are each frame's
    similarity to the digit of its time, filled in lazily (see `cosine_curves`).
    `spacing` is the least spacing after the first DENSE_STEPS (the config's
    record_every); `thinning` multiplies every spacing and doubles when the record is full.
    """

    spacing: int = 10
    max_bytes: int = FILTER_BYTES
    steps: list[int] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)
    heads: list[np.ndarray] = field(default_factory=list)
    cosines: list = field(default_factory=list)
    thinning: int = 1
    kept: set = field(default_factory=set)  # steps edited by hand: their frames survive thinning
    _curves: tuple = field(default=(None, 0, None, None), init=False, repr=False, compare=False)  # cosine_curves'

    def spacing_at(self, step: int) -> int:
        """Steps between recorded frames around `step`: 1, then 10, 100, 1,000 by decade."""
        if step <= DENSE_STEPS:
            base = 1
        else:
            base = max(self.spacing, 10 ** min(3, len(str(step - 1)) - 2))
        return base * self.thinning

    def due(self, step: int) -> bool:
        return step % self.spacing_at(step) == 0

    def due_steps(self, first: int, last: int) -> list[int]:
        """The steps from `first` to `last` (both included) that are due, worked out a stretch of one
        spacing at a time, not step by step (a chunk of 10,000 steps asks for them at once)."""
        found: list[int] = []
        step = max(first, 0)
        while step <= last:
            spacing = self.spacing_at(step)
            end = min(last, DENSE_STEPS if step <= DENSE_STEPS else 10 ** len(str(step - 1)))  # same spacing up to here
            found.extend(range(-(-step // spacing) * spacing, end + 1, spacing))
            step = end + 1
        return found

    def add(self, step: int, filters: np.ndarray, head: np.ndarray) -> None:
        """Keep the frame if `step` is on the current grid; thin the record when full."""
        if not self.due(step):
            return
        self.steps.append(step)
        self.frames.append(filters)
        self.heads.append(head)
        self.cosines.append(None)
        while len(self.frames) > 2 and len(self.frames) * (filters.nbytes + head.nbytes) > self.max_bytes:
            self.thinning *= 2
            self._keep([i for i, s in enumerate(self.steps) if i == 0 or self.due(s) or s in self.kept])

    def put(self, step: int, filters: np.ndarray, head: np.ndarray) -> None:
        """The model at `step` changed by hand: that step's frame is the new one, due or not, and it is kept."""
        if self.steps and self.steps[-1] == step:
            self.frames[-1], self.heads[-1], self.cosines[-1] = filters, head, None
            self._curves = (None, 0, None, None)  # its stacked row is stale: stack again
        else:
            self.steps.append(step)
            self.frames.append(filters)
            self.heads.append(head)
            self.cosines.append(None)
        self.kept.add(step)

    def truncate(self, step: int) -> None:
        """Forget frames after `step` (training was rolled back)."""
        self._keep(range(int(np.searchsorted(self.steps, step, side="right"))))

    def _keep(self, indices) -> None:
        indices = list(indices)
        for name in ("steps", "frames", "heads", "cosines"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in indices])

    def index_at(self, step: int) -> int:
        """Index of the recorded frame at or just before `step`."""
        return max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)

    def at(self, step: int) -> tuple[int, np.ndarray]:
        """The recorded filters at or just before `step`."""
        index = self.index_at(step)
        return self.steps[index], self.frames[index]

    def cosine_curves(self, images: "ImageHistory") -> tuple[np.ndarray, np.ndarray]:
        """(steps (T,), cosines (T,F)): each recorded frame against the digit of its time.

        Computed only for frames not seen before, a batch at a time, so the similarity
        curves cost the training loop nothing and a snapshot only a little.
        """
        missing = [i for i, c in enumerate(self.cosines) if c is None]
        while missing:
            image_index = images.index_at(self.steps[missing[0]])
            batch = [i for i in missing if images.index_at(self.steps[i]) == image_index]
            stacked = np.concatenate([self.frames[i] for i in batch])
            values = cosine_to_image(stacked, images.images[image_index]).reshape(len(batch), -1)
            for i, row in zip(batch, values):
                self.cosines[i] = row
            done = set(batch)  # built once: per element it made this quadratic (0.7 s for 2,000 frames)
            missing = [i for i in missing if i not in done]
        return self._stacked_curves()

    def _stacked_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """The curves as arrays, the rows of earlier calls kept: a snapshot at display rate stacked
        every frame's cosines again (~0.3 ms for 300 frames). A thinned or truncated record is a new list."""
        cosines, (seen, count, steps, curves) = self.cosines, self._curves
        if seen is not cosines or count > len(cosines):
            count, steps, curves = 0, np.zeros(0, dtype=np.int64), None
        if count < len(cosines):
            new = np.stack(cosines[count:])
            curves = new if curves is None else np.concatenate([curves, new])
            steps = np.concatenate([steps, np.array(self.steps[count:], dtype=np.int64)])
        self._curves = (cosines, len(cosines), steps, curves)
        return steps, curves if curves is not None else np.zeros((0, 0))

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class ImageHistory:
    """The training digits in the order they were set, with the step each took over."""

    steps: list[int] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def index_at(self, step: int) -> int:
        """Index of the digit in use at `step`."""
        return max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)

    def at(self, step: int) -> tuple[np.ndarray, int]:
        """(image, label) in use at `step`."""
        index = self.index_at(step)
        return self.images[index], self.labels[index]

    def truncate(self, step: int) -> None:
        """Training was rolled back to `step`: the newest digit set after it takes over at `step`."""
        newest = None
        while self.steps and self.steps[-1] > step:
            self.steps.pop()
            popped = self.images.pop(), self.labels.pop()
            newest = newest or popped
        if newest is not None:
            self.add(step, *newest)

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
        "filter_heads": np.stack(filters.heads) if filters.heads else np.zeros((0, 0), np.float32),
        "initial_filters": initial,
        "image_steps": np.array(images.steps, dtype=np.int64),
        "images": np.stack(images.images),
        "labels": np.array(images.labels, dtype=np.int64),
        "config_json": np.array(json.dumps(config)),
    }
