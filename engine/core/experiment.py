"""The one protocol every experiment implements, so one worker, one window base and one
headless runner serve them all; and the spec that builds one.

An experiment is a plain object with no threads and no Qt. The window's worker calls it
between frames; the headless runner calls it in a loop; tests call it directly. What
it must offer (`Experiment` below, checked by mypy, tests/test_types.py):

* `step(n, interrupt=None)` trains n steps and returns how many it kept (fewer when
  training diverged, and then `diverged` says why and `step` does nothing until a reset
  or a smaller learning rate);
* `interruptible`: True when `step(n, interrupt=...)` ends a long chunk within a few steps
  of interrupt.request() from another thread (engine/core/interrupt.py): the worker then
  trains a whole frame in one call and a click still lands at once; False: it ignores
  `interrupt` and the worker trains in short chunks;
* `finished`: None, or a message once the experiment has done what it was asked (a set
  run's epochs); the worker then pauses, as it does on `diverged`;
* `reset(seed)` goes back to step 0 from a fresh start (a new seed, or None: the same);
* `set_hparams(**changes)` changes settings; the learning rate and friends change live,
  a change of shape may restart;
* `set_image(image, label)` trains on another digit from now on; an experiment that
  trains on no single digit refuses it with a ValueError (the worker reports it);
* `snapshot()` is a frozen numpy copy of everything a view may draw, safe to hand to
  another thread; it carries `step`, `diverged`, `historical` and `record_steps`
  (`SnapshotLike`);
* `record_steps()` and `snapshot_at(step)` are the record a timeline replays: the
  recorded steps, and the snapshot of the recorded step at or before `step`, rebuilt
  from the record (marked `historical`).

A `Spec` is what the command line (or a test, or another window) asks for: it `build()`s
the experiment on whatever thread calls it (torch loads there).

Adding a fifth experiment: its own package under engine/ (the experiment, its spec, its
command-line module with a `Registration`), its window under gui/windows/, and one line
in engine/registry.py's BUILT_IN. Parsing, exclusions, the headless run, the window and
the lesson's links all read the registry; tests/gui/test_toy_experiment.py registers a toy
experiment to show it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Protocol, TypeVar, runtime_checkable

import numpy as np

from filterlab.engine.core.config import ONE_DIGIT_PIXELS, PIXEL_SCALES, Config, ConfigError

if TYPE_CHECKING:
    from filterlab.engine.core.history import ImageHistory
    from filterlab.engine.core.interrupt import Interrupt
    from filterlab.engine.core.learner import Learner


@runtime_checkable
class SnapshotLike(Protocol):
    """What the worker and the window base read of any experiment's snapshot."""

    @property
    def step(self) -> int: ...
    @property
    def diverged(self) -> Optional[str]: ...
    @property
    def historical(self) -> bool: ...
    @property
    def record_steps(self) -> np.ndarray: ...


SnapshotT = TypeVar("SnapshotT", bound=SnapshotLike, covariant=True)


@runtime_checkable
class Experiment(Protocol[SnapshotT]):
    """What the worker (gui/worker/loop.py), the window base and the headless runner use of an experiment."""

    @property
    def step_count(self) -> int: ...
    @property
    def diverged(self) -> Optional[str]: ...
    @property
    def interruptible(self) -> bool: ...
    @property
    def finished(self) -> Optional[str]: ...

    def step(self, n: int = 1, interrupt: Optional[Interrupt] = None) -> int: ...
    def reset(self, seed: Optional[int] = None) -> None: ...
    def set_hparams(self, **changes: Any) -> None: ...
    def set_image(self, image: np.ndarray, label: int) -> None: ...
    def snapshot(self) -> SnapshotT: ...
    def record_steps(self) -> np.ndarray: ...
    def snapshot_at(self, step: int) -> SnapshotT: ...


class Spec(Protocol):
    """An experiment as asked for, not yet built: what a window or the headless runner is handed."""

    @property
    def description(self) -> str: ...
    @property
    def device(self) -> str: ...  # the device asked for: "auto", "cpu" or "cuda" (refused at once if absent)
    @property
    def start_step(self) -> int: ...  # the step it starts at (a loaded session's; else 0)

    def build(self) -> Experiment[Any]: ...


class LearnerExperiment:
    """What an experiment built around a Learner (engine/core/learner.py) reads straight from it.

    The one-digit Trainer and the SetTrainer each own a `learner` and an `image_history`;
    they differ in where their examples come from and in what a snapshot says, not here.
    """

    learner: Learner
    image_history: ImageHistory
    pixel_scales: tuple[int, ...] = PIXEL_SCALES  # the pixel scales the experiment can train with (a set: only 1)

    config = property(lambda self: self.learner.config)
    device = property(lambda self: self.learner.device)
    model = property(lambda self: self.learner.model)
    optimizer = property(lambda self: self.learner.optimizer)
    step_count = property(lambda self: self.learner.step_count)
    diverged = property(lambda self: self.learner.diverged)
    losses = property(lambda self: self.learner.losses)
    record = property(lambda self: self.learner.record)
    initial = property(lambda self: self.learner.initial)

    def step(self, n: int = 1, interrupt=None) -> int:
        """n steps; fewer if training diverges, or once `interrupt` (engine/core/interrupt.py) is requested
        where the learner is `interruptible`."""
        return self.learner.step(n, interrupt)

    @property
    def interruptible(self) -> bool:
        return self.learner.interruptible

    @property
    def finished(self) -> Optional[str]:
        """None: it trains until paused (a set run says so once its epochs are done)."""
        return None

    def set_image(self, image: np.ndarray, label: int) -> None:
        """Train on another digit from now on; refused here (an experiment on one digit says how)."""
        raise ValueError("this run trains on many digits; it cannot swap in one image")

    def reset(self, seed: Optional[int] = None, **changes) -> None:
        """Back to step 0 from a fresh start (a new seed, or config changes such as filters/kernel)."""
        if seed is not None:
            changes["seed"] = seed
        self.learner.reset(self.checked(self.config.with_(**changes)))
        self._restart()

    def set_hparams(self, **changes) -> None:
        """Change learning settings live; filters and kernel size rebuild the model."""
        if "pixel_scale" in changes:
            self.checked(self.config.with_(pixel_scale=changes["pixel_scale"]))
        if self.learner.set_hparams(**changes):
            self._restart()

    def checked(self, config: Config) -> Config:
        """`config`, if this experiment can train with it; else ConfigError."""
        if config.pixel_scale not in self.pixel_scales:
            raise ConfigError(ONE_DIGIT_PIXELS)
        return config

    def _restart(self) -> None:
        """After a reset: the experiment's own records start again (each experiment says how)."""
        raise NotImplementedError

    def record_steps(self) -> np.ndarray:
        return np.array(self.learner.record.steps, dtype=np.int64)

    def recorded_losses(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The loss curve up to `step` (a replayed step shows the curve as it was then)."""
        steps, values = self.learner.losses.curve()
        keep = steps <= step
        return steps[keep], values[keep]

    def history(self) -> dict[str, np.ndarray]:
        """The run's record as the arrays saved in history.npz."""
        from filterlab.engine.core.history import history_arrays
        learner = self.learner
        return history_arrays(learner.losses, learner.record, self.image_history, learner.initial,
                              learner.config.to_dict())

    def save_history(self, path) -> None:
        from filterlab.engine.core.files import save_npz
        save_npz(path, self.history())
