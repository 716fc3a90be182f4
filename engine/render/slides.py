"""Exports for a slide: the filters at one step, as a picture or as one frame of an animation.

A `Slide` shows the training digit, the step, every filter with its cosine to the digit
under it, and a colorbar in weight units, `width` pixels wide (1,200 by default; the
figure is 12 inches at width/12 dpi, so a wider export is the same picture, sharper).
matplotlib lays it out once; an animation (engine/render/animation.py) then only changes
the data, the texts and the limits of each frame, so every frame has the same layout and size.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PIL import Image

from filterlab.engine.core.colours import symmetric_limit
from filterlab.engine.core.metrics import signed
from filterlab.engine.render.style import (
    MAX_COLUMNS,
    MUTED,
    TITLE_PT,
    WIDTH_IN,
    filter_grid,
    grid_shape,
    new_figure,
    pixels,
    show_digit,
    show_filters,
    styled,
    weight_colorbar,
)

EXPORT_WIDTH = 1200                       # px: a slide's width
MIN_COLUMNS = 5
DIGIT_SHARE = 1.2                         # the digit's column, in tiles
LEGEND = ("cos: cosine similarity to the digit (+1 the digit, -1 its negative);  "
          "blue = negative weight, red = positive, white = 0")


class Slide:
    """The filters of one step, laid out for a slide; `show` moves it to another step."""

    @styled
    def __init__(self, count: int, kernel: int, width: int = EXPORT_WIDTH):
        if count < 1 or kernel < 1 or width < 100:
            raise ValueError(f"cannot lay out {count} filters of {kernel}x{kernel} at {width} px")
        rows, cols = grid_shape(count, MAX_COLUMNS)
        cols = max(cols, MIN_COLUMNS)
        tile = (WIDTH_IN * cols / (cols + DIGIT_SHARE) - 1.3) / cols
        self.figure = new_figure(0.9 + rows * (tile + 0.3) + 0.3, dpi=width / WIDTH_IN)
        halves = self.figure.subfigures(1, 2, width_ratios=(DIGIT_SHARE, cols), wspace=0.0)
        assert isinstance(halves, np.ndarray)  # two subfigures come as an array
        left, right = halves
        self.digit_axes, below = left.subplots(2, 1, height_ratios=(1, max(rows - 1, 0.01)))
        below.set_visible(False)  # the digit sits beside the first row of filters
        self.digit = show_digit(self.digit_axes, np.zeros((28, 28)), "training digit")
        self.axes = filter_grid(right, count, min_columns=cols)
        self.images = show_filters(self.axes, np.zeros((count, kernel, kernel)), [1.0] * count, [""] * count)
        self.colorbar = weight_colorbar(right, self.images[0], self.axes)
        self.step = self.figure.suptitle("", x=0.01, ha="left", fontsize=TITLE_PT * 1.4, weight="bold")
        self.figure.supxlabel(LEGEND, x=0.01, ha="left", fontsize=10, color=MUTED)

    def show(self, step: int, filters, cosines, image, label: int, limit: Optional[float] = None) -> None:
        """The filters at `step`, zero-centred at `limit` (default: their own largest |weight|)."""
        filters = np.asarray(filters, dtype=np.float64)
        if filters.shape[0] != len(self.images) or len(cosines) != len(self.images):
            raise ValueError(f"the slide shows {len(self.images)} filters, got {filters.shape[0]}")
        lim = symmetric_limit(filters) if limit is None else limit
        for picture, ax, f, c in zip(self.images, self.axes, filters, cosines):
            picture.set_data(f)
            picture.set_clim(-lim, lim)
            ax.set_xlabel(f"cos {signed(c)}")
        self.digit.set_data(np.clip(np.nan_to_num(np.asarray(image, dtype=np.float64)), 0.0, 1.0))
        self.digit_axes.set_title(f"training digit: {label}", loc="left")
        self.step.set_text(f"step {int(step):,}")

    def picture(self) -> Image.Image:
        return Image.fromarray(pixels(self.figure))


def slide_figure(step: int, filters, cosines, image, label: int, width: int = EXPORT_WIDTH):
    """The matplotlib Figure of one step (save it as PNG, PDF or SVG with engine/core/files.save_figure)."""
    filters = np.asarray(filters)
    slide = Slide(filters.shape[0], filters.shape[-1], width)
    slide.show(step, filters, cosines, image, label)
    return slide.figure
