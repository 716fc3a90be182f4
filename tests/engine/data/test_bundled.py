"""The 1,000 bundled MNIST digits: shapes, classes, caching, picking one."""
import numpy as np
import pytest

from filterlab.engine.data import DataError, bundled_digit, bundled_index, load_bundled


def test_bundled_sample_shapes_types_and_classes():
    images, labels = load_bundled()
    assert images.shape == (1000, 28, 28) and images.dtype == np.float32
    assert labels.shape == (1000,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 1
    assert np.bincount(labels).tolist() == [100] * 10


def test_bundled_sample_is_cached_and_read_only():
    images, labels = load_bundled()
    assert load_bundled()[0] is images
    with pytest.raises(ValueError):
        images[0, 0, 0] = 0.5
    with pytest.raises(ValueError):
        labels[0] = 3


def test_bundled_digit_is_first_of_its_class():
    image, label = bundled_digit(7)
    assert label == 7
    np.testing.assert_array_equal(image, load_bundled()[0][700])  # sorted by label, 100 per class


def test_bundled_index():
    image, label = bundled_index(123)
    assert label == 1
    np.testing.assert_array_equal(image, load_bundled()[0][123])


@pytest.mark.parametrize("index", [-1, 1000])
def test_bundled_index_out_of_range(index):
    with pytest.raises(DataError, match="0 to 999"):
        bundled_index(index)


@pytest.mark.parametrize("digit", [-1, 10])
def test_bundled_digit_out_of_range(digit):
    with pytest.raises(DataError, match="0 to 9"):
        bundled_digit(digit)
