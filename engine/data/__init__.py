"""Digits for Filter Lab: where they come from and how they are made to look like MNIST.

The network only ever sees 28x28 float32 images in [0, 1] with bright ink on a dark
background, because that is what MNIST looks like and what the filters learn from.
This module is the one door every digit comes through:

* the bundled sample (1,000 MNIST digits shipped with the app, so it works offline),
* the full MNIST through torchvision (optional, needs a download once),
* any picture file the user brings, which is turned into an MNIST-style digit the way
  MNIST itself was made: crop to the ink, fit it in a 20x20 box, and centre it by its
  centre of mass in a 28x28 frame.

Anything wrong with the user's data becomes a DataError with a one-sentence message,
so the terminal and the GUI can show it as it is instead of a traceback.

Data source: MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges), CC BY-SA 3.0.
No Qt here: the engine must run headless.
"""

import functools
import pathlib

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

BUNDLED_PATH = pathlib.Path(__file__).with_name("mnist-sample-1k.npz")

FRAME = 28  # MNIST images are 28x28 ...
BOX = 20  # ... with the digit scaled to fit a 20x20 box inside
INK_THRESHOLD = 0.05  # fraction of the brightest pixel that still counts as ink


class DataError(ValueError):
    """Bad user data: the message is one clear sentence fit for a terminal or a dialog."""


def _to_unit_float(images_uint8) -> np.ndarray:
    """uint8 pixels 0..255 -> float32 in [0, 1]."""
    return np.asarray(images_uint8, dtype=np.float32) / 255


@functools.lru_cache(maxsize=1)
def load_bundled() -> tuple[np.ndarray, np.ndarray]:
    """The bundled 1,000 digits: float32 images (N, 28, 28) in [0, 1] and int64 labels (N,).

    Cached, so the arrays are shared: they are read-only to keep callers from changing them.
    """
    with np.load(BUNDLED_PATH) as sample:
        images = _to_unit_float(sample["images"])
        labels = sample["labels"].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _first_of_digit(images, labels, digit) -> tuple[np.ndarray, int]:
    """The first image whose label is `digit`, as a fresh array the caller may change."""
    matches = np.flatnonzero(labels == digit)
    if matches.size == 0:
        raise DataError(f"there is no digit {digit} in the data; digits are 0 to 9")
    return images[matches[0]].copy(), int(labels[matches[0]])


def _sample_at(images, labels, index) -> tuple[np.ndarray, int]:
    """Image number `index`, as a fresh array the caller may change."""
    if not 0 <= index < len(labels):
        raise DataError(f"sample index {index} is out of range; valid indices are 0 to {len(labels) - 1}")
    return images[index].copy(), int(labels[index])


def bundled_digit(digit: int) -> tuple[np.ndarray, int]:
    """First bundled sample of class `digit` (0-9) -> (image (28, 28), label)."""
    return _first_of_digit(*load_bundled(), digit)


def bundled_index(index: int) -> tuple[np.ndarray, int]:
    """Bundled sample number `index` -> (image (28, 28), label)."""
    return _sample_at(*load_bundled(), index)


def to_mnist_style(gray: np.ndarray) -> np.ndarray:
    """Bright ink on a dark background, any size, values >= 0 -> float32 (28, 28) in [0, 1], made as MNIST was made.

    Scale so the brightest pixel is 1, crop to the ink, resize so the longer side is 20 px,
    then place it in a 28x28 frame with its centre of mass at (14, 14).
    A blank input gives a blank frame.
    """
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2:
        raise DataError(f"a grayscale image must be 2-D, but this one has shape {gray.shape}")
    frame = np.zeros((FRAME, FRAME), dtype=np.float32)
    peak = gray.max()
    if peak <= 0:
        return frame
    gray = gray / peak

    rows, cols = np.nonzero(gray > INK_THRESHOLD)
    ink = gray[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]

    scale = BOX / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))  # Pillow wants (w, h)
    digit = np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS))
    digit = np.clip(digit, 0, 1)  # Lanczos overshoots a little around sharp edges

    # Shift so the centre of mass lands on pixel (14, 14), without pushing ink out of the frame.
    height, width = digit.shape
    weight = digit.sum()
    centre_row = (digit.sum(axis=1) @ np.arange(height)) / weight
    centre_col = (digit.sum(axis=0) @ np.arange(width)) / weight
    top = int(np.clip(round(FRAME / 2 - centre_row), 0, FRAME - height))
    left = int(np.clip(round(FRAME / 2 - centre_col), 0, FRAME - width))
    frame[top : top + height, left : left + width] = digit
    return frame


