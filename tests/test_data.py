"""Tests for engine/data.py: the bundled sample, MNIST-style preprocessing, image files, full MNIST."""

import numpy as np
import pytest
from PIL import Image

from filterlab.engine.data import (
    BUNDLED_PATH,
    DataError,
    bundled_digit,
    bundled_index,
    load_bundled,
    load_image_file,
    load_mnist,
    mnist_digit,
    to_mnist_style,
)
from mnist_files import write_idx_mnist


# ---------------------------------------------------------------- helpers


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def ink_box(image):
    """(height, width) of the bounding box of the ink (pixels above 5% of the brightest)."""
    rows, cols = np.nonzero(image > 0.05 * image.max())
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def correlation(a, b):
    return np.corrcoef(a.ravel(), b.ravel())[0, 1]


def assert_mnist_style(image):
    """28x28 float32 in [0, 1], bright ink centred by mass, dark corners."""
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == pytest.approx(1, abs=0.01)
    corners = np.concatenate([image[:4, :4], image[:4, -4:], image[-4:, :4], image[-4:, -4:]])
    assert corners.max() < 0.05
    assert image[8:20, 8:20].mean() > 0.1
    assert centre_of_mass(image) == pytest.approx((14, 14), abs=1)


def ring(height, width):
    """A thick off-centre ring, like a hand-drawn zero: 1 = ink, 0 = paper."""
    rows, cols = np.indices((height, width))
    radius = 0.25 * min(height, width)
    distance = np.hypot(rows - 0.4 * height, cols - 0.6 * width)
    return (np.abs(distance - radius) < 0.1 * min(height, width)).astype(np.float64)


# ---------------------------------------------------------------- bundled sample


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


# ---------------------------------------------------------------- to_mnist_style


@pytest.mark.parametrize(
    "blob, expected_box",
    [
        ((slice(70, 80), slice(5, 15)), (20, 20)),  # small square: scaled up to fill the 20 px box
        ((slice(10, 50), slice(40, 50)), (20, 5)),  # tall bar: aspect ratio kept
    ],
)
def test_to_mnist_style_scales_and_centres(blob, expected_box):
    gray = np.zeros((100, 60))
    gray[blob] = 3.0  # any positive range
    out = to_mnist_style(gray)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == pytest.approx(1)
    height, width = ink_box(out)
    assert expected_box[0] - 1 <= height <= expected_box[0]
    assert expected_box[1] - 1 <= width <= expected_box[1] + 1
    assert centre_of_mass(out) == pytest.approx((14, 14), abs=1)


def test_to_mnist_style_blank_stays_blank():
    out = to_mnist_style(np.zeros((40, 30)))
    assert out.shape == (28, 28) and out.dtype == np.float32 and not out.any()


def test_to_mnist_style_rejects_non_2d():
    with pytest.raises(DataError, match="2-D"):
        to_mnist_style(np.zeros((28, 28, 3)))


def test_bundled_digits_round_trip():
    images, _ = load_bundled()
    correlations = np.array([correlation(to_mnist_style(image), image) for image in images])
    assert np.median(correlations) > 0.99
    # A few MNIST digits touch the frame edge, so they cannot sit exactly where the centring puts them.
    assert np.mean(correlations > 0.9) > 0.99


# ---------------------------------------------------------------- load_image_file


def dark_on_light_rgb():
    return Image.fromarray(np.uint8(255 - 255 * ring(200, 300))).convert("RGB")


def light_on_dark_gray_odd_size():
    return Image.fromarray(np.uint8(255 * ring(33, 57)))


def palette():
    return dark_on_light_rgb().convert("P")


def sixteen_bit():
    """Light paper near 65535: read as 8-bit it would clip to plain white."""
    image = Image.fromarray(np.uint16(60000 - 55000 * ring(120, 90)))
    assert image.mode == "I;16"
    return image


