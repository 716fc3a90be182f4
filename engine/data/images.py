"""Any picture file a user brings, turned into a digit the way MNIST itself was made:
crop to the ink, fit it in a 20x20 box, and centre it by its centre of mass in a 28x28 frame.
"""
import pathlib

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from filterlab.engine.data.bundled import to_unit_float
from filterlab.engine.data.errors import DataError

FRAME = 28  # MNIST images are 28x28 ...
BOX = 20  # ... with the digit scaled to fit a 20x20 box inside
INK_THRESHOLD = 0.05  # fraction of the brightest pixel that still counts as ink


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
    return to_unit_float(image.convert("L"))


def _flatten_transparency(image: Image.Image) -> np.ndarray:
    """Lay a transparent image on a backdrop that contrasts with its visible pixels.

    Transparent areas must end up as background, whether the ink is dark or light.
    """
    rgba = image.convert("RGBA")
    luminance = to_unit_float(rgba.convert("L"))
    alpha = to_unit_float(rgba.getchannel("A"))
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
