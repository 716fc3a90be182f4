"""The article's experiment as an object the window, the command line and the tests can drive.

A few filters as large as the image, trained on ONE digit: `Trainer` is a Learner
(engine/core/learner.py) whose every batch is that digit, plus what one digit adds — the
digits it was trained on over time, the filters' cosine to the digit, replaying a
recorded step, and its whole state for a session file. No threads and no Qt: `step`,
`reset`, `set_image` and `set_hparams` are plain calls, and `snapshot()` hands out a
frozen numpy copy of everything a view may draw.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.core.experiment import LearnerExperiment
from filterlab.engine.core.history import ImageHistory
from filterlab.engine.core.learner import LearnerState
from filterlab.engine.core.metrics import cosine_to_image, untouched_weights
from filterlab.engine.core.model import checked_digit, checked_filters, to_numpy
from filterlab.engine.core.one_example import OneExampleLearner
from filterlab.engine.core.passes import recorded_pass
from filterlab.engine.core.pixels import network_input
from filterlab.engine.core.snapshot import Snapshot, make_snapshot


@dataclass
class DigitState:
    """A Trainer as plain numpy and numbers (engine/digit/session.py writes it to a file)."""

    learner: LearnerState
    image: np.ndarray
    label: int
    images: ImageHistory


class Trainer(LearnerExperiment):
    """One model, one optimizer, one training digit, and their record."""

    _initial_cos: Optional[np.ndarray]  # cached cosines of the initial filters to the digit
    _untouched: Optional[tuple[tuple[tuple[int, ...], int], np.ndarray]]  # (record key, untouched weights)

    def __init__(self, config: Config = Config(), image: Optional[np.ndarray] = None,
                 label: Optional[int] = None):
        if image is None:
            from filterlab.engine.data import bundled_digit
            image, label = bundled_digit(4)
        self._image, self._label = checked_digit(image, label)  # the digit in [0, 1], as shown and saved
        self.learner = OneExampleLearner(config, self._batch, on_forget=self._forget)
        self._restart()

    # ----------------------------------------------------------------- commands
    def set_initial_filters(self, filters: np.ndarray) -> None:
        """Start over from hand-painted (F,k,k) filters: step 0, a fresh record, these as "before".

        Biases and the output layer follow the config's init; a later reset draws from it again.
        """
        self.learner.start_from_filters(checked_filters(filters, self.config))
        self._restart()

    def set_filter(self, k: int, weights: np.ndarray, reset_optimizer: bool = False) -> None:
        """Filter k (0-based) becomes `weights` between two steps; training carries on from it.

        The edit is kept in the record (the timeline and the GIF show it at its step, and
        mark it), in saved sessions, and in the journal a fork replays.
        """
        self.learner.set_filter(k, weights, reset_optimizer)

    def filter(self, k: int) -> np.ndarray:
        """Filter k now, as numpy."""
        return to_numpy(self.model.conv.weight[k, 0])

    def learner_at(self, step: int):
        """(a Learner exactly in this run's state at `step`, None), or (an approximation, why): what a fork
        starts from (engine/core/replay.py)."""
        from filterlab.engine.core.replay import learner_at
        return learner_at(self.learner, step, self._batch_at)

    def set_image(self, image: np.ndarray, label: int) -> None:
        """Train on another digit from now on; the filters carry on from where they are."""
        self._image, self._label = checked_digit(image, label)
        self._feed()
        self.image_history.add(self.step_count, self.image, self.label)
        self.learner.forget_pass()
        self._initial_cos = None

    # ------------------------------------------------------------------ reading
    @property
    def image(self) -> np.ndarray:
        """The training digit in [0, 1] (the network is fed it times config.pixel_scale)."""
        return self._image.copy()

    @property
    def label(self) -> int:
        return self._label

    def snapshot(self) -> Snapshot:
        """A frozen copy of everything a view may show at the current step."""
        learner = self.learner
        details = learner.details()  # first: a probe may find a divergence and roll back
        return make_snapshot(
            step=learner.step_count, details=details, filters=learner.filters(), fc_weight=learner.fc_weight(),
            image=self.image, label=self.label, initial=learner.initial.copy(), losses=learner.losses.curve(),
            curves=learner.record.cosine_curves(self.image_history), config=learner.config,
            device=str(learner.device), diverged=learner.diverged, initial_cosine=self._initial_cosine(),
            untouched=self.untouched(), edit_steps=learner.journal.edit_steps)

    def untouched(self) -> np.ndarray:
        """(k,k) the weights whose loss gradient has been exactly 0 at every step so far (weight decay aside):
        where every digit trained on so far was blank under them (engine/core/metrics.py)."""
        key = (tuple(self.image_history.steps), self.config.kernel)
        if self._untouched is None or self._untouched[0] != key:
            self._untouched = (key, untouched_weights(self.image_history.images, self.config.kernel))
        return self._untouched[1]

    def snapshot_at(self, step: int) -> Snapshot:
        """The recorded frame at or just before `step`, run forward and backward again.

        The record keeps the whole model every few steps, so predictions, dL/dz and the
        gradients of a past step are the ones it really had; only its update reads 0.
        """
        record, learner = self.learner.record, self.learner
        index = record.index_at(step)
        frame_step, filters = record.steps[index], record.frames[index]
        image, label = self.image_history.at(frame_step)
        x, y = _digit_tensors(network_input(image, learner.config.pixel_scale), label, learner.device)
        details, fc_weight = recorded_pass(learner.config, learner.device, filters, record.heads[index], x, y)
        curve_steps, curves = record.cosine_curves(self.image_history)
        curve_keep = curve_steps <= frame_step
        return make_snapshot(
            step=frame_step, details=details, filters=filters.copy(), fc_weight=fc_weight,
            image=np.array(image, copy=True), label=label, initial=learner.initial.copy(),
            losses=self.recorded_losses(frame_step), curves=(curve_steps[curve_keep], curves[curve_keep]),
            config=learner.config, device=str(learner.device), historical=True,
            initial_cosine=self._initial_cosine(), edit_steps=learner.journal.edit_steps)

    # -------------------------------------------------------------- the state
    def state(self) -> DigitState:
        """Everything needed to carry on exactly from this step (a session file holds it)."""
        return DigitState(self.learner.state(), self.image, self.label, self.image_history)

    @classmethod
    def from_state(cls, state: DigitState) -> "Trainer":
        """A trainer exactly as `state` describes it (ConfigError if its device is missing here)."""
        trainer = cls(state.learner.config, state.image, state.label)
        trainer.learner = OneExampleLearner.from_state(state.learner, trainer._batch, on_forget=trainer._forget)
        trainer._feed()
        trainer.image_history = state.images
        return trainer

    # ---------------------------------------------------------------- internals
    def _batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self._x, self._y

    def _batch_at(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The digit the run trained on at `step` (a replay's batch)."""
        image, label = self.image_history.at(step)
        return _digit_tensors(network_input(np.asarray(image, np.float32), self.config.pixel_scale), label,
                              self.device)

    def _restart(self) -> None:
        """After a reset: the digit on the (maybe new) device and scale, a fresh record of digits."""
        self._feed()
        self.image_history = ImageHistory()
        self.image_history.add(0, self.image, self.label)
        self._initial_cos = None
        self._untouched = None

    def _feed(self) -> None:
        """The input tensors the steps train on: the digit at the config's pixel scale, on its device."""
        self._x, self._y = _digit_tensors(network_input(self._image, self.config.pixel_scale), self._label,
                                          self.device)

    def _forget(self, step: int) -> None:
        self.image_history.truncate(step)

    def _initial_cosine(self) -> np.ndarray:
        """Cached: it changes only with a reset or a new image."""
        if self._initial_cos is None:
            self._initial_cos = cosine_to_image(self.learner.initial, self.image)
        return self._initial_cos.copy()


def _digit_tensors(image: np.ndarray, label: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(np.ascontiguousarray(image)).to(device)[None, None], torch.tensor([label], device=device)