def transparent(ink_rgb):
    """Ink of the given colour on a fully transparent background whose RGB is black, as drawing apps save it."""
    mask = ring(80, 100)
    rgba = np.zeros((80, 100, 4), dtype=np.uint8)
    rgba[..., :3] = np.uint8(ink_rgb) * mask[..., None].astype(np.uint8)
    rgba[..., 3] = np.uint8(255 * mask)
    return Image.fromarray(rgba)


@pytest.mark.parametrize(
    "make_image",
    [
        dark_on_light_rgb,
        light_on_dark_gray_odd_size,
        palette,
        sixteen_bit,
        lambda: transparent((0, 0, 0)),
        lambda: transparent((255, 255, 255)),
    ],
    ids=["rgb-dark-ink", "gray-light-ink-57x33", "palette", "16-bit", "rgba-dark-ink", "rgba-light-ink"],
)
def test_load_image_file_modes(tmp_path, make_image):
    path = tmp_path / "digit.png"
    make_image().save(path)
    assert_mnist_style(load_image_file(path))


def test_load_image_file_jpeg(tmp_path):
    path = tmp_path / "digit.jpg"
    dark_on_light_rgb().save(path, quality=85)
    assert_mnist_style(load_image_file(path))


def enlarged_on_paper(digit):
    """A bundled digit blown up 5x (140x140) as dark ink on white paper."""
    image, _ = bundled_digit(digit)
    paper = Image.fromarray(np.uint8(np.round(255 * (1 - image))))
    return image, paper.resize((140, 140), Image.Resampling.NEAREST)


@pytest.mark.parametrize("digit", range(10))
def test_load_image_file_recovers_bundled_digit(tmp_path, digit):
    original, paper = enlarged_on_paper(digit)
    path = tmp_path / "digit.png"
    paper.save(path)
    assert correlation(load_image_file(path), original) > 0.85


def test_load_image_file_jpeg_recovers_bundled_digit(tmp_path):
    original, paper = enlarged_on_paper(3)
    path = tmp_path / "digit.jpg"
    paper.save(path, quality=90)
    assert correlation(load_image_file(path), original) > 0.85


def test_load_image_file_follows_exif_rotation(tmp_path):
    """Phones store photos unrotated, with an EXIF tag saying how to turn them."""
    paper = np.full((60, 200), 255, dtype=np.uint8)
    paper[25:35, 20:180] = 0  # a wide bar as stored ...
    exif = Image.Exif()
    exif[0x0112] = 6  # ... shown turned by 90 degrees: a tall bar
    path = tmp_path / "photo.jpg"
    Image.fromarray(paper).save(path, exif=exif)
    height, width = ink_box(load_image_file(path))
    assert height == 20 and width <= 3


def test_load_image_file_blank_is_zeros(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("RGB", (50, 40), "white").save(path)
    out = load_image_file(path)
    assert out.shape == (28, 28) and not out.any()


def bad_file(tmp_path, kind):
    """A path that load_image_file must refuse."""
    if kind == "missing":
        return tmp_path / "missing.png"
    if kind == "directory":
        return tmp_path
    path = tmp_path / "x.png"
    if kind == "text":
        path.write_text("hello, I am not an image")
    else:  # the first 100 bytes of a real PNG: a valid header, then the data stops
        enlarged_on_paper(3)[1].save(path)
        path.write_bytes(path.read_bytes()[:100])
    return path


@pytest.mark.parametrize(
    "kind, message",
    [
        ("missing", "no such file"),
        ("directory", "folder"),
        ("text", "not an image Pillow can read"),
        ("truncated", "damaged or truncated"),
    ],
)
def test_load_image_file_errors(tmp_path, kind, message):
    path = bad_file(tmp_path, kind)
    with pytest.raises(DataError, match=message) as error:
        load_image_file(path)
    assert str(path) in str(error.value)


# ---------------------------------------------------------------- full MNIST through torchvision


@pytest.fixture
def tiny_mnist(tmp_path):
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


def test_load_mnist_needs_both_splits(tmp_path):
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
