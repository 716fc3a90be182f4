"""A fixed picture box: an image with an optional gradient overlay on top.

Filter grids and the digit view show images, not plots: no panning, no zoom menu, y
pointing down like an image, square pixels. One builder keeps them all alike.
"""
import pyqtgraph as pg

from .colormaps import heat_overlay_lut


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
