"""What a window asks of its experiment, and the changes it makes to one, as named types.

A window never hands the training thread a function. It asks a `Query` (a frozen dataclass
with a name: SnapshotAt(step), WeightSeries(...), AnimationFrames(), ...): the training loop
answers it between two steps from the experiment (`answer`), the answer being a copy safe to
hand to another thread, and the window receives that typed result on its own thread
(gui/windows/context.py's `ask`). What takes longer than a copy (writing a GIF, a session file)
is done from the copy on a thread of its own (gui/windows/context.py: Jobs), never on the training thread.

A `Change` is a named edit of the experiment with no answer (the filters a drawing starts,
an edit painted on a filter, a set run's test digit shown or its more epochs); the loop
applies it as it applies every other command (gui/worker/commands.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar

import numpy as np

from filterlab.engine.core.painting import inverted, noise, paint_value, pasted, stroked

if TYPE_CHECKING:
    from filterlab.engine.core.experiment import Experiment, LearnerExperiment, SnapshotLike, Spec
    from filterlab.engine.registry import Fork
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.engine.export.record import RunRecord
    from filterlab.engine.render.frames import FrameSet

T = TypeVar("T")


class Query(Generic[T]):
    """A question answered on the training thread, between two steps, from the experiment."""

    def answer(self, experiment: Any) -> T:
        raise NotImplementedError


@dataclass(frozen=True)
class SnapshotAt(Query["SnapshotLike"]):
    """The recorded snapshot at or before `step` (what the timeline and the replay show)."""

    step: int

    def answer(self, experiment: Experiment) -> SnapshotLike:
        return experiment.snapshot_at(self.step)


@dataclass(frozen=True)
class WeightSeries(Query[Optional[tuple[np.ndarray, np.ndarray]]]):
    """One weight of one filter over the recorded steps: (steps, values); None if the filters changed shape."""

    filter: int
    row: int
    col: int

    def answer(self, experiment: LearnerExperiment) -> Optional[tuple[np.ndarray, np.ndarray]]:
        config, history = experiment.config, experiment.record
        if self.filter >= config.filters or max(self.row, self.col) >= config.kernel:
            return None
        return (np.array(history.steps),
                np.array([frame[self.filter, self.row, self.col] for frame in history.frames]))


@dataclass(frozen=True)
class AnimationFrames(Query["FrameSet"]):
    """The frames an animation of the record shows (engine/render/frames.py): a copy, rendered elsewhere."""

    def answer(self, experiment: LearnerExperiment) -> FrameSet:
        from filterlab.engine.render.frames import gif_frames
        return gif_frames(experiment.record, experiment.image_history)


@dataclass(frozen=True)
class HistoryArrays(Query[dict]):
    """The run's record as the arrays of history.npz (written elsewhere)."""

    def answer(self, experiment: LearnerExperiment) -> dict[str, np.ndarray]:
        return experiment.history()


@dataclass(frozen=True)
class SessionData(Query[tuple[int, dict]]):
    """(the step, the arrays of a session file) of a one-digit run, one consistent moment (written elsewhere)."""

    def answer(self, experiment: Trainer) -> tuple[int, dict[str, np.ndarray]]:
        from filterlab.engine.digit.session import session_arrays
        return experiment.step_count, session_arrays(experiment.state())


@dataclass(frozen=True)
class RunRecordOf(Query["RunRecord"]):
    """The run as trained so far, for a script or a notebook (ExportError where it cannot be one)."""

    def answer(self, experiment: Any) -> RunRecord:
        from filterlab.engine.export.record import run_record
        return run_record(experiment)


@dataclass(frozen=True)
class ForkAt(Query["Spec"]):
    """Two runs from the exact state at the fork's step: as it was, and with the fork's change."""

    fork: Fork

    def answer(self, experiment: Trainer) -> Spec:
        from filterlab.engine import registry
        return registry.capability(registry.FORK)(experiment, self.fork)


# ---------------------------------------------------------------------------- changes
class Change:
    """A named edit of the experiment, applied on the training thread between two steps."""

    def apply(self, experiment: Any) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class SetInitialFilters(Change):
    filters: np.ndarray

    def apply(self, experiment: Trainer) -> None:
        experiment.set_initial_filters(self.filters)


class FilterEdit:
    """What an edit makes of one filter, from the filter as it is when the edit lands."""

    def weights(self, current: np.ndarray, experiment: Trainer) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class Invert(FilterEdit):
    def weights(self, current: np.ndarray, experiment: Trainer) -> np.ndarray:
        return inverted(current)


@dataclass(frozen=True)
class FreshNoise(FilterEdit):
    seed: int

    def weights(self, current: np.ndarray, experiment: Trainer) -> np.ndarray:
        return noise(experiment.config.kernel, self.seed)


@dataclass(frozen=True)
class Paste(FilterEdit):
    """A digit pasted in at the filter's own strength: `image`, or the training digit (None)."""

    image: Optional[np.ndarray] = None

    def weights(self, current: np.ndarray, experiment: Trainer) -> np.ndarray:
        image = experiment.image if self.image is None else self.image
        return pasted(image, experiment.config.kernel, paint_value(current))


@dataclass(frozen=True)
class Stroke(FilterEdit):
    """A brush stroke (coverage `mask`) drawn on a k x k filter; a filter of another size is left as it is."""

    mask: np.ndarray
    tool: str
    value: float

    def weights(self, current: np.ndarray, experiment: Trainer) -> np.ndarray:
        return stroked(current, self.mask, self.tool, self.value) if current.shape == self.mask.shape else current


@dataclass(frozen=True)
class Unstroke(FilterEdit):
    """A stroke undone: what it added taken away from the filter as it is (another size: left as it is)."""

    added: np.ndarray

    def weights(self, current: np.ndarray, experiment: Trainer) -> np.ndarray:
        return (current - self.added).astype(np.float32) if current.shape == self.added.shape else current


@dataclass(frozen=True)
class EditFilter(Change):
    """Filter `index` becomes edit.weights(filter); unless the filters changed shape since it was asked."""

    index: int
    edit: FilterEdit
    reset_optimizer: bool = False

    def apply(self, experiment: Trainer) -> None:
        k = experiment.config.kernel
        if self.index < experiment.config.filters:
            weights = self.edit.weights(experiment.filter(self.index), experiment)
            if weights.shape == (k, k):
                experiment.set_filter(self.index, weights, self.reset_optimizer)
