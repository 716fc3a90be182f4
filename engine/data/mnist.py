"""The full MNIST: read from its IDX files here (engine/data/idx.py), downloaded by torchvision once."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from filterlab.engine.core.user_files import shown
from filterlab.engine.data.bundled import first_of_digit, sample_at, to_unit_float
from filterlab.engine.data.errors import DataError
from filterlab.engine.data.idx import AGAIN, read_idx

IMAGE_SHAPE = (28, 28)


def mnist_files(root, train: bool = True) -> tuple[Path, Path]:
    """(images, labels) of a split, where torchvision puts them: root/MNIST/raw/{train,t10k}-..."""
    raw = Path(root) / "MNIST" / "raw"
    prefix = "train" if train else "t10k"
    return raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"


def load_mnist(root, train: bool = True, download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The full MNIST from `root`: float32 images (N, 28, 28) in [0, 1] and int64 labels (N,).

    The split's two files must be at root/MNIST/raw (uncompressed, as torchvision leaves
    them); with download=True, torchvision fetches them there when one is missing.
    DataError names the file and what is wrong with it.
    """
    images_path, labels_path = mnist_files(root, train)
    missing = [path for path in (images_path, labels_path) if _missing(path)]
    if missing and download:
        _download(root, train)
    elif missing:
        raise DataError(f"no MNIST found under {shown(root)} ({missing[0].name} is not in {shown(missing[0].parent)}); "
                        f"pass --download to fetch it")
    images = read_idx(images_path, IMAGE_SHAPE, "images")
    labels = read_idx(labels_path, (), "labels")
    if len(labels) != len(images):
        raise DataError(f"{shown(labels_path)} is damaged: it holds {len(labels):,} labels for the {len(images):,} "
                        f"images of {images_path.name}; {AGAIN}")
    wrong = np.flatnonzero(labels > 9)
    if wrong.size:
        raise DataError(f"{shown(labels_path)} is damaged: label #{wrong[0]} is {labels[wrong[0]]}, not a digit 0-9; "
                        f"{AGAIN}")
    return to_unit_float(images), labels.astype(np.int64)


def _missing(path: Path) -> bool:
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # a name too long and the like: reading it says so
    return False


def _download(root, train: bool) -> None:
    from torchvision.datasets import MNIST  # heavy import, paid only by those who ask for a download

    try:
        MNIST(root, train=train, download=True)
    except (RuntimeError, OSError, ValueError, TypeError, AssertionError) as error:  # a failed download
        raise DataError(f"could not download MNIST into {shown(root)} ({type(error).__name__}); check the network "
                        f"connection") from error


def mnist_digit(root, digit=None, index=None, train=True, download=False) -> tuple[np.ndarray, int]:
    """One digit from the full MNIST: the first of class `digit`, or sample number `index`."""
    if (digit is None) == (index is None):
        raise DataError("give either a digit or a sample index, exactly one of the two")
    images, labels = load_mnist(root, train=train, download=download)
    if digit is not None:
        return first_of_digit(images, labels, digit)
    return sample_at(images, labels, index)
