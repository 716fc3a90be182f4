"""How much a filter looks like the digit, as one number a learner can watch climb.

Cosine similarity of the mean-removed filter to the mean-removed image: +1 is the
digit, -1 its negative, 0 unrelated. The mean is removed because a uniform offset says
nothing about shape. A kernel smaller than the image is compared with every patch of
the image of its size, and the patch it resembles most (by |cosine|) counts: small
filters learn strokes, not the whole digit.
"""
from __future__ import annotations

import numpy as np


def cosine_to_image(filters: np.ndarray, image: np.ndarray) -> np.ndarray:
    """(F,k,k) filters, (28,28) image -> (F,) signed cosine of the best-matching patch."""
    count, k, _ = filters.shape
    w = filters.reshape(count, -1).astype(np.float64)
    w = w - w.mean(axis=1, keepdims=True)
    patches = np.lib.stride_tricks.sliding_window_view(image.astype(np.float64), (k, k))
    patches = patches.reshape(-1, k * k)
    patches = patches - patches.mean(axis=1, keepdims=True)
    dots = w @ patches.T                                   # (F, positions)
    norms = np.linalg.norm(w, axis=1)[:, None] * np.linalg.norm(patches, axis=1)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
    best = np.abs(cos).argmax(axis=1)
    return cos[np.arange(count), best]
