"""One "4" saved in every mode and bit depth Pillow writes, with and without transparency, either polarity:
each file must load as the same digit (correlation >= 0.9 with the picture as drawn).

The picture is the bundled 4 blown up 3x (84x84), its grey edges kept: the reference is that
picture saved as a plain 8-bit grayscale PNG (itself >= 0.99 with the bundled digit). A 1-bit
file cannot hold grey edges, so mode "1" is checked on the same 4 drawn crisp, against the
crisp picture's reference: the box a digit is scaled into depends on its faint edges.
"""
from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from filterlab.engine.data import DataError, bundled_digit, load_image_file

FOUR = bundled_digit(4)[0]
SOFT = np.clip(np.asarray(Image.fromarray(FOUR).resize((84, 84), Image.Resampling.NEAREST)), 0, 1).astype(float)
CRISP = (SOFT > 0.5).astype(float)
LOSSLESS = {"WEBP": {"lossless": True}, "JPEG": {"quality": 90}}  # JPEG at 75 rings: the box grows (see README)


def correlation(a, b):
    return np.corrcoef(a.ravel(), b.ravel())[0, 1]


def shade(ink: np.ndarray, light_ink: bool, low: float, high: float) -> np.ndarray:
    """The picture with its ink at `high` (light ink) or `low`, and the paper at the other."""
    return low + (high - low) * (ink if light_ink else 1 - ink)


def opaque_cases(ink, light):
    grey = Image.fromarray(np.uint8(np.round(shade(ink, light, 0, 255))))
    yield "L", grey, ("PNG", "TIFF", "BMP", "GIF", "JPEG", "WEBP")
    yield "P", grey.convert("RGB").convert("P"), ("PNG", "TIFF", "BMP", "GIF")
    yield "RGB", grey.convert("RGB"), ("PNG", "TIFF", "BMP", "JPEG", "WEBP")
    for mode in ("CMYK", "YCbCr"):
        yield mode, grey.convert("RGB").convert(mode), ("TIFF", "JPEG")
    yield "LAB", grey.convert("RGB").convert("LAB"), ("TIFF",)
    yield "dim grey paper", Image.fromarray(np.uint8(np.round(shade(ink, light, 20, 100)))), ("PNG",)
    for bits in (16, 12, 10):  # 12- and 10-bit data in 16-bit files
        values = np.uint16(np.round(shade(ink, light, 0, 2**bits - 1)))
        yield f"I;16 {bits}-bit", Image.fromarray(values), ("PNG", "TIFF")
        yield f"I;16B {bits}-bit", Image.fromarray(values.astype(">u2")), ("TIFF",)
    for low, high in ((0, 2**31 - 256), (-2**31, 2**31 - 256), (-5000, 70000), (0, 255)):
        yield f"I {low}..{high}", Image.fromarray(np.int32(np.round(shade(ink, light, low, high)))), ("TIFF",)
    for low, high in ((0, 1), (0, 255), (-1, 1), (-3.5, 1000), (-3e38, 3e38)):
        yield f"F {low}..{high}", Image.fromarray(np.float32(shade(ink, light, low, high))), ("TIFF",)


def transparent_cases(ink, light):
    colour = 255 if light else 0
    for behind in (0, 128, 255):  # what lies under a transparent pixel is anything at all
        rgba = np.zeros(ink.shape + (4,), np.uint8)
        rgba[..., :3] = np.where(ink[..., None] > 0, colour, behind)
        rgba[..., 3] = np.uint8(np.round(255 * ink))  # anti-aliased: the edges half transparent
        image = Image.fromarray(rgba)
        yield f"RGBA behind {behind}", image, {}, ("PNG", "TIFF", "WEBP")
        yield f"LA behind {behind}", image.convert("LA"), {}, ("PNG", "TIFF")
        if behind == colour:
            continue  # a transparent colour equal to the ink would make the ink transparent
        # one colour marked transparent (tRNS, GIF), ink edges blended with the background, opaque
        flat = np.uint8(np.round(colour * ink + behind * (1 - ink)))
        palette = Image.fromarray(flat).convert("P")
        yield f"P tRNS behind {behind}", palette, {"transparency": int(np.asarray(palette)[0, 0])}, ("PNG", "GIF")
        yield f"L tRNS behind {behind}", Image.fromarray(flat), {"transparency": int(behind)}, ("PNG",)
        yield f"RGB tRNS behind {behind}", Image.fromarray(flat).convert("RGB"), {"transparency": (behind,) * 3}, \
            ("PNG",)
        deep = np.uint16(np.round(257 * (colour * ink + behind * (1 - ink))))
        deep[ink == 0] = 30000  # the 16-bit transparent colour: mid grey, which must not show
        yield f"I;16 tRNS behind {behind}", Image.fromarray(deep), {"transparency": 30000}, ("PNG",)


