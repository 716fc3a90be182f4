"""Any picture file a user brings, turned into a digit the way MNIST itself was made:
crop to the ink, fit it in a 20x20 box, and centre it by its centre of mass in a 28x28 frame.

A picture file is hostile until decoded. Only a regular file of at most MAX_FILE_BYTES is
opened (engine/core/user_files.py); Pillow may try only the raster formats in FORMATS, all
decoded in-process (never EPS, which would run Ghostscript on the file, or any other
plugin); a PNG's chunk lengths are checked against the file before Pillow reads one, and
the size in the header against MAX_PIXELS before a pixel is decoded. Pillow's warnings
about odd but readable files are not shown.

Every mode is read at its real bit depth and range (1-bit to 16-bit, 12-bit data in a
16-bit file, 32-bit integers, floats), transparency is laid on the paper, and the picture
is stretched to its own darkest and lightest before its polarity is judged: a dim grey
page reads as paper. A blank page, or one that is nearly all ink, is refused with why.
"""
import io
import re
import struct
import warnings
from typing import Optional

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from filterlab.engine.core.user_files import InputError, open_input, shown
from filterlab.engine.data.errors import DataError

FRAME = 28  # MNIST images are 28x28 ...
BOX = 20  # ... with the digit scaled to fit a 20x20 box inside
INK_THRESHOLD = 0.05  # fraction of the brightest pixel that still counts as ink
MIN_CONTRAST = 0.03  # of the full range, between the darkest and lightest pixel: less is a blank page
MAX_INK = 0.75  # of the picture covered by ink (over half-bright, once the paper is dark): more is no digit on paper
DEPTHS = (8, 10, 12, 14, 16)  # bits a 16-bit file's data may really hold
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
FORMAT_NAMES = "a PNG, JPEG, BMP, GIF, TIFF or WebP image"
MAX_FILE_BYTES = 64 * 2**20
MAX_PIXELS = 24_000_000  # a 24-megapixel photo (6000x4000) decodes in well under 1 GB; a digit needs far less
TOO_LARGE = f"Filter Lab reads at most {MAX_PIXELS / 1e6:.0f} megapixels (a digit needs far fewer)"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_CHUNKS = 100_000  # chunk headers checked before decoding; a real PNG has a few dozen
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, at open, at the same limit (only this module opens images)
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
    """Any Pillow image -> 2-D float64 in [0, 1], 0 = black, stretched to the image's own darkest and lightest.

    Read at its real bit depth and range (1-bit, 8-bit, 16-bit holding 12-bit data, 32-bit
    integers, floats of any range); transparency, however the file stores it (an alpha
    channel, a transparent palette entry, a tRNS colour), laid on paper that contrasts with
    the ink. DataError for an image with no contrast (blank) or values that are not numbers.
    """
    values, full_scale = _values(image)
    alpha = _alpha(image)
    seen = values if alpha is None else values[alpha > 0]
    if not seen.size:
        raise DataError("the image is entirely transparent: there is no digit in it")
    if not np.isfinite(seen).all():
        raise DataError("the image holds values that are not numbers (NaN or infinite)")
    low, high = (0.0, float(full_scale)) if full_scale else (float(seen.min()), float(seen.max()))
    gray = np.subtract(values, low, out=values)
    gray /= (high - low) or 1.0
    np.clip(gray, 0, 1, out=gray)  # a transparent pixel's colour may lie outside what is seen
    if alpha is not None:
        light_ink = np.average(gray, weights=alpha) > 0.5
        gray *= alpha  # gray * alpha + paper * (1 - alpha), in place
        if not light_ink:
            gray += 1 - alpha
    darkest, lightest = float(gray.min()), float(gray.max())
    if lightest - darkest < MIN_CONTRAST:
        raise DataError(f"the image is blank: its darkest and lightest pixels differ by "
                        f"{(lightest - darkest):.1%} of the full range, and a digit needs at least {MIN_CONTRAST:.0%}")
    gray -= darkest
    gray /= lightest - darkest
    return gray


