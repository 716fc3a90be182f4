"""What a hand edit does to a filter: the brush's strokes and the whole-filter tools.

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
