"""What every figure shares: a matplotlib Figure on the Agg canvas, the shared colours, filter grids.

Figures are drawn by matplotlib (README, "Figures and exports"): it lays out labelled
grids and colorbars, keeps text sharp at any size, and writes PNG, PDF and SVG. A
`Figure` is made directly on the Agg canvas — never through pyplot — so no window,
backend or global state is involved and a figure can be drawn on any thread (the
window renders its GIF on the training thread). matplotlib is imported only by the
render modules, which are imported only when a figure is made, so `import filterlab`
and the window's start-up do not pay for it.
"""
from __future__ import annotations

import functools
import math
import threading
from typing import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap, LinearSegmentedColormap
from matplotlib.figure import Figure

from filterlab.engine.core.colours import DIVERGING_COLORS, DIVERGING_POSITIONS, NAN_COLOR

WIDTH_IN = 12.0        # every figure is 12 inches wide; the dpi sets its pixels (100 dpi = 1,200 px)
DPI = 100
MAX_COLUMNS = 8
BODY_PT, TITLE_PT, CAPTION_PT = 11, 15, 10
INK, MUTED, OUTLINE = "#212121", "#5a5a5a", "#aaaaaa"
LEGEND = "blue = negative weight, red = positive; a filter can become the digit or its negative"
RC = {"font.size": BODY_PT, "axes.titlesize": BODY_PT, "axes.edgecolor": OUTLINE, "text.color": INK,
      "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK, "axes.titlelocation": "left",
      "figure.titlesize": TITLE_PT, "xtick.labelsize": CAPTION_PT, "ytick.labelsize": CAPTION_PT}


_BUILDING = threading.RLock()


def styled(build):
    """Decorate a function that builds a figure: its artists take the shared look (RC).

    rc_context changes matplotlib's global settings for the while, so figures are built
    one at a time (the window may build a picture while the training thread builds a GIF).
    """
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        import matplotlib

        with _BUILDING, matplotlib.rc_context(RC):
            return build(*args, **kwargs)
    return wrapper


def rgb01(color) -> tuple:
    """(r, g, b) in 0-255, as the engine's colours are written, in matplotlib's 0-1."""
    return tuple(channel / 255 for channel in color)


@functools.cache
def diverging_cmap() -> Colormap:
    """The shared blue-white-red map; 257 entries, so that 0 lands exactly on the centre colour."""
    anchors = [(p, rgb01(c)) for p, c in zip(DIVERGING_POSITIONS, DIVERGING_COLORS)]
    cmap = LinearSegmentedColormap.from_list("filterlab-diverging", anchors, N=257)
    return cmap.with_extremes(bad=rgb01(NAN_COLOR))  # a NaN weight shows as neutral grey


@functools.cache
def gif_palette():
    """A GIF's 256 colours: 200 of the diverging map and 56 greys (text, outlines, the digit).

    One fixed palette for every frame: the filters keep their colours from frame to frame
    and the colorbar shows no bands, where a palette chosen per frame would shift both.
    The last entry is white.
    """
    from PIL import Image

    colours = np.rint(diverging_cmap()(np.linspace(0.0, 1.0, 200))[:, :3] * 255)
    greys = np.repeat(np.rint(np.linspace(0.0, 255.0, 56))[:, None], 3, axis=1)
    palette = Image.new("P", (1, 1))
    palette.putpalette(np.concatenate([colours, greys]).astype(np.uint8).ravel().tolist())
    return palette


def gif_frame(rgb: np.ndarray):
    """An (H, W, 3) picture in the GIF palette, the white background kept exactly white.

    Pillow maps colours to a fixed palette through a coarse cache (a few units off,
    which no one sees in a filter), but an off-white page would show on a slide.
    """
    from PIL import Image

    indexed = np.array(Image.fromarray(rgb).quantize(palette=gif_palette(), dither=Image.Dither.NONE))
    indexed[(rgb == 255).all(axis=-1)] = 255
    frame = Image.fromarray(indexed, mode="P")
    frame.putpalette(gif_palette().getpalette())
    return frame


