"""What a hand edit does: the one soft brush (the digit canvas's and the filter painter's), and the
brush's strokes and the whole-filter tools on a filter.

Pure numpy, so a test can check an edit without a window. Every tool gives a new k x k
array that `set_filter` puts in place between two steps. Strokes are blended into the
filter *as it is when the edit lands* (the run may have moved on while the mouse moved):
new = w (1 - m) + v m, with m the brush's coverage in [0, 1] and v the paint's value.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

TOOLS = ("positive", "negative", "eraser")  # the brush paints +v, -v, or pulls towards 0


def paint_value(weights: np.ndarray) -> float:
    """The brush's strength: the filter's own largest |weight|, so a stroke is as strong as the filter."""
    top = float(np.abs(weights).max())
    return top if top > 0 else init_bound(weights.shape[0])


def init_bound(k: int) -> float:
    """PyTorch's default initial weights of a 1-channel k x k filter are uniform in +-1/k (1/sqrt(fan in))."""
    return 1.0 / k


def stroked(weights: np.ndarray, mask: np.ndarray, tool: str, value: float) -> np.ndarray:
    """`weights` with a stroke of coverage `mask` by `tool` at strength `value`."""
    if tool not in TOOLS:
        raise ValueError(f"a brush paints {', '.join(TOOLS)}, not {tool!r}")
    target = {"positive": value, "negative": -value, "eraser": 0.0}[tool]
    return (weights * (1.0 - mask) + target * mask).astype(np.float32)


def inverted(weights: np.ndarray) -> np.ndarray:
    return (-weights).astype(np.float32)


def noise(k: int, seed: int) -> np.ndarray:
    """Fresh noise with the spread of PyTorch's initial filters."""
    bound = init_bound(k)
    return np.random.default_rng(seed).uniform(-bound, bound, size=(k, k)).astype(np.float32)


def pasted(image: np.ndarray, k: int, value: float) -> np.ndarray:
    """A 28x28 digit (in [0, 1]) as a k x k filter whose ink is `value` strong."""
    image = np.asarray(image, np.float32)
    if image.shape[0] != k:
        image = np.asarray(Image.fromarray(image).resize((k, k), Image.Resampling.BOX), np.float32)
    top = float(image.max())
    return (image / top * value if top > 0 else np.zeros((k, k))).astype(np.float32)


# ------------------------------------------------------------------------------------------------
# A soft round brush dragged along a segment: the one brush of the digit canvas and the filter painter.
#
# MNIST's digits were written with a pen that leaves a ~2 px core with soft grey edges; a
# hard-edged 1 px scribble looks nothing like them. The same profile paints on a filter,
# so an edit looks like the strokes backprop itself writes there.

GAIN = 1.6


def stroke_footprint(p0, p1, sigma, size=28):
    """The brush dragged in a straight line from p0 to p1, as (window slices, intensities).

    Points are (x, y) in image coordinates, where pixel (row, col) is the unit square whose
    centre is (col + 0.5, row + 0.5). Each pixel gets the soft round brush profile
    clip(GAIN * exp(-d^2 / (2 sigma^2)), 0, 1) at its distance d from the segment. This is
    exactly what stamping the brush along the segment gives as the stamp spacing goes to zero,
    so strokes never break up however fast the mouse moves. Only a small window around the
    segment is computed. Returns None when the segment is too far outside the image.
    """
    reach = 3.0 * sigma
    (x0, y0), (x1, y1) = p0, p1
    c_lo, c_hi = max(int(np.floor(min(x0, x1) - reach)), 0), min(int(np.ceil(max(x0, x1) + reach)), size)
    r_lo, r_hi = max(int(np.floor(min(y0, y1) - reach)), 0), min(int(np.ceil(max(y0, y1) + reach)), size)
    if c_lo >= c_hi or r_lo >= r_hi:
        return None
    px = np.arange(c_lo, c_hi, dtype=np.float32)[None, :] + 0.5
    py = np.arange(r_lo, r_hi, dtype=np.float32)[:, None] + 0.5
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0.0, 1.0)
    d2 = (px - (x0 + t * dx)) ** 2 + (py - (y0 + t * dy)) ** 2
    stamp = np.clip(GAIN * np.exp(-d2 / (2.0 * sigma * sigma)), 0.0, 1.0).astype(np.float32)
    return (slice(r_lo, r_hi), slice(c_lo, c_hi)), stamp


def stroke_mask(mask: np.ndarray, p0, p1, sigma: float) -> np.ndarray:
    """`mask` (k x k, in [0, 1]) with the segment p0-p1 added: the brush's coverage of a whole stroke."""
    footprint = stroke_footprint(p0, p1, sigma, size=mask.shape[0])
    if footprint is not None:
        window, stamp = footprint
        mask[window] = np.maximum(mask[window], stamp)
    return mask
