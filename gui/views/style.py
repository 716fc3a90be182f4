"""How the views look: colour maps built from the engine's own colours, and image boxes and plots
that show data rather than being tools to navigate.

Weights are signed, so filters use a diverging map centred on 0 (blue negative, red
positive), from the same anchors as the headless figure (engine/core/colours.py).
Gradient magnitudes are unsigned and are laid *over* something else, so their map fades
to fully transparent at zero and only the hot spots show. Filter grids and the digit
view show images: no panning, no zoom menu, y pointing down like an image, square
pixels. Plots take no mouse input and autorange themselves.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetrics, QPen

from filterlab.engine.core.colours import (
    DEFAULT_PALETTE,
    DIVERGING_COLORS,
    DIVERGING_POSITIONS,
    HOT_COLORS,
    HOT_POSITIONS,
    PALETTES,
    palette,
)
from filterlab.gui.views.axes import CachedAxis, cached_axes, fit_axis_width, readable_spacing, tick_font
from filterlab.gui.views.image_item import FastImageItem

FOREGROUND = "#202020"  # axis lines, tick numbers and axis labels: dark, readable from the back of a room
pg.setConfigOption("foreground", FOREGROUND)

DIVERGING = pg.ColorMap(DIVERGING_POSITIONS, [tuple(c) for c in DIVERGING_COLORS], name="filterlab-diverging")
GRAY = pg.ColorMap((0.0, 1.0), [(0, 0, 0), (255, 255, 255)], name="filterlab-gray")
HOT = pg.ColorMap(HOT_POSITIONS, [tuple(c) for c in HOT_COLORS], name="hot")  # the article's map


def heat_overlay_lut(points: int = 256) -> np.ndarray:
    """(points, 4) RGBA lookup table: transparent at 0, then green to bright yellow-green.

    Green is the one hue the blue/white/red weight map never uses, so where the update
    lands reads clearly on top of a filter without being mistaken for a sign.
    """
    t = np.linspace(0.0, 1.0, points)
    rgba = np.empty((points, 4), dtype=np.ubyte)
    rgba[:, 0] = np.interp(t, (0.0, 1.0), (0, 190)).astype(np.ubyte)
    rgba[:, 1] = np.interp(t, (0.0, 1.0), (140, 255)).astype(np.ubyte)
    rgba[:, 2] = np.interp(t, (0.0, 1.0), (60, 0)).astype(np.ubyte)
    rgba[:, 3] = (np.sqrt(t) * 200).astype(np.ubyte)
    return rgba


_palette = {"name": DEFAULT_PALETTE}  # the app's palette for filters and runs; use_palette changes it


def palette_names() -> list[str]:
    """The palettes on offer: "tableau10" (the default) and "colour-blind safe" (Petroff 10)."""
    return list(PALETTES)


def use_palette(name: str) -> None:
    """Colour filters and runs with palette `name` from now on (ValueError for an unknown one).

    Views take it the next time they build their labels and curves (filter_color, run_color).
    """
    palette(name)  # checks the name
    _palette["name"] = name


def palette_name() -> str:
    return _palette["name"]


def run_color(index: int) -> tuple:
    """(r, g, b) of run or filter `index` in the palette in use (it repeats after ten)."""
    colours = palette(_palette["name"])
    return colours[index % len(colours)]


def filter_color(index: int, count: int) -> QColor:
    """The colour of filter `index`: its cosine label in the grid and its similarity curve.

    Up to ten filters get the palette in use (Tableau 10, or the colour-blind safe one);
    more filters than that share evenly spaced hues.
    """
    if count <= len(palette(_palette["name"])):
        return QColor(*run_color(index))
    return pg.intColor(index, hues=count, values=1, maxValue=190, sat=230)


def add_image_box(graphics: pg.GraphicsLayoutWidget, colormap: pg.ColorMap, row: int = 1, col: int = 0):
    """Add a ViewBox at (row, col) holding an image and a hidden overlay; return all three."""
    view = graphics.addViewBox(row=row, col=col, enableMenu=False)  # a menu made, then dropped: 7 ms a box
    view.setAspectLocked(True)
    view.invertY(True)
    view.setMouseEnabled(False, False)
    image = FastImageItem(axisOrder="row-major")  # drawn as 32-bit pixels: see image_item.py
    image.setColorMap(colormap)
    overlay = FastImageItem(axisOrder="row-major")
    overlay.setLookupTable(heat_overlay_lut())
    overlay.setVisible(False)
    view.addItem(image)
    view.addItem(overlay)
    return view, image, overlay


def readable_colorbar(colorbar: pg.ColorBarItem, image) -> None:
    """A colour bar for `image` whose numbers are spaced, and given room, for their size of text: pyqtgraph
    makes its axis 45 px wide and drops every number wider than that (presenter zoom lost them all)."""
    colorbar.setImageItem(image)
    axis = colorbar.axis
    axis.tickSpacing = lambda low, high, size: readable_spacing(axis, low, high, size)
    axis.lines_apart = 3.0  # a handful of numbers, each as short as the scale allows
    fit_axis_width(axis)  # again on every zoom (gui/windows/presenter.py)


def plot_widget(**axes) -> pg.PlotWidget:
    """A white pg.PlotWidget with CachedAxis sides (or `axes`) and no context menu ever made: pyqtgraph
    makes each ViewBox's menu up front (7 ms each, a fifth of building the digit window) unless told not to."""
    return pg.PlotWidget(background="w", axisItems={**cached_axes(), **axes}, enableMenu=False)


