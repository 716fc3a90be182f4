"""What the network is fed: Filter Lab's pixels in [0, 1], or the article's raw 0-255.

The article's script read its digit with OpenCV (`cv2.imread(..., 0)`: integers 0-255)
and trained on those values as they were. Filter Lab divides by 255. Nothing else
differs, and that one factor decides the run (measured on the bundled 4, seed 0, Adam
1e-3: README, "The original, exactly"):

* with raw pixels every output z = w · x + b is 255 times larger, so after six Adam steps
  the target's score leads the others by 19 (40 by step 50): the softmax rounds to exactly 1
  in float32, the loss is exactly 0.0 from step 6, and its gradient falls from ~100 to ~1e-15 —
  the loss stops teaching while the filters are still mostly their random start (|cosine|
  0.20-0.40);
* with [0, 1] pixels z stays near 1, the loss falls over ~100 steps instead of 5, and it keeps
  teaching while Adam's steps (the digit's signs on the ink) and weight decay (the noise off
  the ink, erased) make the filters the digit (|cosine| ~0.9; engine/core/explain.py).

Only the network's input is scaled: the digit a trainer shows, records and saves is the
[0, 1] image, and `network_input` is the one place its pixels are turned into the input.
"""
from __future__ import annotations

import numpy as np

from filterlab.engine.core.config import Config


def network_input(image: np.ndarray, pixel_scale: int) -> np.ndarray:
    """The (28,28) float32 input for a [0, 1] `image` at `pixel_scale` (1 or 255).

    Scale 255 is the digit as an 8-bit greyscale file holds it, as the script read it: each
    pixel rounded to a whole 0-255 value. For MNIST's own digits (k/255) that is exactly
    their bytes.
    """
    image = np.asarray(image, dtype=np.float32)
    if pixel_scale == 1:
        return image
    return np.rint(image.astype(np.float64) * pixel_scale).astype(np.float32)


def is_article_setting(config: Config) -> bool:
    """Whether `config` is the article's script exactly (on any device): Filter Lab's defaults, raw pixels."""
    return config.with_(device="auto", record_every=Config.record_every) == Config(pixel_scale=255)


def pixel_range(pixel_scale: int) -> str:
    """How the pixels are described to a reader: "0-1" or "0-255"."""
    return "0-1" if pixel_scale == 1 else f"0-{pixel_scale}"
