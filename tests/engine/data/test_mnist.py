"""The full MNIST, read from IDX files written here (no download); every damaged file named, with its fault."""
import os

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


def test_load_mnist_needs_only_the_split_it_reads_and_names_a_missing_file(tmp_path, write_idx_mnist):
    with np.load(BUNDLED_PATH) as sample:
        write_idx_mnist(tmp_path, sample["images"][:5], sample["labels"][:5], train=True)
    assert load_mnist(tmp_path, train=True)[0].shape == (5, 28, 28)
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte is not in .*; pass --download"):
        load_mnist(tmp_path, train=False)
    (tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="train-labels-idx1-ubyte is not in"):
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


RAW = ("MNIST", "raw")
IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"


def rewrite(root, name, change):
    path = root.joinpath(*RAW, name)
    path.write_bytes(change(path.read_bytes()))


def with_byte(at, value):
    return lambda data: data[:at] + bytes([value]) + data[at + 1:]


def images_of_size(size):
    def change(data):
        count = int.from_bytes(data[4:8], "big")
        header = bytes([0, 0, 8, 3]) + np.array([count, size, size], ">u4").tobytes()
        return header + bytes(count * size * size)
    return change


FAULTS = {
    "wrong type byte": (IMAGES, with_byte(2, 0x0D), "its type byte is 0x0d; MNIST's files hold unsigned bytes (0x08)"),
    "labels longer than the images": (LABELS, lambda d: d[:4] + (40).to_bytes(4, "big") + d[8:] + bytes(20),
                                      "it holds 40 labels for the 20 images of train-images-idx3-ubyte"),
    "images not 28x28": (IMAGES, images_of_size(27), "its images are 27 x 27; MNIST's are 28 x 28"),
    "truncated images": (IMAGES, lambda d: d[:5000], "it is cut short: its header promises 20 images (15,696 bytes), "
                                                     "the file has 5,000 bytes"),
    "a header cut short": (LABELS, lambda d: d[:6], "it is cut short: 6 bytes, less than an IDX header"),
    "bytes after the data": (LABELS, lambda d: d + b"extra", "it is 5 bytes longer than its header promises"),
    "not an IDX file": (IMAGES, lambda d: b"PK" + d[2:], "it does not start as an IDX file does"),
    "wrong number of dimensions": (LABELS, with_byte(3, 2), "it has 2 dimensions; MNIST's labels have 1"),
    "a label that is not a digit": (LABELS, lambda d: d[:10] + bytes([200]) + d[11:],
                                    "label #2 is 200, not a digit 0-9"),
    "a header claiming a billion images": (IMAGES, lambda d: d[:4] + (10**9).to_bytes(4, "big") + d[8:],
                                           "it claims 1,000,000,000 images; Filter Lab reads at most 100,000"),
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_each_fault_of_an_mnist_file_is_named_with_the_file(tiny_mnist, fault):
    root = tiny_mnist[0]
    name, change, words = FAULTS[fault]
    rewrite(root, name, change)
    with pytest.raises(DataError) as refused:
        load_mnist(root)
    message = str(refused.value)
    assert words in message, message
    assert str(root.joinpath(*RAW, name)) in message and "\n" not in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_a_file_is_refused_at_once(tiny_mnist):
    root = tiny_mnist[0]
    root.joinpath(*RAW, IMAGES).unlink()
    os.mkfifo(root.joinpath(*RAW, IMAGES))
    with pytest.raises(DataError, match="not a regular file"):
        load_mnist(root)


def test_a_damaged_mnist_file_on_the_command_line_is_one_line_and_exit_2(tiny_mnist, run_main, tmp_path):
    root = tiny_mnist[0]
    rewrite(root, LABELS, lambda d: d[:4] + (40).to_bytes(4, "big") + d[8:] + bytes(20))
    for mode in (["--index", "25"], ["--classes", "3,7", "--epochs", "1"]):
        code, _, err = run_main(["--headless", "--mnist-root", root, *mode, "--out", tmp_path / "o"])
        assert code == 2 and err.count("\n") == 1 and "40 labels for the 20 images" in err, err
    assert not (tmp_path / "o").exists()
