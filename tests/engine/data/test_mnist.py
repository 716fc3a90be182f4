"""The full MNIST through torchvision, read from IDX files written here (no download)."""
import numpy as np
import pytest

from filterlab.engine.data import BUNDLED_PATH, DataError, load_mnist, mnist_digit


@pytest.fixture
def tiny_mnist(tmp_path, write_idx_mnist):
    """20 train and 10 test digits from the bundled sample, written as torchvision's MNIST."""
    with np.load(BUNDLED_PATH) as sample:
        images, labels = sample["images"], sample["labels"]
    train, test = slice(0, 1000, 50), slice(25, 1000, 100)  # 2 per class, then 1 per class
    write_idx_mnist(tmp_path, images[train], labels[train], train=True)
    write_idx_mnist(tmp_path, images[test], labels[test], train=False)
    return tmp_path, (images[train], labels[train]), (images[test], labels[test])


@pytest.mark.parametrize("train", [True, False])
def test_load_mnist_reads_idx_files(tiny_mnist, train):
    root, train_split, test_split = tiny_mnist
    expected_images, expected_labels = train_split if train else test_split
    images, labels = load_mnist(root, train=train)
    assert images.dtype == np.float32 and labels.dtype == np.int64
    assert images.shape == (len(expected_labels), 28, 28)
    np.testing.assert_array_equal(images, expected_images.astype(np.float32) / 255)
    np.testing.assert_array_equal(labels, expected_labels)


def test_mnist_digit(tiny_mnist):
    root, (train_images, _), (test_images, test_labels) = tiny_mnist
    image, label = mnist_digit(root, digit=3)
    assert label == 3
    np.testing.assert_array_equal(image, train_images[6] / np.float32(255))  # 2 per class: 0,0,1,1,2,2,3
    image, label = mnist_digit(root, index=4, train=False)
    assert label == test_labels[4] == 4
    np.testing.assert_array_equal(image, test_images[4] / np.float32(255))


@pytest.mark.parametrize(
    "choice, message",
    [({"index": 20}, "0 to 19"), ({"digit": 10}, "0 to 9"), ({"digit": 3, "index": 1}, "either"), ({}, "either")],
)
def test_mnist_digit_bad_choice(tiny_mnist, choice, message):
    with pytest.raises(DataError, match=message):
        mnist_digit(tiny_mnist[0], **choice)


def test_load_mnist_missing_says_download(tmp_path):
    with pytest.raises(DataError, match="--download") as error:
        load_mnist(tmp_path)
    assert str(tmp_path) in str(error.value)


def test_load_mnist_needs_both_splits(tmp_path, write_idx_mnist):
    """torchvision checks that all four files exist, even to read only the training split."""
    with np.load(BUNDLED_PATH) as sample:
        write_idx_mnist(tmp_path, sample["images"][:5], sample["labels"][:5], train=True)
    with pytest.raises(DataError, match="--download"):
        load_mnist(tmp_path, train=True)


def test_load_mnist_damaged_file(tiny_mnist):
    root = tiny_mnist[0]
    (root / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(bytes(16))  # magic number 0
    with pytest.raises(DataError, match="damaged"):
        load_mnist(root)


def test_load_mnist_failed_download(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    def no_network(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(MNIST, "download", no_network)
    with pytest.raises(DataError, match="could not download"):
        load_mnist(tmp_path, download=True)
