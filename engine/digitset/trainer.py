"""Training on a set of digits in minibatches, scored on digits it never trained on.

The article trains on one image; real CNNs train on many, and then the filters can no
longer become *the* digit — they become shapes common to the set. This module is that
step: the same model and optimizer (a Learner, engine/core/learner.py) on all bundled
samples of some classes (or the full MNIST), shuffled every epoch, scored on the test
split after every epoch (engine/digitset/scores.py), for the epochs asked — then it is
finished, until asked for more.

The minibatch of step s is a pure function of (seed, s): epoch e = s // steps_per_epoch
is shuffled by a generator seeded with (seed, e). So chunking, rollback replays and two
runs with the same seed all see the very same batches.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.chunk import warm_up
from filterlab.engine.core.config import IMAGE_SIZE, Config, ConfigError
from filterlab.engine.core.experiment import LearnerExperiment
from filterlab.engine.core.history import ImageHistory
from filterlab.engine.core.minibatch import MinibatchLearner
from filterlab.engine.core.model import to_numpy
from filterlab.engine.core.passes import recorded_pass
from filterlab.engine.digitset.batch import contributions
from filterlab.engine.digitset.data import DEFAULT_BATCH, EPOCHS, DigitSet
from filterlab.engine.digitset.scores import Evaluation, evaluate
from filterlab.engine.digitset.snapshot import SetSnapshot, centred_means, class_patches, example_details, set_snapshot

MAX_BATCH = 65_536
BLOCK_ROWS = 4_096  # training rows gathered in shuffled order at a time for the chunk (about 13 MB): an epoch's
#                     reshuffle is then a permutation, not a copy of the whole set (60,000 digits: 0.2-0.3 s)
FRESH_TEST_DIGITS = 1_000  # a test split this small is scored for every snapshot (well under a millisecond)
SCORE_SHARE = 0.05  # a larger one at most this share of the training time: a pass over N test digits costs
#                     about as much as N / (3 x batch) training steps (a step is a forward and a backward pass)


class SetTrainer(LearnerExperiment):
    """Minibatch training on a DigitSet; `epochs` records loss and test accuracy per epoch."""

    pixel_scales = (1,)  # the article's raw pixels are a one-digit experiment
    _scores: Optional[tuple[int, Evaluation]]  # (step scored, its scores)

    def __init__(self, config: Config, digits: DigitSet, batch_size: int = DEFAULT_BATCH, epochs: int = EPOCHS):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
            raise ConfigError(f"batch size must be between 1 and {MAX_BATCH}, got {batch_size!r}")
        self.checked(config)
        self.digits, self.batch_size, self.target_epochs = digits, batch_size, epochs
        self.steps_per_epoch = math.ceil(len(digits.train_labels) / batch_size)
        tested = len(digits.test_labels)
        # the steps between two test passes of the live snapshots (epoch ends are always scored)
        self.score_every = 1 if tested <= FRESH_TEST_DIGITS else math.ceil(tested / (3 * batch_size) / SCORE_SHARE)
        self.class_means = digits.class_means()
        self.centred_class_means = centred_means(self.class_means)  # for the filters' cosines (snapshot.py)
        self.class_patches = class_patches(self.class_means, config.kernel) if config.kernel < IMAGE_SIZE else None
        self.initial_cosines = None  # (key, cosines) of the starting filters, kept by snapshot.initial_cosines
        self.example = 0  # the test digit the views show beside the training
        self._data_device = None
        self.learner = MinibatchLearner(config, self._batch, self._rows)
        warm_up(minibatch=True, kernel=config.kernel)  # here, on the thread that builds the run: not on its first steps
        self._restart()

    # ----------------------------------------------------------------- commands
    def step(self, n: int = 1, interrupt=None) -> int:
        """Train n minibatch steps, up to the epochs asked (fewer once `interrupt` is requested,
        engine/core/interrupt.py); every completed epoch is scored.

        The call is cut at epoch ends so each epoch's record is taken exactly there, and where the
        gathered block of shuffled rows ends (_rows); cutting changes no number (the batches depend
        only on the step).
        """
        done, end = 0, self.target_epochs * self.steps_per_epoch
        while done < n and not self.diverged and self.step_count < end:
            want = min(n - done, self._rows(self.step_count)[4], end - self.step_count)  # to the block's end
            kept = self.learner.step(want, interrupt)
            done += kept
            if kept:
                self._epoch_loss += float(self.learner.last_losses.sum())
                self._epoch_batches += kept
            if kept and self.step_count % self.steps_per_epoch == 0:
                self._end_epoch()
            if kept < want:
                break
        return done

    def train_more(self, epochs: int = 5) -> None:
        """Ask for `epochs` more epochs than were asked so far."""
        self.target_epochs = max(self.target_epochs, math.ceil(self.step_count / self.steps_per_epoch)) + epochs

    def set_example(self, index: int) -> None:
        """Show test digit number `index` in the prediction and digit views."""
        if not 0 <= index < len(self.digits.test_labels):
            raise ValueError(f"test digit {index} does not exist; there are {len(self.digits.test_labels)}")
        self.example = index

    def evaluate(self, split: str = "test") -> tuple[float, float]:
        """(mean cross-entropy, accuracy) of the current model on the test or train split."""
        scores = evaluate(self.model, *(self._test if split == "test" else self._train))
        return scores.loss, scores.accuracy

    # ------------------------------------------------------------------ reading
    @property
    def finished(self) -> Optional[str]:
        """Set once the epochs asked are done (the window pauses there; train_more goes on)."""
        if self.step_count < self.target_epochs * self.steps_per_epoch or not self.epochs:
            return None
        count = len(self.epochs)
        return f"done: {count} epoch{'s' if count != 1 else ''}, test accuracy {self.epochs[-1]['test_accuracy']:.1%}"

    @property
    def image(self) -> np.ndarray:
        return to_numpy(self.learner.current_pass().x[0, 0])

    @property
    def label(self) -> int:
        return int(self.learner.current_pass().y[0])

    def snapshot(self) -> SetSnapshot:
        learner = self.learner
        batch = learner.details()
        example = example_details(self.model, *self._example_tensors(), batch)
        return set_snapshot(self, learner.step_count, example, learner.filters(), learner.fc_weight(),
                            learner.losses.curve(), learner.diverged, historical=False)

    def snapshot_at(self, step: int) -> SetSnapshot:
        """The recorded frame at or before `step`, run again: on its minibatch, and on the shown test digit."""
        record, learner = self.learner.record, self.learner
        index = record.index_at(step)
        frame_step, filters, head = record.steps[index], record.frames[index], record.heads[index]
        batch, fc_weight = recorded_pass(learner.config, learner.device, filters, head, *self._batch(frame_step))
        model = _model_of(learner.config, learner.device, filters, head)
        example = example_details(model, *self._example_tensors(), batch)
        return set_snapshot(self, frame_step, example, filters.copy(), fc_weight, self.recorded_losses(frame_step),
                            None, historical=True, model=model)

    def batch_contributions(self, f: int) -> dict:
        """The last step's gradient of filter f, taken apart image by image (engine/digitset/batch.py)."""
        f = min(max(f, 0), self.config.filters - 1)
        parts = contributions(self.learner.current_pass(), self.config.kernel, f)
        parts.update(filter=f, step=self.step_count, engine_gradient=to_numpy(self.model.conv.weight.grad[f, 0]))
        return parts

    def scores(self, model=None, every: int = 1) -> Evaluation:
        """The test split scored now (or by `model`); or, with `every` > 1, as last scored if that was fewer
        than `every` steps ago (`scored_step` says when): the live snapshots' test pass, at most a twentieth
        of the training time on a large test split (score_every)."""
        if model is not None:
            return evaluate(model, *self._test)
        if self._scores is None or not 0 <= self.step_count - self._scores[0] < every:
            self._scores = (self.step_count, evaluate(self.model, *self._test))
        return self._scores[1]

    @property
    def scored_step(self) -> int:
        """The step the last test pass (scores()) scored."""
        return self._scores[0] if self._scores is not None else 0

    def filter_classes(self, fc_weight: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
        """(F,) the set's class each filter feeds most strongly, and (F,) that signed weight."""
        fc = self.learner.fc_weight() if fc_weight is None else fc_weight
        fc = fc.reshape(10, self.config.filters, -1).sum(axis=2)
        present = np.array(self.digits.classes)
        classes = present[np.abs(fc[present]).argmax(axis=0)]
        return classes, fc[classes, np.arange(self.config.filters)]

    # ---------------------------------------------------------------- internals
    def _restart(self) -> None:
        """After a reset: the data on the (maybe new) device, fresh epoch records."""
        if self._data_device != self.device:
            d = self.digits
            self._train = _tensors(d.train_images, d.train_labels, self.device)
            self._test = _tensors(d.test_images, d.test_labels, self.device)
            self._data_device = self.device
        self._epoch_index: Optional[int] = None  # the epoch _epoch_order shuffles
        self._epoch_order: Optional[torch.Tensor] = None
        self._block: Optional[tuple[int, int]] = None  # (epoch, first row) of the rows gathered in _block_x/_y
        rows = min(BLOCK_ROWS // self.batch_size * self.batch_size or self.batch_size, len(self._train[1]))
        self._block_x = self._train[0].new_empty((rows, self._train[0][0].numel()))
        self._block_y = self._train[1].new_empty((rows,))
        x, y = self._batch(0)
        self.image_history = ImageHistory()  # the first digit of the first batch
        self.image_history.add(0, to_numpy(x[0, 0]), int(y[0]))
        self.epochs: list[dict] = []
        self._epoch_loss, self._epoch_batches = 0.0, 0
        self._scores = None
        self.initial_scores = self.scores()  # epoch 0: the baseline (about chance) epochs are read against

    def _example_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = self._test
        return images[self.example:self.example + 1], labels[self.example:self.example + 1]

    def _order(self, seed: int, epoch: int) -> np.ndarray:
        """The sample order of `epoch`, from a generator seeded by (seed, epoch) alone."""
        return np.random.default_rng([seed, epoch]).permutation(len(self.digits.train_labels))

    def _epoch(self, step: int) -> tuple[torch.Tensor, int]:
        """The shuffled sample order of the epoch of update step + 1 (made once per epoch: a permutation,
        no copy of the data), and the position of that step's batch in it."""
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch_index:
            self._epoch_order = torch.from_numpy(self._order(self.config.seed, epoch)).to(self.device)
            self._epoch_index = epoch
        return self._epoch_order, position

    def _batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The minibatch update step + 1 trains on (its own copy: a later block does not change it)."""
        order, position = self._epoch(step)
        rows = order[position * self.batch_size:(position + 1) * self.batch_size]
        return self._train[0].index_select(0, rows), self._train[1].index_select(0, rows)

    def _rows(self, step: int) -> tuple[torch.Tensor, torch.Tensor, int, int, int]:
        """A block of the shuffled epoch of update step + 1, flat, gathered into one reused buffer (BLOCK_ROWS
        at a time), where that step's batch starts in it, and the steps left in the block (for the minibatch
        chunk function, engine/core/minibatch.py)."""
        order, position = self._epoch(step)
        block_steps = len(self._block_y) // self.batch_size
        first_step = position // block_steps * block_steps
        first = first_step * self.batch_size
        epoch = self._epoch_index
        assert epoch is not None  # _epoch set it
        if self._block != (epoch, first):
            rows = order[first:first + len(self._block_y)]
            torch.index_select(self._train[0].view(len(self._train[0]), -1), 0, rows, out=self._block_x[:len(rows)])
            torch.index_select(self._train[1], 0, rows, out=self._block_y[:len(rows)])
            self._block = (epoch, first)
        last_step = min(first_step + block_steps, self.steps_per_epoch)
        held = min(len(self._block_y), len(order) - first)
        return (self._block_x[:held], self._block_y[:held], (position - first_step) * self.batch_size,
                self.batch_size, last_step - position)

    def _end_epoch(self) -> None:
        scores = self.scores()
        self.epochs.append({
            "epoch": self.step_count // self.steps_per_epoch,
            "step": self.step_count,
            "train_loss": self._epoch_loss / max(self._epoch_batches, 1),  # mean minibatch loss
            "test_loss": scores.loss,
            "test_accuracy": scores.accuracy,
        })
        self._epoch_loss, self._epoch_batches = 0.0, 0


def _model_of(config, device, filters, head):
    from filterlab.engine.core.model import FilterNet, load_weights
    model = FilterNet(config.filters, config.kernel).to(device)
    load_weights(model, filters, head)
    return model


def _tensors(images: np.ndarray, labels: np.ndarray, device) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.tensor(images, dtype=torch.float32, device=device)[:, None],
            torch.tensor(labels, dtype=torch.int64, device=device))
