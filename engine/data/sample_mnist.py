"""An MNIST-shaped set made from the bundled sample, written as MNIST's IDX files: what the tests and the
benchmark train a set run of tens of thousands of digits on, where the full MNIST cannot be downloaded.

Each digit is a bundled one moved by up to two pixels (digits keep a margin of four), so the copies differ
and a model still has to learn shapes, not pixels. The training split is made from the first 80% of each
class of the sample, the t10k split from the last 20% (engine/digitset/data.py's split): no test digit
is a moved training digit. The files lie where load_mnist reads them (root/MNIST/raw).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from filterlab.engine.data.bundled import BUNDLED_PATH
from filterlab.engine.data.idx import write_idx
from filterlab.engine.data.mnist import mnist_files

TRAIN, TEST = 60_000, 10_000  # MNIST's own sizes
SHIFT = 2  # pixels a copy may be moved, each way
TEST_FRACTION = 0.2


def write_sample_mnist(root, train: int = TRAIN, test: int = TEST, seed: int = 0) -> Path:
    """`train` and `test` digits as the IDX files of the full MNIST under `root`; returns root."""
    with np.load(BUNDLED_PATH) as sample:
        images, labels = sample["images"].astype(np.uint8), sample["labels"].astype(np.uint8)
    rng = np.random.default_rng(seed)
    first, last = [], []
    for c in range(10):
        members = np.flatnonzero(labels == c)
        cut = len(members) - round(len(members) * TEST_FRACTION)
        first.append(members[:cut])
        last.append(members[cut:])
    (Path(root) / "MNIST" / "raw").mkdir(parents=True, exist_ok=True)
    for is_train, count, pool in ((True, train, np.concatenate(first)), (False, test, np.concatenate(last))):
        rounds = max(1, -(-count // len(pool)))  # each pool digit once per round, in a new order each round
        chosen = pool[np.concatenate([rng.permutation(len(pool)) for _ in range(rounds)])[:count]]
        moved = images[chosen]
        shifts = rng.integers(-SHIFT, SHIFT + 1, (count, 2))
        for shift in np.unique(shifts, axis=0):
            these = (shifts == shift).all(axis=1)
            moved[these] = np.roll(moved[these], tuple(shift), axis=(1, 2))
        images_path, labels_path = mnist_files(root, is_train)
        write_idx(images_path, moved)
        write_idx(labels_path, labels[chosen])
    return Path(root)
