"""The digits of a set run: which classes, the train/test split, the torchvision path."""
import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.data import DataError, load_bundled
from filterlab.engine.digitset.data import bundled_set, mnist_set, parse_classes
from filterlab.engine.digitset.trainer import SetTrainer

ALL = tuple(range(10))


@pytest.fixture(scope="module")
def all_digits():
    return bundled_set(ALL)


@pytest.mark.parametrize("text, classes", [("all", ALL), ("ALL", ALL), ("3,7", (3, 7)), (" 7 , 3 ", (3, 7)),
                                           ("5", (5,))])
def test_parse_classes(text, classes):
    assert parse_classes(text) == classes


@pytest.mark.parametrize("text", ["", "3,,7", "10", "x", "3;7", "-1", "3,3"])
def test_parse_classes_refuses_malformed_lists(text):
    with pytest.raises(DataError, match="--classes"):
        parse_classes(text)


def test_bundled_split_holds_out_the_last_fifth_of_each_class(all_digits):
    images, labels = load_bundled()
    assert len(all_digits.train_labels) == 800 and len(all_digits.test_labels) == 200
    assert np.bincount(all_digits.test_labels).tolist() == [20] * 10
    np.testing.assert_array_equal(all_digits.test_images[:20], images[80:100])  # class 0: samples 80-99
    pair = bundled_set((3, 7))
    assert set(pair.train_labels) == {3, 7} and len(pair.train_labels) == 160 and len(pair.test_labels) == 40


def test_full_mnist_through_torchvision_gives_the_same_run(tmp_path, write_idx_mnist):
    """The bundled split written as MNIST's IDX files trains exactly as the bundled set does."""
    bundled = bundled_set((1, 8))
    to_bytes = lambda images: np.rint(images * 255).astype(np.uint8)
    write_idx_mnist(tmp_path, to_bytes(bundled.train_images), bundled.train_labels, train=True)
    write_idx_mnist(tmp_path, to_bytes(bundled.test_images), bundled.test_labels, train=False)
    mnist = mnist_set(tmp_path, (1, 8))
    np.testing.assert_array_equal(mnist.train_images, bundled.train_images)
    runs = [SetTrainer(Config(seed=2), digits, batch_size=32) for digits in (bundled, mnist)]
    for run in runs:
        run.step(3 * run.steps_per_epoch)
    assert runs[0].epochs == runs[1].epochs
    with pytest.raises(DataError, match="no digits"):
        mnist_set(tmp_path, (0,))
