"""Training on a set of digits in minibatches, with a held-out test accuracy.

The article trains on one image; real CNNs train on many, and then the filters can no
longer become *the* digit — they become shapes common to the set. This module is that
step: the same model and optimizer (a Learner, engine/core/learner.py) on all bundled
samples of some classes (or the full MNIST), shuffled every epoch, scored on digits it
never trained on.

The minibatch of step s is a pure function of (seed, s): epoch e = s // steps_per_epoch
is shuffled by a generator seeded with (seed, e). So chunking, rollback replays and two
runs with the same seed all see the very same batches.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.experiment import LearnerExperiment
from filterlab.engine.core.history import ImageHistory
from filterlab.engine.core.learner import Learner
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.model import to_numpy
from filterlab.engine.core.passes import recorded_pass
from filterlab.engine.core.snapshot import Snapshot, make_snapshot
from filterlab.engine.digitset.data import DEFAULT_BATCH, DigitSet

MAX_BATCH = 65_536
EVAL_CHUNK = 8192  # test images per forward pass: bounded memory on the full MNIST


@dataclass(frozen=True)
class SetSnapshot(Snapshot):
    """A Snapshot of a set run (see Snapshot for the shared fields).

    `image`, `label`, `probs`, `z`, `dl_dz` and `input_grad` describe the first digit of
    the last minibatch: a glimpse of what the network is training on. A filter no longer
    has one digit to become, so its cosine is taken to the *mean training image of its
    own class* — the class it feeds most strongly, by |summed output weight|, among the
    set's classes (`filter_classes`); `class_weights` is that signed weight, so as for one
    digit a negative weight goes with a negative cosine. `initial_cosine` uses the same
    classes, to compare before and after on one footing.
    """

    filter_classes: Optional[np.ndarray] = None  # (F,) each filter's class
    epoch: float = 0.0                            # steps / steps per epoch
    epochs: tuple = ()                            # SetTrainer.epochs so far


class SetTrainer(LearnerExperiment):
    """Minibatch training on a DigitSet; `epochs` records loss and test accuracy per epoch."""

    def __init__(self, config: Config, digits: DigitSet, batch_size: int = DEFAULT_BATCH):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
            raise ConfigError(f"batch size must be between 1 and {MAX_BATCH}, got {batch_size!r}")
        self.digits, self.batch_size = digits, batch_size
        self.steps_per_epoch = math.ceil(len(digits.train_labels) / batch_size)
        self._class_means = digits.class_means()
        self._data_device = None
        self.learner = Learner(config, self._batch)
        self._restart()

    # ----------------------------------------------------------------- commands
    def step(self, n: int = 1) -> int:
        """Train n minibatch steps; every completed epoch is scored on the test set.

        The call is cut at epoch ends so each epoch's record is taken exactly there;
        cutting changes no number (the batches depend only on the step).
        """
        done = 0
        while done < n and not self.diverged:
            want = min(n - done, self.steps_per_epoch - self.step_count % self.steps_per_epoch)
            kept = self.learner.step(want)
            done += kept
            if kept:
                self._epoch_loss += float(self.learner.last_losses.sum())
                self._epoch_batches += kept
            if kept and self.step_count % self.steps_per_epoch == 0:
                self._end_epoch()
            if kept < want:
                break
        return done

    def evaluate(self, split: str = "test") -> tuple[float, float]:
        """(mean cross-entropy, accuracy) of the current model on the test or train split."""
        images, labels = self._test if split == "test" else self._train
        loss, correct = 0.0, 0
        with torch.no_grad():
            for start in range(0, len(labels), EVAL_CHUNK):
                x, y = images[start:start + EVAL_CHUNK], labels[start:start + EVAL_CHUNK]
                logits = self.model.logits(x)
                loss += float(F.cross_entropy(logits, y, reduction="sum"))
                correct += int((logits.argmax(dim=1) == y).sum())
        return loss / len(labels), correct / len(labels)

    # ------------------------------------------------------------------ reading
    @property
    def image(self) -> np.ndarray:
        return to_numpy(self.learner.current_pass().x)

    @property
    def label(self) -> int:
        return int(self.learner.current_pass().y)

    def snapshot(self) -> SetSnapshot:
        learner = self.learner
        details, last = learner.details(), learner.current_pass()
        snap = make_snapshot(
            step=learner.step_count, details=details, filters=learner.filters(), fc_weight=learner.fc_weight(),
            image=to_numpy(last.x), label=int(last.y), initial=learner.initial.copy(),
            losses=learner.losses.arrays(), curves=learner.record.cosine_curves(self.image_history),
            config=learner.config, device=str(learner.device), diverged=learner.diverged,
            initial_cosine=np.zeros(learner.config.filters), cosine=np.zeros(learner.config.filters))
        return self._as_set_snapshot(snap)

    def snapshot_at(self, step: int) -> SetSnapshot:
        """The recorded frame at or before `step`, run again on the minibatch that step trains on."""
        record, learner = self.learner.record, self.learner
        index = record.index_at(step)
        frame_step, filters = record.steps[index], record.frames[index]
        x, y = self._batch(frame_step)
        details, fc_weight = recorded_pass(learner.config, learner.device, filters, record.heads[index], x, y)
        zeros = np.zeros(learner.config.filters)
        snap = make_snapshot(
            step=frame_step, details=details, filters=filters.copy(), fc_weight=fc_weight,
            image=to_numpy(x[0, 0]), label=int(y[0]), initial=learner.initial.copy(),
            losses=self.recorded_losses(frame_step), curves=(np.zeros(0, np.int64), np.zeros((0, 0))),
            config=learner.config, device=str(learner.device), historical=True, initial_cosine=zeros, cosine=zeros)
        return self._as_set_snapshot(snap, fc_weight)

    def filter_classes(self, fc_weight: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
        """(F,) the set's class each filter feeds most strongly, and (F,) that signed weight."""
        fc = self.learner.fc_weight() if fc_weight is None else fc_weight
        fc = fc.reshape(10, self.config.filters, -1).sum(axis=2)
        present = np.array(self.digits.classes)
        classes = present[np.abs(fc[present]).argmax(axis=0)]
        return classes, fc[classes, np.arange(self.config.filters)]

    # ---------------------------------------------------------------- internals
    def _as_set_snapshot(self, snap: Snapshot, fc_weight: Optional[np.ndarray] = None) -> SetSnapshot:
        classes, weights = self.filter_classes(fc_weight)
        snap = replace(snap, cosine=self._cosine_to_classes(snap.filters, classes),
                       initial_cosine=self._cosine_to_classes(snap.initial, classes), class_weights=weights)
        return SetSnapshot.extend(snap, filter_classes=classes, epoch=snap.step / self.steps_per_epoch,
                                  epochs=tuple(dict(e) for e in self.epochs if e["step"] <= snap.step))

    def _restart(self) -> None:
        """After a reset: the data on the (maybe new) device, fresh epoch records."""
        if self._data_device != self.device:
            d = self.digits
            self._train = _tensors(d.train_images, d.train_labels, self.device)
            self._test = _tensors(d.test_images, d.test_labels, self.device)
            self._data_device = self.device
        self._epoch_index, self._epoch_x, self._epoch_y = None, None, None
        x, y = self._batch(0)
        self.image_history = ImageHistory()  # the first digit of the first batch
        self.image_history.add(0, to_numpy(x[0, 0]), int(y[0]))
        self.epochs: list[dict] = []
        self._epoch_loss, self._epoch_batches = 0.0, 0

    def _cosine_to_classes(self, filters: np.ndarray, classes: np.ndarray) -> np.ndarray:
        cos = np.zeros(len(filters))
        for c in np.unique(classes):
            mine = classes == c
            cos[mine] = cosine_to_image(filters[mine], self._class_means[c])
        return cos

    def _order(self, seed: int, epoch: int) -> np.ndarray:
        """The sample order of `epoch`, from a generator seeded by (seed, epoch) alone."""
        return np.random.default_rng([seed, epoch]).permutation(len(self.digits.train_labels))

    def _batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The minibatch update step + 1 trains on (views of the shuffled epoch)."""
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch_index:
            order = torch.from_numpy(self._order(self.config.seed, epoch)).to(self.device)
            self._epoch_x, self._epoch_y = self._train[0][order], self._train[1][order]
            self._epoch_index = epoch
        start = position * self.batch_size
        return self._epoch_x[start:start + self.batch_size], self._epoch_y[start:start + self.batch_size]

    def _end_epoch(self) -> None:
        test_loss, test_accuracy = self.evaluate("test")
        self.epochs.append({
            "epoch": self.step_count // self.steps_per_epoch,
            "step": self.step_count,
            "train_loss": self._epoch_loss / max(self._epoch_batches, 1),  # mean minibatch loss
            "test_loss": test_loss,
            "test_accuracy": test_accuracy,
        })
        self._epoch_loss, self._epoch_batches = 0.0, 0


def _tensors(images: np.ndarray, labels: np.ndarray, device) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.tensor(images, dtype=torch.float32, device=device)[:, None],
            torch.tensor(labels, dtype=torch.int64, device=device))