def _values(image: Image.Image) -> tuple[np.ndarray, Optional[float]]:
    """(the luminance as float64, the full scale of its bit depth, or None where only the values' own range says it).

    16-bit data often holds fewer bits (a 12-bit sensor): the full scale is the smallest
    common depth (8, 10, 12, 14 or 16 bits) that holds the brightest value. 32-bit integers
    and floats have no scale to go by: their own range is used.
    """
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.float64), 1.0
    if mode in ("I", "F"):
        return np.asarray(image).astype(np.float64), None
    if mode.startswith("I;16"):
        values = np.asarray(image).astype(np.float64)
        peak = values.max(initial=0)
        return values, next((2.0**bits - 1 for bits in DEPTHS if peak <= 2**bits - 1), 65535.0)
    if mode.startswith(("I;", "F;")):
        return np.asarray(image.convert("F" if mode.startswith("F") else "I")).astype(np.float64), None
    if mode == "LAB":  # its L is the lightness already (Pillow converts LAB to nothing else)
        return np.asarray(image.getchannel("L"), dtype=np.float64), 255.0
    return np.asarray(image.convert("L"), dtype=np.float64), 255.0


def _alpha(image: Image.Image) -> Optional[np.ndarray]:
    """Opacity in [0, 1] of each pixel, or None for an opaque image."""
    if not image.has_transparency_data:
        return None
    if "A" in image.getbands() or image.mode in ("P", "PA"):  # an alpha channel, or a palette's alpha
        return np.asarray((image if "A" in image.getbands() else image.convert("RGBA")).getchannel("A"),
                          dtype=np.float64) / 255
    key = image.info.get("transparency")  # one colour marked transparent (PNG's tRNS, GIF's)
    if isinstance(key, (int, float)) and image.mode in ("1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N"):
        return (np.asarray(image) != key).astype(np.float64)
    if isinstance(key, tuple) and image.mode == "RGB" and len(key) == 3:
        return (np.asarray(image) != np.asarray(key, dtype=np.uint8)).any(axis=2).astype(np.float64)
    return None  # a transparency Pillow keeps but no file of these formats can mean


def load_image_file(path) -> np.ndarray:
    """A PNG, JPEG, BMP, GIF, TIFF or WebP file (any size up to MAX_PIXELS, any mode) -> MNIST-style float32 (28, 28).

    Dark ink on light paper is inverted, so the ink is always bright as in MNIST. DataError names the
    file and what is wrong: not an image, damaged, too large, blank (no contrast) or nearly all ink.
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
    if np.median(border) > 0.5:  # mostly light (within the image's own range): dark ink on paper
        np.subtract(1, gray, out=gray)
    ink = float(np.mean(gray > 0.5))
    if ink > MAX_INK:
        raise DataError(f"{name}: the image is {ink:.0%} ink: a digit is a stroke on plain paper, "
                        f"and this looks like a filled or overexposed picture")
    return to_mnist_style(gray)


def _check_png_chunks(handle, name: str) -> None:
    """A PNG's chunks each within the file, checked from their headers before Pillow reads one.

    A chunk's length is 4 bytes: one may claim 4 GB in a file of a few hundred, and a reader
    that trusts it asks for all of it. Only the lengths are read here (up to MAX_PNG_CHUNKS).
    """
    if handle.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE:
        size = handle.seek(0, 2)
        at = len(PNG_SIGNATURE)
        for _ in range(MAX_PNG_CHUNKS):
            handle.seek(at)
            header = handle.read(8)
            if len(header) < 8:
                break
            length, kind = struct.unpack(">I4s", header)
            left = size - at - 12  # after this chunk's length, type and CRC
            if length > left:
                raise DataError(f"{name}: the image data is damaged or truncated (a chunk claims {length:,} bytes, "
                                f"the file holds {max(left, 0):,} more)")
            at += 12 + length
            if kind == b"IEND":
                break
    handle.seek(0)


def _decode(handle, name: str) -> np.ndarray:
    """The image in `handle` as grayscale floats, if it is one of FORMATS and at most MAX_PIXELS."""
    _check_png_chunks(handle, name)
    try:
        with Image.open(handle, formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DataError(f"{name}: the image is {width:,} x {height:,} pixels; {TOO_LARGE}")
            return _grayscale(ImageOps.exif_transpose(image))  # phone photos store their rotation in EXIF
    except DataError as error:
        raise DataError(str(error) if str(error).startswith(name) else f"{name}: {error}") from None
    except UnidentifiedImageError:
        raise DataError(f"{name}: not {FORMAT_NAMES}") from None
    except Image.DecompressionBombError as error:  # Pillow's own check at open (twice MAX_IMAGE_PIXELS)
        claimed = re.search(r"\((\d+) pixels\)", str(error))
        size = f"{int(claimed.group(1)) / 1e6:,.0f} megapixels" if claimed else \
            f"more than {MAX_PIXELS * 2 / 1e6:,.0f} megapixels"
        raise DataError(f"{name}: the image is {size}; {TOO_LARGE}") from None
    except DAMAGED:  # how Pillow reports broken image data
        raise DataError(f"{name}: the image data is damaged or truncated") from None
