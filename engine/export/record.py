"""What an export needs of a run, copied out of the trainer in one go: `RunRecord`.

A run is its start (the settings, the seed or hand-painted filters, the digit) and the
journal of what happened between two steps (engine/core/journal.py: a setting changed,
a filter painted) and of the digits it trained on (the trainer's image history). Those
are enough to write the run again as plain code (engine/export/code.py). The record is
taken on the training thread and is plain numpy afterwards, so the code is written
from a copy, never from a trainer that goes on training.

A run opened from a session knows its journal only from the step it was opened at: the
record then carries the whole training state of that step (weights and the optimizer's
moments), and the code is exact from there on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.core.journal import Change, Edit
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.model import build_model, to_numpy
from filterlab.engine.core.parameters import PARAMETERS


class ExportError(ValueError):
    """A run that cannot be written as code; the message says why, in one line."""


@dataclass(frozen=True)
class Digit:
    """From step `step` on, the run trained on `image` (28x28, pixels 0-1) as class `label`."""

    step: int
    image: np.ndarray
    label: int


@dataclass(frozen=True)
class DigitsSet:
    """A set run's digits (pixels 0-255, as the sample holds them) and how it went through them."""

    train_images: np.ndarray  # (N, 28, 28) uint8
    train_labels: np.ndarray  # (N,)
    test_images: np.ndarray
    test_labels: np.ndarray
    description: str
    batch_size: int
    steps_per_epoch: int
    epochs: tuple             # the epochs Filter Lab scored: ({"step", "test_accuracy", ...}, ...)


@dataclass(frozen=True)
class RunRecord:
    config: Config                 # the settings at step `start`
    start: int                     # the step the code starts from (0, or the step a session was opened at)
    steps: int                     # the step the run had reached
    digits: tuple                  # Digit, in the order they came; the first at `start`
    events: tuple                  # the journal's Change and Edit events from `start` on, in order
    initial: Optional[np.ndarray]  # hand-painted filters at step 0 (None: the seed's own)
    state: Optional[tuple]         # at start > 0: ({parameter: array}, {parameter: {slot: array or step}})
    final_loss: Optional[float]    # None before the first step
    final_cosine: np.ndarray
    diverged: Optional[str]
    device: str = "cpu"            # where Filter Lab trained it (the script trains on the CPU)
    digit_set: Optional[DigitsSet] = None  # a many-digit run's digits (then `digits` is empty)


MAX_SET = 1000  # digits a script embeds: the bundled sample's; the full MNIST is 70,000


def run_record(trainer) -> RunRecord:
    """The record of a one-digit Trainer (engine/digit/trainer.py) or a set run (engine/digitset/trainer.py);
    ExportError for any other experiment."""
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.engine.digitset.trainer import SetTrainer
    if isinstance(trainer, SetTrainer):
        return _set_record(trainer)
    if not isinstance(trainer, Trainer):
        raise ExportError("only one-digit and many-digit runs can be exported as code; comparisons cannot")
    learner, journal = trainer.learner, trainer.learner.journal
    start = journal.start
    config, model_state, optimizer_state = journal.checkpoints[start]
    history = trainer.image_history
    first = history.index_at(start)
    digits = [Digit(max(step, start), np.array(image, np.float32), int(label))
              for step, image, label in list(zip(history.steps, history.images, history.labels))[first:]]
    events = tuple(_copied(event) for event in journal.events
                   if event.step >= start and not (isinstance(event, Edit) and event.weights is None))
    _, losses = learner.losses.arrays()
    filters = learner.filters()
    return RunRecord(
        config=config, start=start, steps=learner.step_count, digits=tuple(digits), events=events,
        initial=_painted(config, learner.initial) if start == 0 else None,
        state=_state(model_state, optimizer_state) if start > 0 else None,
        final_loss=float(losses[-1]) if len(losses) else None,
        final_cosine=cosine_to_image(filters, trainer.image), diverged=learner.diverged, device=str(learner.device))


def _set_record(trainer) -> RunRecord:
    """A set run: its digits embedded as they are (the bundled sample's; the full MNIST is too large)."""
    digits, learner = trainer.digits, trainer.learner
    count = len(digits.train_labels) + len(digits.test_labels)
    if count > MAX_SET:
        raise ExportError(f"this set has {count:,} digits, too many to write into a script (at most {MAX_SET:,}: "
                          "sets of the bundled sample export, the full MNIST does not)")
    raw = [np.rint(np.asarray(images, np.float64) * 255).astype(np.uint8)
           for images in (digits.train_images, digits.test_images)]
    if not all(np.array_equal(r.astype(np.float32) / np.float32(255), images)
               for r, images in zip(raw, (digits.train_images, digits.test_images))):
        raise ExportError("this set's digits are not 8-bit images; it cannot be written into a script exactly")
    _, losses = learner.losses.arrays()
    config = learner.journal.checkpoints[0][0]
    chosen = DigitsSet(raw[0], np.asarray(digits.train_labels, np.int64), raw[1],
                       np.asarray(digits.test_labels, np.int64), digits.description, trainer.batch_size,
                       trainer.steps_per_epoch, tuple(dict(epoch) for epoch in trainer.epochs))
    return RunRecord(
        config=config, start=0, steps=learner.step_count, digits=(),
        events=tuple(_copied(event) for event in learner.journal.events), initial=_painted(config, learner.initial),
        state=None, final_loss=float(losses[-1]) if len(losses) else None,
        final_cosine=np.zeros(0), diverged=learner.diverged, device=str(learner.device), digit_set=chosen)


def _copied(event):
    if isinstance(event, Edit):
        return Edit(event.step, event.filter, np.array(event.weights, np.float32), event.reset_optimizer)
    return Change(event.step, event.config)


def _painted(config: Config, initial: np.ndarray) -> Optional[np.ndarray]:
    """The starting filters if they are not the seed's own (painted by hand, or drawn), else None."""
    seeded = to_numpy(build_model(config.with_(device="cpu"), torch.device("cpu")).conv.weight[:, 0])
    return None if np.array_equal(seeded, initial) else np.array(initial, np.float32)


def _state(model_state: dict, optimizer_state: dict) -> tuple[dict, dict]:
    """A checkpoint (engine/core/journal.py) as numpy: each parameter, and each parameter's optimizer slots."""
    model = {name: to_numpy(model_state[name]) for name in PARAMETERS}
    slots = {}
    for index, state in optimizer_state["state"].items():
        slots[PARAMETERS[index]] = {slot: float(value) if slot == "step" else to_numpy(value)
                                    for slot, value in state.items() if value is not None}
    return model, slots
