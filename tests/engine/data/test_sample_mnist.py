"""The MNIST-shaped set made from the bundled sample: real IDX files that load_mnist reads, its test digits
moved copies of the sample's held-out digits only."""
import numpy as np

from filterlab.engine.data import load_bundled
from filterlab.engine.data.idx import read_idx
from filterlab.engine.data.mnist import load_mnist, mnist_files
from filterlab.engine.data.sample_mnist import SHIFT, write_sample_mnist
from filterlab.engine.digitset.data import bundled_set


def moved_copies(image):
    return {np.roll(image, (dy, dx), axis=(0, 1)).tobytes()
            for dy in range(-SHIFT, SHIFT + 1) for dx in range(-SHIFT, SHIFT + 1)}


def test_the_sample_mnist_is_idx_files_of_moved_bundled_digits(tmp_path):
    write_sample_mnist(tmp_path, train=1_500, test=120)
    images, labels = load_mnist(tmp_path, train=True)
    test_images, test_labels = load_mnist(tmp_path, train=False)
    assert images.shape == (1_500, 28, 28) and test_images.shape == (120, 28, 28)
    assert read_idx(mnist_files(tmp_path, False)[1], (), "labels").dtype == np.uint8
    assert set(labels) == set(range(10)) and 100 < np.bincount(labels).min() <= np.bincount(labels).max() < 200
    held_out = bundled_set(tuple(range(10)))
    allowed = {}
    for image, label in zip(held_out.test_images, held_out.test_labels):
        for key in moved_copies(image):
            allowed[key] = label
    for image, label in zip(test_images, test_labels):
        assert allowed[image.tobytes()] == label  # a held-out digit, moved, with its own label
    bundled, _ = load_bundled()
    assert not np.array_equal(images[:20], bundled[:20]) and len(np.unique(images, axis=0)) > 1_000
