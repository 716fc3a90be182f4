"""The 1,000 MNIST digits shipped with the app (100 per class, sorted by class), so it works offline.

Data source: MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges), CC BY-SA 3.0.
"""
import functools
import pathlib

import numpy as np

from filterlab.engine.data.errors import DataError

BUNDLED_PATH = pathlib.Path(__file__).with_name("mnist-sample-1k.npz")


def to_unit_float(images_uint8) -> np.ndarray:
    """uint8 pixels 0..255 -> float32 in [0, 1] (a new array; one float copy, divided in place)."""
    images = np.array(images_uint8, dtype=np.float32)
    images /= 255
    return images


@functools.lru_cache(maxsize=1)
def load_bundled() -> tuple[np.ndarray, np.ndarray]:
    """The bundled 1,000 digits: float32 images (N, 28, 28) in [0, 1] and int64 labels (N,).

    Cached, so the arrays are shared: they are read-only to keep callers from changing them.
    """
    with np.load(BUNDLED_PATH) as sample:
        images = to_unit_float(sample["images"])
        labels = sample["labels"].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def first_of_digit(images, labels, digit) -> tuple[np.ndarray, int]:
    """The first image whose label is `digit`, as a fresh array the caller may change."""
    matches = np.flatnonzero(labels == digit)
    if matches.size == 0:
        raise DataError(f"there is no digit {digit} in the data; digits are 0 to 9")
    return images[matches[0]].copy(), int(labels[matches[0]])


def sample_at(images, labels, index) -> tuple[np.ndarray, int]:
    """Image number `index`, as a fresh array the caller may change."""
    if not 0 <= index < len(labels):
        raise DataError(f"sample index {index} is out of range; valid indices are 0 to {len(labels) - 1}")
    return images[index].copy(), int(labels[index])


def bundled_digit(digit: int) -> tuple[np.ndarray, int]:
    """First bundled sample of class `digit` (0-9) -> (image (28, 28), label)."""
    return first_of_digit(*load_bundled(), digit)


def bundled_index(index: int) -> tuple[np.ndarray, int]:
    """Bundled sample number `index` -> (image (28, 28), label)."""
    return sample_at(*load_bundled(), index)