def new_figure(height_in: float, *, width_in: float = WIDTH_IN, dpi: float = DPI, layout="constrained") -> Figure:
    """A white figure on its own Agg canvas (no pyplot)."""
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout=layout, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def pixels(figure: Figure) -> np.ndarray:
    """The figure drawn, as an (H, W, 3) uint8 array."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg), "new_figure draws on Agg"
    canvas.draw()
    return np.array(canvas.buffer_rgba())[..., :3]


def grid_shape(count: int, columns: int = MAX_COLUMNS) -> tuple[int, int]:
    """(rows, columns) for `count` tiles in rows of at most `columns`."""
    cols = max(1, min(columns, count))
    return math.ceil(count / cols), cols


def filter_grid(host, count: int, columns: int = MAX_COLUMNS, *, min_columns: int = 1) -> list:
    """`count` tile axes in rows on `host` (a figure or subfigure): no ticks, a thin outline.

    Unused cells of the last row (and of `min_columns`, which keeps a few filters from
    filling the width) are hidden.
    """
    rows, cols = grid_shape(count, columns)
    axes = host.subplots(rows, max(cols, min_columns), squeeze=False).ravel()
    for i, ax in enumerate(axes):
        no_ticks(ax, keep_xlabel=True)  # the caption goes under the tile
        ax.set_visible(i < count)
    return list(axes[:count])


def no_ticks(ax, keep_xlabel: bool = False) -> None:
    """A picture's axes: no ticks, and no y axis (nor x axis, unless it carries a caption as its label).

    An axis with no ticks and no label draws nothing, but matplotlib still lays out and draws
    its empty ticks on every draw; hidden, the figure is the same to the pixel and draws in
    about two thirds of the time (a GIF draws its figure once per frame).
    """
    ax.set_xticks([])
    ax.set_yticks([])
    ax.yaxis.set_visible(False)
    ax.xaxis.set_visible(keep_xlabel)


def show_filters(axes: Sequence, filters: np.ndarray, limits: Sequence[float], captions: Sequence[str],
                 cmap: str | None = None) -> list:
    """Each filter on its tile, zero-centred at its limit, with its caption underneath; the images.

    `cmap` names another (unsigned) map, such as the article's "hot": then from 0 to the limit.
    """
    images = []
    for ax, f, limit, caption in zip(axes, filters, limits, captions):
        low, colours = (-limit, diverging_cmap()) if cmap is None else (0.0, cmap)
        images.append(ax.imshow(f, cmap=colours, vmin=low, vmax=limit, interpolation="nearest"))
        ax.set_xlabel(caption, fontsize=CAPTION_PT, labelpad=3)
    return images


def weight_colorbar(host, image, axes: Sequence, labels: Sequence[str] | None = None, label: str = "weight"):
    """One colorbar for a grid's tiles; `labels` names its ends and centre (e.g. "-L", "0", "+L").

    As tall as the grid, and as wide however many rows that is.
    """
    rows = len({round(ax.get_subplotspec().rowspan.start) for ax in axes})
    bar = host.colorbar(image, ax=list(axes), shrink=0.9, aspect=18 * rows, pad=0.02)
    bar.set_label(label, fontsize=CAPTION_PT)
    bar.ax.tick_params(labelsize=CAPTION_PT)
    if labels is not None:
        low, high = image.get_clim()
        bar.set_ticks([low, (low + high) / 2, high], labels=list(labels))
    return bar


def show_digit(ax, image: np.ndarray, caption: str, cmap: str = "gray"):
    """The training digit in grey, white ink on black as MNIST has it (or in `cmap`, from 0 to 1)."""
    digit = np.asarray(image, dtype=np.float64)
    if digit.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {digit.shape}")
    picture = ax.imshow(np.clip(np.nan_to_num(digit), 0.0, 1.0), cmap=cmap, vmin=0.0, vmax=1.0,
                        interpolation="nearest")
    no_ticks(ax)
    ax.set_title(caption, fontsize=CAPTION_PT, loc="left")
    return picture


def checked_filters(filters) -> np.ndarray:
    arr = np.asarray(filters, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[0] == 0 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"filters must have shape (F, k, k) with F >= 1, got {arr.shape}")
    return arr
