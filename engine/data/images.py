"""Any picture file a user brings, turned into a digit the way MNIST itself was made:
crop to the ink, fit it in a 20x20 box, and centre it by its centre of mass in a 28x28 frame.

A picture file is hostile until decoded. Only a regular file of at most MAX_FILE_BYTES is
opened (engine/core/inputs.py); Pillow may try only the raster formats in FORMATS, all
decoded in-process (never EPS, which would run Ghostscript on the file, or any other
plugin); and the size in the header is checked against MAX_PIXELS before a pixel is
decoded. Pillow's warnings about odd but readable files are not shown.
"""
import io
import struct
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from filterlab.engine.core.inputs import InputError, open_input, shown
from filterlab.engine.data.bundled import to_unit_float
from filterlab.engine.data.errors import DataError

FRAME = 28  # MNIST images are 28x28 ...
BOX = 20  # ... with the digit scaled to fit a 20x20 box inside
INK_THRESHOLD = 0.05  # fraction of the brightest pixel that still counts as ink
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
FORMAT_NAMES = "a PNG, JPEG, BMP, GIF, TIFF or WebP image"
MAX_FILE_BYTES = 64 * 2**20
MAX_PIXELS = 24_000_000  # a 24-megapixel photo (6000x4000) decodes in well under 1 GB; a digit needs far less
TOO_LARGE = f"Filter Lab reads at most {MAX_PIXELS / 1e6:.0f} megapixels (a digit needs far fewer)"
# How Pillow's decoders report damaged data (a broken PNG chunk is a SyntaxError, a short read an OSError, ...)
DAMAGED = (OSError, ValueError, SyntaxError, EOFError, struct.error)


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

    ink_mask = gray > INK_THRESHOLD
    rows, cols = np.flatnonzero(ink_mask.any(axis=1)), np.flatnonzero(ink_mask.any(axis=0))  # the ink's box
    ink = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

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
    alpha = to_unit_float(rgba.getchannel("A"))
    luminance = to_unit_float(rgba.convert("L"))
    del rgba  # a large photo: keep at most two float copies of it alive
    light_ink = alpha.any() and np.average(luminance, weights=alpha) > 0.5
    backdrop = 0.0 if light_ink else 1.0
    luminance *= alpha  # luminance * alpha + backdrop * (1 - alpha), in place
    alpha = np.subtract(1, alpha, out=alpha)
    alpha *= backdrop
    luminance += alpha
    return luminance


def load_image_file(path) -> np.ndarray:
    """A PNG, JPEG, BMP, GIF, TIFF or WebP file (any size up to MAX_PIXELS, any mode) -> MNIST-style float32 (28, 28).

    Dark ink on light paper is inverted, so the ink is always bright as in MNIST.
    An image with no ink gives a blank frame. DataError names the file and what is wrong.
    """
    try:
        handle = open_input(path, MAX_FILE_BYTES, "an image")
    except InputError as error:
        raise DataError(f"{shown(path)}: {error}") from None
    with handle:
        return _digit(handle, shown(path))


def load_image_bytes(data: bytes, name: str = "the pasted image") -> np.ndarray:
    """As load_image_file, for an image file's bytes held in memory (a picture pasted from the clipboard):
    the same formats, limits and checks."""
    if len(data) > MAX_FILE_BYTES:
        raise DataError(f"{name}: {len(data):,} bytes; Filter Lab reads images of at most {MAX_FILE_BYTES:,} bytes")
    return _digit(io.BytesIO(data), name)


def _digit(handle, name: str) -> np.ndarray:
    """The image in `handle`, decoded with the checks of _decode, made MNIST-style with its ink bright."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possibly corrupt EXIF data", a bomb warning (MAX_PIXELS is lower), ...
        gray = _decode(handle, name)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # mostly light: dark ink on paper
        np.subtract(1, gray, out=gray)
    return to_mnist_style(gray)


def _decode(handle, name: str) -> np.ndarray:
    """The image in `handle` as grayscale floats, if it is one of FORMATS and at most MAX_PIXELS."""
    try:
        with Image.open(handle, formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DataError(f"{name}: the image is {width:,} x {height:,} pixels; {TOO_LARGE}")
            return _grayscale(ImageOps.exif_transpose(image))  # phone photos store their rotation in EXIF
    except DataError:
        raise
    except UnidentifiedImageError:
        raise DataError(f"{name}: not {FORMAT_NAMES}") from None
    except Image.DecompressionBombError:  # Pillow's own limit, far above MAX_PIXELS: the header claims even more
        raise DataError(f"{name}: the image has more than {Image.MAX_IMAGE_PIXELS * 2:,} pixels; {TOO_LARGE}") from None
    except DAMAGED:  # how Pillow reports broken image data
        raise DataError(f"{name}: the image data is damaged or truncated") from None
