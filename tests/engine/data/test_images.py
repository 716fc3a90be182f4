"""Digits made MNIST-style: scaled into 20x20, centred by mass; any image file a user brings, and none that attacks."""
import io
import os
import resource
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from filterlab.engine.data import DataError, bundled_digit, load_bundled, load_image_file, to_mnist_style
from filterlab.engine.data.images import MAX_PIXELS


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


@pytest.mark.parametrize("make, words", [
    (lambda: Image.new("RGB", (50, 40), "white"), "the image is blank: its darkest and lightest pixels differ by 0.0%"),
    (lambda: Image.fromarray(np.uint8(250 - 5 * ring(40, 50))), "differ by 2.0% of the full range"),  # a faint smudge
    (lambda: Image.new("RGBA", (50, 40), (0, 0, 0, 0)), "entirely transparent"),
    (lambda: Image.fromarray(np.float32(np.full((30, 30), np.nan))), "not numbers"),
    (lambda: Image.fromarray(np.pad(np.zeros((56, 56), np.uint8), 2, constant_values=255)),
     "the image is 87% ink"),  # a black page in a thin white frame: the frame is the paper, all the rest ink
])
def test_a_blank_or_saturated_image_is_refused_with_its_reason(tmp_path, make, words):
    path = tmp_path / "page.tiff"
    make().save(path)
    assert words in refused(path)


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
        ("text", "not a PNG, JPEG, BMP, GIF, TIFF or WebP image"),
        ("truncated", "damaged or truncated"),
    ],
)
def test_load_image_file_errors(tmp_path, kind, message):
    path = bad_file(tmp_path, kind)
    with pytest.raises(DataError, match=message) as error:
        load_image_file(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("fmt, suffix", [("BMP", "bmp"), ("GIF", "gif"), ("TIFF", "tif"), ("WEBP", "webp")])
def test_every_allowed_raster_format_loads(tmp_path, fmt, suffix):
    original, paper = enlarged_on_paper(5)
    path = tmp_path / f"digit.{suffix}"
    paper.save(path, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    assert correlation(load_image_file(path), original) > 0.85


def refused(path) -> str:
    """load_image_file's one-line refusal, which must come at once."""
    started = time.perf_counter()
    with pytest.raises(DataError) as error:
        load_image_file(path)
    assert time.perf_counter() - started < 2
    message = str(error.value)
    assert "\n" not in message
    return message


def test_an_eps_file_never_reaches_ghostscript(tmp_path, monkeypatch):
    """Pillow knows EPS, and decodes it by running Ghostscript on the file: not on a user's file."""
    path = tmp_path / "digit.png"  # named like an image, as a hostile file would be
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
                     b"newpath 10 10 moveto 90 90 lineto stroke\nshowpage\n%%EOF\n")
    assert Image.open(path).format == "EPS"  # Pillow on its own would take it
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *args, **kwargs: started.append(args))
    assert f"{path}: not a PNG, JPEG, BMP, GIF, TIFF or WebP image" == refused(path)
    assert started == []


def png_with_short_chunk(tmp_path):
    """A PNG whose IDAT chunk claims 13 bytes: the next 'chunk' is inside the data. Pillow: SyntaxError."""
    buffer = io.BytesIO()
    Image.fromarray(np.uint8(255 * ring(40, 40))).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    at = data.find(b"IDAT")
    data[at - 4:at] = (13).to_bytes(4, "big")
    path = tmp_path / "short.png"
    path.write_bytes(bytes(data))
    with pytest.raises(SyntaxError):  # the case is real: this is what Pillow itself does with it
        Image.open(path).load()
    return path


def test_a_png_with_a_damaged_chunk_is_reported_as_damaged(tmp_path):
    path = png_with_short_chunk(tmp_path)
    assert refused(path).startswith(f"{path}: the image data is damaged or truncated")


def test_an_image_over_the_pixel_limit_is_refused_from_its_header(tmp_path):
    """12,000 x 12,000 is under Pillow's own bomb limit, and would take ~2 GB decoded."""
    path = tmp_path / "big.png"
    Image.new("1", (12_000, 12_000), 1).save(path)  # a few hundred kB on disk
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = refused(path)
    assert "the image is 144 megapixels" in message and f"at most {MAX_PIXELS / 1e6:.0f} megapixels" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # kB: nothing was decoded


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    assert "not a regular file" in refused(tmp_path / "pipe.png")


def test_a_file_too_large_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as handle:
        handle.truncate(65 * 2**20)
    assert "it is 65.0 MB; an image is at most 64.0 MB" in refused(path)


def test_a_name_too_long_is_one_line(tmp_path):
    path = tmp_path / ("x" * 300 + ".png")
    message = refused(path)
    assert "the name is too long for this system" in message and len(message) < 300


def test_pillows_warnings_about_a_readable_file_are_not_shown(tmp_path, recwarn):
    """A broken EXIF block warns in Pillow; the digit still loads, and nothing is printed."""
    original, paper = enlarged_on_paper(2)
    path = tmp_path / "photo.jpg"
    paper.save(path, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01")  # an IFD cut short
    assert correlation(load_image_file(path), original) > 0.85
    assert len(recwarn) == 0


def test_image_bytes_go_through_the_same_loader_as_a_file(tmp_path):
    """A pasted picture: the same digit as its file would give, the same checks (size, format, damage)."""
    from filterlab.engine.data import DataError, load_image_bytes, load_image_file
    from filterlab.engine.data.images import MAX_FILE_BYTES

    pixels = np.zeros((40, 30), np.uint8)
    pixels[5:35, 12:18] = 255
    path = tmp_path / "one.png"
    Image.fromarray(pixels).save(path)
    np.testing.assert_array_equal(load_image_bytes(path.read_bytes()), load_image_file(path))
    with pytest.raises(DataError, match="the pasted image: not a PNG"):
        load_image_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n")
    with pytest.raises(DataError, match="at most"):
        load_image_bytes(b"\0" * (MAX_FILE_BYTES + 1))
