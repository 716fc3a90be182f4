"""Training on a set of digits in minibatches, with a held-out test accuracy.

The article trains on one image; real CNNs train on many, and then the filters can no
longer become *the* digit — they become shapes common to the set. This module is that
step: the same model and optimizer on all bundled samples of some classes (or the full
MNIST), shuffled every epoch, scored on digits it never trained on.

Why a `Trainer` subclass: Trainer's steps already read a (B,1,28,28) batch and (B,)
labels from `self._x`/`self._y`, so a set run only has to put the next minibatch there
before each update. Everything else — fused optimizers, divergence rollback, the loss
and filter records, snapshots, `set_hparams` — is the single-digit trainer's, unchanged.

The minibatch of step s is a pure function of (seed, s): epoch e = s // steps_per_epoch
is shuffled by a generator seeded with (seed, e). So chunking, rollback replays and two
runs with the same seed all see the very same batches.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.data import DataError, load_bundled, load_mnist
from filterlab.engine.core.history import ImageHistory
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.snapshot import Snapshot
from filterlab.engine.digit.trainer import Trainer

TEST_FRACTION = 0.2  # of each class in the bundled sample, held out for the test accuracy
DEFAULT_BATCH = 64
MAX_BATCH = 65_536
EVAL_CHUNK = 8192  # test images per forward pass: bounded memory on the full MNIST


@dataclass(frozen=True)
class DigitSet:
    """Train and test digits of some classes: float32 (N,28,28) in [0,1], int64 (N,)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[int, ...]
    description: str

    def class_means(self) -> np.ndarray:
        """(10,28,28) mean training image of each class; zeros for classes not in the set."""
        means = np.zeros((10,) + self.train_images.shape[1:], np.float32)
        for c in self.classes:
            means[c] = self.train_images[self.train_labels == c].mean(axis=0)
        return means


def parse_classes(text: str) -> tuple[int, ...]:
    """'all' or digits separated by commas ('3,7') -> sorted classes; DataError if malformed."""
    if text.strip().lower() == "all":
        return tuple(range(10))
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and len(p) == 1 for p in parts):
        raise DataError(f"--classes takes 'all' or digits 0-9 separated by commas, got {text!r}")
    classes = [int(p) for p in parts]
    if len(set(classes)) != len(classes):
        raise DataError(f"--classes lists a class twice: {text!r}")
    return tuple(sorted(classes))


def bundled_set(classes: Sequence[int], test_fraction: float = TEST_FRACTION) -> DigitSet:
    """The bundled samples of `classes`; the last `test_fraction` of each class is the test set.

    Per class and by position, so the split is the same on every machine and every class
    is tested in proportion.
    """
    images, labels = load_bundled()
    train, test = [], []
    for c in classes:
        members = np.flatnonzero(labels == c)
        cut = len(members) - round(len(members) * test_fraction)
        train.append(members[:cut])
        test.append(members[cut:])
    train, test = np.concatenate(train), np.concatenate(test)
    return DigitSet(images[train], labels[train], images[test], labels[test], tuple(classes),
                    f"{len(train)} bundled digits of {_class_text(classes)}")


def mnist_set(root, classes: Sequence[int], download: bool = False) -> DigitSet:
    """The full MNIST's `classes`: its own training split to train on, its t10k split to test."""
    parts = []
    for train in (True, False):
        images, labels = load_mnist(root, train=train, download=download)
        keep = np.isin(labels, classes)
        parts += [images[keep], labels[keep]]
    if len(parts[1]) == 0 or len(parts[3]) == 0:
        raise DataError(f"the MNIST under {root} has no digits of {_class_text(classes)}")
    return DigitSet(*parts, tuple(classes), f"{len(parts[1])} MNIST digits of {_class_text(classes)}")


def _class_text(classes: Sequence[int]) -> str:
    if tuple(classes) == tuple(range(10)):
        return "classes 0-9"
    return ("classes " if len(classes) > 1 else "class ") + ",".join(map(str, classes))


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