def fixed_plot(widget: pg.PlotWidget | None = None) -> pg.PlotWidget:
    """A plot that shows data, not a tool: no pan/zoom by mouse, no context menu, no 'A' button.

    The views autorange themselves every frame; a learner's stray drag would otherwise
    leave a plot frozen on an old range.
    """
    plot = widget if widget is not None else plot_widget()
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    return plot



class DecadeAxis(CachedAxis):
    """A log axis that reads plainly: labels at whole decades (1, 0.1, 0.01, 1e-04), never overlapping,
    never an offset multiplier; within less than a decade, at 1, 2 and 5 times one."""

    MIN_GAP_PX = 26  # between two labels

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        lo, hi = sorted((minVal, maxVal))
        gap = max(self.MIN_GAP_PX, 1.8 * QFontMetrics(tick_font(self)).height())  # more text, fewer labels
        room = max(1, int(size // gap))
        decades = list(range(math.ceil(lo), math.floor(hi) + 1))
        if len(decades) >= 2:
            every = max(1, math.ceil(len(decades) / room))
            return [(float(every), [d for d in decades if d % every == 0]), (None, [])]
        nice = [e + math.log10(m) for e in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in (1, 2, 5)]
        inside = [v for v in nice if lo <= v <= hi]
        every = max(1, math.ceil(len(inside) / room))
        return [(None, inside[::every]), (None, [])]

    def logTickStrings(self, values, scale, spacing):
        return [decade_text(10 ** v) for v in values]


def set_thinned(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """curve.setData(x, y), a long curve (thousands of recorded points in a few hundred pixels) drawn as the min
    and max of about one point a pixel (pyqtgraph's "peak" downsampling): the same line on screen, a fraction of
    the painting (a wide pen's stroke costs per point). pyqtgraph's automatic choice thins only past five points
    a pixel."""
    view = curve.getViewBox()
    pixels = max(1, int(view.width())) if view is not None else len(x)
    curve.setDownsampling(ds=max(1, len(x) // pixels), auto=False, method="peak")
    curve.setData(x, y)


def decade_text(value: float) -> str:
    """1, 20, 0.5, 0.01, 1e-04: short and plain."""
    if value >= 1e5 or value < 1e-3:
        return f"{value:.0e}"
    return f"{value:.3f}".rstrip("0").rstrip(".") if value < 1 else f"{value:g}"


def log_plot() -> pg.PlotWidget:
    """A fixed plot with a log y axis labelled by DecadeAxis (the loss curves)."""
    plot = fixed_plot(plot_widget(left=DecadeAxis("left")))
    plot.setLogMode(y=True)
    plot.getViewBox().setLimits(minXRange=10, minYRange=0.3)  # a fresh run shows a sane range, not ±0.01
    return plot


GROWTH = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)  # the right ends an axis of steps jumps to, per decade


def growing_end(last: float, least: float = 10.0) -> float:
    """The right end of an axis that grows with the run: the next of 1, 1.5, 2, 3, 4, 5, 6 or 8 x 10^k
    at or above `last` (at least `least`).

    The curve fills at least three quarters of the width, and the range moves a few times a
    decade instead of on every frame: each move lays the axis out and draws its ticks again,
    and the plot's autorange walked every item's data on every frame (README, "Performance").
    """
    last = max(float(last), least)
    decade = 10.0 ** math.floor(math.log10(last))
    return next((m * decade for m in GROWTH if m * decade >= last), 10.0 * decade)


def decade_span(values: np.ndarray, step: float = 0.5) -> tuple[float, float]:
    """(low, high) log10 limits around positive `values`, on a grid of `step` decades: a log axis
    that moves only when the data crosses a half decade."""
    logs = np.log10(values)
    low, high = math.floor(float(logs.min()) / step) * step, math.ceil(float(logs.max()) / step) * step
    return low, max(high, low + step)


def cosmetic_pen(colour: QColor, width: int) -> QPen:
    """A pen of the same screen width at any zoom."""
    pen = QPen(colour)
    pen.setWidth(width)
    pen.setCosmetic(True)
    return pen
