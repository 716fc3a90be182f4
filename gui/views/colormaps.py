"""The window's colour maps, built from the same anchors as the headless figure.

Weights are signed, so filters use a diverging map centred on 0 (blue negative, red
positive). Gradient magnitudes are unsigned and are laid *over* something else, so
their map fades to fully transparent at zero and only the hot spots show.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from filterlab.engine.core.colours import DIVERGING_COLORS, DIVERGING_POSITIONS

DIVERGING = pg.ColorMap(DIVERGING_POSITIONS, [tuple(c) for c in DIVERGING_COLORS], name="filterlab-diverging")
GRAY = pg.ColorMap((0.0, 1.0), [(0, 0, 0), (255, 255, 255)], name="filterlab-gray")


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


TABLEAU10 = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
             (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))


def filter_color(index: int, count: int) -> QColor:
    """The colour of filter `index`: its cosine label in the grid and its similarity curve.

    Up to ten filters get the Tableau 10 palette (distinct, readable on white); more
    filters than that share evenly spaced hues.
    """
    if count <= len(TABLEAU10):
        return QColor(*TABLEAU10[index])
    return pg.intColor(index, hues=count, values=1, maxValue=190, sat=230)
