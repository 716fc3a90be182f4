"""The one diverging colormap shared by the headless figures and the Qt window.

Filter weights are signed, so the colour has to say which way they point:
blue = negative, red = positive, near-white = zero.  The anchors are
ColorBrewer RdBu reversed, which stays readable for the common forms of
colour blindness.  The GUI builds ``pyqtgraph.ColorMap(DIVERGING_POSITIONS,
DIVERGING_COLORS)`` from the same anchors so both views agree.
"""

import numpy as np

DIVERGING_POSITIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
DIVERGING_COLORS = (
    (33, 102, 172),   # dark blue: -limit
    (146, 197, 222),  # light blue
    (247, 247, 247),  # near-white: exactly zero
    (244, 165, 130),  # light orange-red
    (178, 24, 43),    # dark red: +limit
)

# One colour per filter (its label in the grid, its similarity curve) or per run: Tableau 10,
# distinct and readable on white.
TABLEAU10 = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
             (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))

NAN_COLOR = (128, 128, 128)
_MIN_LIMIT = 1e-12


def _interpolate(t: np.ndarray) -> np.ndarray:
    """Colours at positions ``t`` in [0, 1], linear between the anchors."""
    anchors = np.asarray(DIVERGING_COLORS, dtype=np.float64)
    channels = [np.interp(t, DIVERGING_POSITIONS, anchors[:, c]) for c in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def diverging_lut(n: int = 256) -> np.ndarray:
    """(n, 3) uint8 lookup table, for consumers that want a table, not anchors."""
    return _interpolate(np.linspace(0.0, 1.0, n))


def apply_diverging(values: np.ndarray, limit: float) -> np.ndarray:
    """Map values to (..., 3) uint8 RGB with [-limit, +limit] spanning the map.

    Interpolates against the anchors directly (not a finite LUT) so that 0 gets
    the centre colour exactly.  Values beyond the limit clip to the end
    colours; NaN becomes neutral grey; a zero, negative or non-finite limit
    is replaced by a tiny one rather than dividing by zero.
    """
    v = np.asarray(values, dtype=np.float64)
    lim = float(limit)
    if not np.isfinite(lim) or lim <= 0.0:
        lim = _MIN_LIMIT
    nan = np.isnan(v)
    # Clip before dividing so a tiny limit cannot overflow.
    t = np.clip(np.where(nan, 0.0, v), -lim, lim) / (2.0 * lim) + 0.5
    rgb = _interpolate(t)
    rgb[nan] = NAN_COLOR
    return rgb


def symmetric_limit(values) -> float:
    """Largest finite |value|, or 1.0 when there is none, for a zero-centred scale."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    finite = a[np.isfinite(a)]
    peak = float(finite.max()) if finite.size else 0.0
    return peak if peak > 0.0 else 1.0
