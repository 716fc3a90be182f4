"""What happened to a run besides its steps, so that any step can be reached again exactly.

A run is its start plus its steps, and a few things done between two steps: a setting
changed (learning rate, optimizer, ...), a filter painted by hand. The journal keeps those
events, with the step they came at, and a full copy of the training state (model and
optimizer) every so often. The exact state at any step s is then the latest checkpoint at
or before s, replayed forward with the same events at the same steps: the steps are
deterministic, so the replay lands on the very same numbers (what a fork needs,
gui/windows/forking.py). Checkpoints thin themselves like the other records: at most
MAX_CHECKPOINTS, the spacing doubling when full.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

CHECKPOINT_EVERY = 250
MAX_CHECKPOINTS = 32


@dataclass(frozen=True)
class Edit:
    """Filter `filter` set by hand to `weights` between step `step` and the next."""

    step: int
    filter: int
    weights: Optional[np.ndarray]  # None: an edit before a loaded session's step (its weights are not saved)
    reset_optimizer: bool = False


@dataclass(frozen=True)
class Change:
    """The live settings became `config` between step `step` and the next."""

    step: int
    config: object


@dataclass
class Journal:
    events: list = field(default_factory=list)  # Edit and Change, in the order they came
    checkpoints: dict[int, tuple] = field(default_factory=dict)  # step -> (config, model state, optimizer state)
    spacing: int = CHECKPOINT_EVERY
    start: int = 0  # the first step the journal knows (a run opened from a session starts later)

    def due(self, step: int) -> bool:
        """A checkpoint is due once `spacing` steps have passed since the last one."""
        return not self.checkpoints or step - max(self.checkpoints) >= self.spacing

    def keep(self, step: int, checkpoint: tuple) -> None:
        """A full copy of the state at `step`; when full, every other one goes and the spacing doubles."""
        self.checkpoints[step] = checkpoint
        while len(self.checkpoints) > MAX_CHECKPOINTS:
            self.spacing *= 2
            steps = sorted(self.checkpoints)
            self.checkpoints = {s: self.checkpoints[s] for s in steps[::2] + steps[-1:]}

    def checkpoint_before(self, step: int) -> Optional[tuple[int, tuple]]:
        """(step, checkpoint) of the latest checkpoint at or before `step`, or None."""
        steps = [s for s in self.checkpoints if s <= step]
        return (max(steps), self.checkpoints[max(steps)]) if steps else None

    def events_between(self, first: int, last: int) -> list:
        """The edits and changes that came between step `first` and step `last`, in order."""
        return [e for e in self.events if first <= e.step < last]

    def forget_after(self, step: int) -> None:
        """A rollback went back to `step`: what came after it did not happen."""
        self.events = [e for e in self.events if e.step <= step]
        self.checkpoints = {s: c for s, c in self.checkpoints.items() if s <= step}

    @property
    def edits(self) -> list[Edit]:
        return [e for e in self.events if isinstance(e, Edit)]

    @property
    def edit_steps(self) -> np.ndarray:
        return np.array(sorted({e.step for e in self.edits}), dtype=np.int64)
