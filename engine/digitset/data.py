"""The digits of a set run: which classes, which digits train and which test.

The bundled sample is split the same way everywhere (per class, by position: the first
80% train, the last 20% test), so every class is tested in proportion and two machines
agree; the full MNIST brings its own training and t10k test splits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from filterlab.engine.core.user_files import shown
from filterlab.engine.data import DataError, load_bundled, load_mnist

TEST_FRACTION = 0.2  # of each class in the bundled sample, held out for the test accuracy
DEFAULT_BATCH = 64  # digits per minibatch
EPOCHS = 10  # passes over the training digits, unless asked otherwise


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
    if not all(len(p) == 1 and p in "0123456789" for p in parts):  # not isdigit(): '²' and '٣' pass it
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
    train_parts, test_parts = [], []
    for c in classes:
        members = np.flatnonzero(labels == c)
        cut = len(members) - round(len(members) * test_fraction)
        train_parts.append(members[:cut])
        test_parts.append(members[cut:])
    train, test = np.concatenate(train_parts), np.concatenate(test_parts)
    return DigitSet(images[train], labels[train], images[test], labels[test], tuple(classes),
                    f"{len(train)} bundled digits of {_class_text(classes)}")


def mnist_set(root, classes: Sequence[int], download: bool = False) -> DigitSet:
    """The full MNIST's `classes`: its own training split to train on, its t10k split to test."""
    (train_images, train_labels), (test_images, test_labels) = (
        _of_classes(*load_mnist(root, train=train, download=download), classes) for train in (True, False))
    if len(train_labels) == 0 or len(test_labels) == 0:
        raise DataError(f"the MNIST under {shown(root)} has no digits of {_class_text(classes)}")
    return DigitSet(train_images, train_labels, test_images, test_labels, tuple(classes),
                    f"{len(train_labels)} MNIST digits of {_class_text(classes)}")


def _of_classes(images: np.ndarray, labels: np.ndarray, classes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isin(labels, classes)
    return images[keep], labels[keep]


def _class_text(classes: Sequence[int]) -> str:
    if tuple(classes) == tuple(range(10)):
        return "classes 0-9"
    return ("classes " if len(classes) > 1 else "class ") + ",".join(map(str, classes))
