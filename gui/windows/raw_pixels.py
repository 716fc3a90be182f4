"""The article's own run in the digit window: what the status bar says of the pixels, and why raw ones stop.

The article's script fed raw pixels 0-255 (engine/core/pixels.py); the window says which
pixels it trains on, and while raw pixels have made the loss exactly 0.0, why nothing is
learned any more.
"""
from __future__ import annotations

import numpy as np

from filterlab.engine.core.pixels import is_article_setting, pixel_range


def pixels_status(config) -> str:
    """The status bar's words for the pixels the run is fed."""
    words = f"pixels {pixel_range(config.pixel_scale)}"
    return words + " · the article's setting" if is_article_setting(config) else words


def raw_pixel_note(snap) -> str:
    """Raw pixels, and the loss is exactly 0.0: why the filters stopped learning (else "")."""
    if snap.config.pixel_scale == 1 or snap.loss != 0.0 or snap.step == 0:
        return ""
    gradient = float(np.abs(snap.grads).max())
    moves = ("only weight decay still moves the filters" if snap.config.weight_decay else
             "with no weight decay, nothing moves the filters any more")
    return (f"raw pixels 0-255: z = w·x + b is 255 times larger, so the softmax saturated — the loss is exactly "
            f"0.0 in float32 and the largest gradient {gradient:.0e}: {moves}. "
            "Pixels 0-1 keep z near 1, so the loss keeps teaching for ~100 steps")
