"""Fixed picture boxes and plots: the views show data, they are not tools to navigate.

Filter grids and the digit view show images: no panning, no zoom menu, y pointing down
like an image, square pixels, an optional gradient overlay. Plots autorange every frame
and take no mouse input. One builder each keeps them all alike.
"""
from __future__ import annotations

import pyqtgraph as pg

from filterlab.gui.views.colormaps import heat_overlay_lut


def add_image_box(graphics: pg.GraphicsLayoutWidget, colormap: pg.ColorMap, row: int = 1, col: int = 0):
    """Add a ViewBox at (row, col) holding an image and a hidden overlay; return all three."""
    view = graphics.addViewBox(row=row, col=col)
    view.setAspectLocked(True)
    view.invertY(True)
    view.setMouseEnabled(False, False)
    view.setMenuEnabled(False)
    image = pg.ImageItem(axisOrder="row-major")
    image.setColorMap(colormap)
    overlay = pg.ImageItem(axisOrder="row-major")
    overlay.setLookupTable(heat_overlay_lut())
    overlay.setVisible(False)
    view.addItem(image)
    view.addItem(overlay)
    return view, image, overlay


def fixed_plot(widget: pg.PlotWidget | None = None) -> pg.PlotWidget:
    """A plot that shows data, not a tool: no pan/zoom by mouse, no context menu, no 'A' button.

    The views autorange themselves every frame; a learner's stray drag would otherwise
    leave a plot frozen on an old range.
    """
    plot = widget if widget is not None else pg.PlotWidget(background="w")
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    return plot