def _grayscale(image: Image.Image) -> np.ndarray:
    """Any Pillow image -> 2-D float32 in [0, 1], 0 = black, 1 = white."""
    if image.has_transparency_data:
        return _flatten_transparency(image)
    if image.mode.startswith("I"):  # 16-bit grayscale (I;16 and friends); "L" would clip it at 255
        return np.asarray(image, dtype=np.float32) / 65535
    return _to_unit_float(image.convert("L"))


def _flatten_transparency(image: Image.Image) -> np.ndarray:
    """Lay a transparent image on a backdrop that contrasts with its visible pixels.

    Transparent areas must end up as background, whether the ink is dark or light.
    """
    rgba = image.convert("RGBA")
    luminance = _to_unit_float(rgba.convert("L"))
    alpha = _to_unit_float(rgba.getchannel("A"))
    light_ink = alpha.any() and np.average(luminance, weights=alpha) > 0.5
    backdrop = 0.0 if light_ink else 1.0
    return luminance * alpha + backdrop * (1 - alpha)


def load_image_file(path) -> np.ndarray:
    """Any image file Pillow can read (PNG, JPEG, ...; any size and mode) -> MNIST-style float32 (28, 28) in [0, 1].

    Dark ink on light paper is inverted, so the ink is always bright as in MNIST.
    An image with no ink gives a blank frame.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise DataError(f"no such file: {path}")
    if path.is_dir():
        raise DataError(f"this is a folder, not an image file: {path}")
    try:
        with Image.open(path) as image:
            gray = _grayscale(ImageOps.exif_transpose(image))  # phone photos store their rotation in EXIF
    except UnidentifiedImageError as error:
        raise DataError(f"not an image Pillow can read: {path}") from error
    except Image.DecompressionBombError as error:
        raise DataError(f"the image is too large to load safely: {path}") from error
    except (OSError, ValueError) as error:  # how Pillow reports broken image data
        raise DataError(f"the image data is damaged or truncated: {path}") from error

    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # mostly light: dark ink on paper
        gray = 1 - gray
    return to_mnist_style(gray)


def load_mnist(root, train: bool = True, download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The full MNIST from `root` via torchvision: float32 images (N, 28, 28) in [0, 1] and int64 labels (N,).

    torchvision looks for root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte
    (all four files, uncompressed) and fetches them there when download is True.
    """
    from torchvision.datasets import MNIST  # heavy import, paid only by those who ask for full MNIST

    try:
        dataset = MNIST(root, train=train, download=download)
    except (RuntimeError, OSError) as error:  # torchvision's "Dataset not found", or a failed download
        if download:
            raise DataError(f"could not download MNIST into {root}; check the network connection") from error
        raise DataError(f"no MNIST found under {root}; pass --download to fetch it") from error
    except (AssertionError, TypeError, ValueError) as error:  # torchvision's checks on the file contents
        raise DataError(f"the MNIST files under {root} are damaged; delete them and download again") from error
    return _to_unit_float(dataset.data.numpy()), dataset.targets.numpy().astype(np.int64)


def mnist_digit(root, digit=None, index=None, train=True, download=False) -> tuple[np.ndarray, int]:
    """One digit from the full MNIST: the first of class `digit`, or sample number `index`."""
    if (digit is None) == (index is None):
        raise DataError("give either a digit or a sample index, exactly one of the two")
    images, labels = load_mnist(root, train=train, download=download)
    if digit is not None:
        return _first_of_digit(images, labels, digit)
    return _sample_at(images, labels, index)
