"""The 1-D lab's task: random integer sequences and their local peaks, and how a filter finds them.

A *local peak* is a value larger than both its neighbours: x[i] > x[i-1] and x[i] > x[i+1].
The sequences are independent random integers 0..levels-1, by default 0 or 1 (levels=2).
Strict ">" keeps the peaks well defined however many values repeat, and binary sequences
make the hand-designed answer exact: a peak is then the pattern 0 1 0, and [-1, 1, -1]
with bias -1/2 responds +1/2 there and at most -1/2 everywhere else. Of all 3-tap filters
it separates peaks from the rest with the widest margin (for its size), and that
direction is where gradient descent on a logistic loss heads when the classes are
separable (Soudry et al., 2018) - so backprop has a definite answer to find. With more
levels no filter and threshold separate the peaks (1 2 1 is a peak, 2 2 0 and 0 2 2 are
not, and any filter's response to 1 2 1 is the mean of its responses to those two), so
there the learned filter and [-1, 1, -1] part ways, and the lab shows by how much.

A filter of k taps sees k values, so it answers only where its whole window fits: the
positions h..L-1-h, h = k // 2 ("valid" correlation, as `conv1d` without padding). Every
such position has both neighbours, so whether it is a peak is always defined.

Locating peaks from a response is the usual heat-map recipe: a max-pool of window 3 and
stride 1 keeps only the positions whose response is the largest of their neighbourhood,
and of those the ones above 0 are the located peaks. Both the learned filter and
[-1, 1, -1] go through exactly this, so their answers can be compared position by position.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HAND_TAPS = (-1.0, 1.0, -1.0)
HAND_BIAS = -0.5  # halfway between its response at a peak (1) and the largest elsewhere (0)
POOL = 3          # max-pool window (stride 1) that turns a response into positions


def random_sequences(rng: np.random.Generator, count: int, length: int, levels: int) -> np.ndarray:
    """(count, length) float32 of independent random integers 0..levels-1."""
    return rng.integers(0, levels, size=(count, length)).astype(np.float32)


def local_peaks(x: np.ndarray, half: int) -> np.ndarray:
    """(..., L - 2*half) bool: is x[i] larger than both neighbours, for i = half..L-1-half."""
    x = np.asarray(x)
    middle = x[..., 1:-1]
    peaks = (middle > x[..., :-2]) & (middle > x[..., 2:])
    trim = half - 1
    return peaks[..., trim:peaks.shape[-1] - trim]


def hand_taps(taps: int) -> np.ndarray:
    """[-1, 1, -1] in the middle of `taps` zeros: the hand-designed filter at any size."""
    reference = np.zeros(taps)
    middle = taps // 2
    reference[middle - 1:middle + 2] = HAND_TAPS
    return reference


def response(x: np.ndarray, taps: np.ndarray, bias: float) -> np.ndarray:
    """The filter slid along each sequence (cross-correlation, as conv1d): (..., L - k + 1)."""
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), len(taps), axis=-1)
    return windows @ np.asarray(taps, dtype=np.float64) + bias


def locate(resp: np.ndarray) -> np.ndarray:
    """Located peaks: response above 0 and the largest in its max-pool window (bool, same shape)."""
    pad, length = POOL // 2, resp.shape[-1]
    padded = np.pad(resp, [(0, 0)] * (resp.ndim - 1) + [(pad, pad)], constant_values=-np.inf)
    pooled = padded[..., :length].copy()
    for shift in range(1, POOL):  # the window's max as POOL shifted maxima: 5x faster than a window view's max
        np.maximum(pooled, padded[..., shift:shift + length], out=pooled)
    return (resp > 0) & (resp == pooled)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between two tap vectors; 0 when either is all zeros."""
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norms) if norms > 0 else 0.0


@dataclass(frozen=True)
class Scores:
    """How well the positions `found` match `truth`: precision, recall and their F1."""

    precision: float
    recall: float
    f1: float

    @classmethod
    def compare(cls, found: np.ndarray, truth: np.ndarray) -> "Scores":
        """Position by position; nothing to find and nothing found counts as a perfect match."""
        hits = int(np.count_nonzero(found & truth))
        n_found, n_true = int(np.count_nonzero(found)), int(np.count_nonzero(truth))
        return cls(precision=hits / n_found if n_found else float(n_true == 0),
                   recall=hits / n_true if n_true else 1.0,
                   f1=2 * hits / (n_found + n_true) if n_found + n_true else 1.0)
