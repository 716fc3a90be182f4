"""The colours every figure and the Qt window share: one diverging map, the palettes, the 1-D lab's.

Filter weights are signed, so the colour has to say which way they point:
blue = negative, red = positive, near-white = zero.  The anchors are
ColorBrewer RdBu reversed. The GUI builds ``pyqtgraph.ColorMap(DIVERGING_POSITIONS,
DIVERGING_COLORS)`` from them and the figures a matplotlib colormap
(engine/render/style.py), so both agree.

Checked under simulated colour blindness (README, "Colour for everyone";
tests/engine/core/test_colour_vision.py): the diverging map keeps its lightness
order and its two signs apart under deuteranopia and protanopia, so it stays.
Tableau 10, the default palette for filters and runs, does not: its orange and
green (filters 2 and 3) merge under protanopia. ``PETROFF10`` is the safe
alternative — Petroff's ten-colour sequence (2021), built for colour-blind
viewers, as matplotlib ships it (``matplotlib.color_sequences["petroff10"]``).
"""
from __future__ import annotations

import numpy as np

DIVERGING_POSITIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
DIVERGING_COLORS = (
    (33, 102, 172),   # dark blue: -limit
    (146, 197, 222),  # light blue
    (247, 247, 247),  # near-white: exactly zero
    (244, 165, 130),  # light orange-red
    (178, 24, 43),    # dark red: +limit
)

# One colour per filter (its label in the grid, its similarity curve) or per run.
TABLEAU10 = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
             (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))
PETROFF10 = ((63, 144, 218), (255, 169, 14), (189, 31, 1), (148, 164, 162), (131, 45, 182),
             (169, 107, 89), (231, 99, 0), (185, 172, 112), (113, 117, 129), (146, 218, 221))
PALETTES = {"tableau10": TABLEAU10, "colour-blind safe": PETROFF10}
DEFAULT_PALETTE = "tableau10"

NAN_COLOR = (128, 128, 128)

# matplotlib's "hot" (black, red, yellow, white), the map the article drew its binarised filters in;
# the window draws the same (a test holds these anchors to matplotlib's).
HOT_POSITIONS = (0.0, 0.365079, 0.746032, 1.0)
HOT_COLORS = ((11, 0, 0), (255, 0, 0), (255, 255, 0), (255, 255, 255))

# The 1-D lab (its window and its figure): blue the learned filter, orange the hand-designed
# [-1, 1, -1], black the true peaks; one colour per tap (ColorBrewer Dark2).
LEARNED_COLOR = (40, 90, 160)
HAND_COLOR = (230, 120, 30)
TRUTH_COLOR = (33, 33, 33)
BAR_COLOR = (190, 196, 205)
ZERO_COLOR = (150, 150, 150)
TAP_COLORS = ((27, 158, 119), (217, 95, 2), (117, 112, 179), (231, 41, 138), (102, 166, 30),
              (230, 171, 2), (166, 118, 29), (31, 120, 180), (102, 102, 102))


def palette(name: str = DEFAULT_PALETTE) -> tuple:
    """The palette called `name` (a key of PALETTES): ten (r, g, b) tuples, 0-255."""
    try:
        return PALETTES[name]
    except KeyError:
        raise ValueError(f"no palette {name!r}; choose one of {', '.join(PALETTES)}") from None


def symmetric_limit(values) -> float:
    """Largest finite |value|, or 1.0 when there is none, for a zero-centred scale."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    finite = a[np.isfinite(a)]
    peak = float(finite.max()) if finite.size else 0.0
    return peak if peak > 0.0 else 1.0