class SetTrainer(Trainer):
    """Minibatch training on a DigitSet; `epochs` records loss and test accuracy per epoch."""

    def __init__(self, config: Config, digits: DigitSet, batch_size: int = DEFAULT_BATCH):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
            raise ConfigError(f"batch size must be between 1 and {MAX_BATCH}, got {batch_size!r}")
        self.digits, self.batch_size = digits, batch_size
        self.steps_per_epoch = math.ceil(len(digits.train_labels) / batch_size)
        self._class_means = digits.class_means()
        self._data_device = None
        # Trainer wants a digit to start from; reset() replaces it with the first batch at once.
        super().__init__(config, digits.train_images[0], int(digits.train_labels[0]))

    # ----------------------------------------------------------------- commands
    def reset(self, seed: Optional[int] = None, **changes) -> None:
        super().reset(seed, **changes)
        if self._data_device != self.device:
            d = self.digits
            self._train = _tensors(d.train_images, d.train_labels, self.device)
            self._test = _tensors(d.test_images, d.test_labels, self.device)
            self._data_device = self.device
        self._epoch_index, self._epoch_x, self._epoch_y = None, None, None
        self._load_batch(0)
        self.image_history = ImageHistory()  # the first digit of the first batch, not the old one
        self.image_history.add(0, self.image, self.label)
        self.epochs: list[dict] = []
        self._epoch_loss, self._epoch_batches = 0.0, 0

    def set_image(self, image: np.ndarray, label: int) -> None:
        raise ValueError("a set run trains on its whole set; start a single-digit run to train on one image")

    def step(self, n: int = 1) -> int:
        """Train n minibatch steps; every completed epoch is scored on the test set.

        The call is cut at epoch ends so each epoch's record is taken exactly there;
        cutting changes no number (the batches depend only on the step).
        """
        done = 0
        while done < n and not self.diverged:
            left = self.steps_per_epoch - self.step_count % self.steps_per_epoch
            want = min(n - done, left)
            self._cursor = self.step_count
            kept = super().step(want)
            done += kept
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

    def save_session(self, path) -> None:
        raise ValueError("sessions hold one training digit; a set run cannot be saved as a session")

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> SetSnapshot:
        snap = super().snapshot()
        classes, weights = self.filter_classes()
        values = {f.name: getattr(snap, f.name) for f in fields(Snapshot)}
        values.update(
            cosine=self._cosine_to_classes(snap.filters, classes),
            initial_cosine=self._cosine_to_classes(snap.initial, classes),
            class_weights=weights, filter_classes=classes,
            epoch=self.step_count / self.steps_per_epoch, epochs=tuple(dict(e) for e in self.epochs))
        return SetSnapshot(**values)

    def filter_classes(self) -> tuple[np.ndarray, np.ndarray]:
        """(F,) the set's class each filter feeds most strongly, and (F,) that signed weight."""
        fc = self.model.fc.weight.detach().view(10, self.config.filters, -1).sum(dim=2).cpu().numpy()
        present = np.array(self.digits.classes)
        classes = present[np.abs(fc[present]).argmax(axis=0)]
        return classes, fc[classes, np.arange(self.config.filters)]

    # ---------------------------------------------------------------- internals
    def _cosine_to_classes(self, filters: np.ndarray, classes: np.ndarray) -> np.ndarray:
        cos = np.zeros(len(filters))
        for c in np.unique(classes):
            mine = classes == c
            cos[mine] = cosine_to_image(filters[mine], self._class_means[c])
        return cos

    def _order(self, seed: int, epoch: int) -> np.ndarray:
        """The sample order of `epoch`, from a generator seeded by (seed, epoch) alone."""
        return np.random.default_rng([seed, epoch]).permutation(len(self.digits.train_labels))

    def _load_batch(self, step: int) -> None:
        """Put the minibatch of `step` into self._x/self._y (views of the shuffled epoch)."""
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch_index:
            order = torch.from_numpy(self._order(self.config.seed, epoch)).to(self.device)
            self._epoch_x, self._epoch_y = self._train[0][order], self._train[1][order]
            self._epoch_index = epoch
        start = position * self.batch_size
        self._x = self._epoch_x[start:start + self.batch_size]
        self._y = self._epoch_y[start:start + self.batch_size]

    def _plain_step(self) -> torch.Tensor:
        self._load_batch(self._cursor)
        self._cursor += 1
        return super()._plain_step()

    def _recorded_step(self) -> torch.Tensor:
        self._load_batch(self._cursor)
        self._cursor += 1
        return super()._recorded_step()

    def _restore(self, state) -> None:
        """A rollback replays from the restored step, so the batches must restart there too."""
        super()._restore(state)
        self._cursor = self.step_count

    def _commit(self, loss_values: np.ndarray, frames) -> None:
        super()._commit(loss_values, frames)
        self._epoch_loss += float(loss_values.sum())
        self._epoch_batches += len(loss_values)

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
