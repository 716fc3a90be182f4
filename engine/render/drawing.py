"""The Pillow drawing every headless figure shares: fonts, text strips, stacking, colours."""
import functools
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MAX_COLUMNS = 8
CELL = 112            # target panel size in px; filters upscale by an integer factor
GAP = 6
MARGIN = 16
SECTION_GAP = 18
BODY_SIZE = 14
TITLE_SIZE = 18
COLORBAR_WIDTH = 200
COLORBAR_HEIGHT = 12

BACKGROUND = (255, 255, 255)
INK = (33, 33, 33)
MUTED = (90, 90, 90)
OUTLINE = (170, 170, 170)

LEGEND = "blue = negative weight, red = positive; a filter can become the digit or its negative"


@functools.lru_cache(maxsize=None)
def load_font(size: int) -> ImageFont.ImageFont:
    """Pillow's bundled font: no font files needed on a headless machine."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the fixed-size bitmap font
        return ImageFont.load_default()


def line_height(font) -> int:
    return font.getbbox("Ag|")[3] + 3


def text_strip(text: str, font, fill=INK) -> Image.Image:
    """One line of text on its own white strip, sized to fit."""
    img = Image.new("RGB", (max(1, font.getbbox(text)[2]), line_height(font)), BACKGROUND)
    ImageDraw.Draw(img).text((0, 0), text, font=font, fill=fill)
    return img


def vstack(parts: Sequence[Image.Image], gap: int, margin: int) -> Image.Image:
    """Left-aligned column of images on white, so sections never overlap."""
    width = max(p.width for p in parts) + 2 * margin
    height = sum(p.height for p in parts) + gap * (len(parts) - 1) + 2 * margin
    out = Image.new("RGB", (width, height), BACKGROUND)
    y = margin
    for p in parts:
        out.paste(p, (margin, y))
        y += p.height + gap
    return out


def upscale(rgb: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscale: every weight stays a crisp square."""
    return rgb.repeat(factor, axis=0).repeat(factor, axis=1)