def files():
    """(id, bytes, which reference) for every case Pillow can write and read back."""
    for light in (False, True):
        polarity = "light ink" if light else "dark ink"
        cases = [(name, image, {}, formats, "soft") for name, image, formats in opaque_cases(SOFT, light)]
        cases += [(name, image, extra, formats, "soft") for name, image, extra, formats in transparent_cases(SOFT, light)]
        one_bit = Image.fromarray(np.uint8(255 * shade(CRISP, light, 0, 1))).convert("1")
        cases.append(("1", one_bit, {}, ("PNG", "TIFF", "BMP", "GIF"), "crisp"))
        for name, image, extra, formats, reference in cases:
            for fmt in formats:
                buffer = io.BytesIO()
                image.save(buffer, format=fmt, **extra, **LOSSLESS.get(fmt, {}))
                yield pytest.param(buffer.getvalue(), reference, id=f"{name}, {polarity}, {fmt}")


REFERENCES = {}


def reference(kind, tmp_path) -> np.ndarray:
    if kind not in REFERENCES:
        path = tmp_path / f"{kind}.png"
        Image.fromarray(np.uint8(np.round(255 * (1 - (SOFT if kind == "soft" else CRISP))))).save(path)
        REFERENCES[kind] = load_image_file(path)
    return REFERENCES[kind]


def test_the_reference_is_the_bundled_four(tmp_path):
    assert correlation(reference("soft", tmp_path), FOUR) > 0.99


@pytest.mark.parametrize("data, kind", list(files()))
def test_a_four_in_any_mode_and_depth_loads_as_the_same_digit(tmp_path, data, kind):
    path = tmp_path / "four"
    path.write_bytes(data)
    digit = load_image_file(path)
    assert digit.shape == (28, 28) and digit.dtype == np.float32 and 0 <= digit.min() and digit.max() <= 1
    assert correlation(digit, reference(kind, tmp_path)) >= 0.9


def test_every_mode_pillow_writes_is_covered():
    """A mode added to the list above must be one that round-trips; the list must not shrink unnoticed."""
    cases = list(files())
    assert len(cases) >= 130
    modes = {Image.open(io.BytesIO(case.values[0])).mode for case in cases}
    assert {"1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "I", "I;16", "I;16B", "F"} <= modes


def test_a_dim_grey_photo_as_jpeg_keeps_its_polarity(tmp_path):
    """Paper at 100 of 255, ink at 20: the paper is the lighter, though darker than half-way, so it stays paper.

    Not the same digit to 0.9: stretched 3x, the JPEG's ringing around the strokes counts as faint
    ink and widens the box the digit is scaled into (the PNG of it is in the test above)."""
    path = tmp_path / "dim.jpg"
    Image.fromarray(np.uint8(np.round(shade(SOFT, False, 20, 100)))).save(path, quality=90)
    digit = load_image_file(path)
    assert correlation(digit, reference("soft", tmp_path)) > 0.3
    assert digit[:3].max() == 0 and digit[-3:].max() == 0  # the paper is dark, as MNIST's: not trained on


def test_a_png_chunk_claiming_4_gib_is_refused_from_its_header(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.uint8(255 * SOFT)).save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.find(b"IDAT") - 4
    path = tmp_path / "huge-chunk.png"
    path.write_bytes(data[:at] + struct.pack(">I", 0xFFFFFFF0) + b"tEXt" + b"x" * 64 + data[at:])
    with pytest.raises(DataError) as error:
        load_image_file(path)
    assert "damaged or truncated (a chunk claims 4,294,967,280 bytes" in str(error.value)
