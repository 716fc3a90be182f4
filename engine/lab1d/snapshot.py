"""The 1-D lab at one step, as numpy: what its views, its figure and metrics.json show (no torch)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

from filterlab.engine.core.snapshot import ReadOnlyArrays
from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.peaks import Scores

EVAL_SEQUENCES = 256  # held-out sequences the scores are measured on


@dataclass(frozen=True)
class Lab1DSnapshot(ReadOnlyArrays):
    """The lab at one step, as numpy copies (read-only): what the views and metrics.json show.

    Positions: the filter answers at positions `offset`..`offset`+n-1 of `sample` (n = L-k+1),
    so `true_peaks`, the responses and the located peaks are (n,) arrays over those.
    The scores are measured on EVAL_SEQUENCES held-out sequences, `sample` is the first.
    """

    step: int
    loss: float                  # cross-entropy of the last training step (nan before any)
    config: Lab1DConfig
    taps: np.ndarray             # (k,) the learned filter now
    bias: float
    reference: np.ndarray        # (k,) [-1, 1, -1] centred in zeros
    tap_steps: np.ndarray        # (T,) steps of the taps-over-time record
    tap_history: np.ndarray      # (T, k)
    sample: np.ndarray           # (L,) one held-out sequence
    offset: int
    true_peaks: np.ndarray       # (n,) bool
    learned_response: np.ndarray  # (n,) taps . window + bias
    hand_response: np.ndarray    # (n,) [-1, 1, -1] . window - 1/2
    learned_peaks: np.ndarray    # (n,) bool, located (max-pool, > 0)
    hand_peaks: np.ndarray       # (n,) bool
    learned: Scores              # learned filter vs the true peaks (held-out)
    hand: Scores                 # [-1, 1, -1] vs the true peaks (held-out)
    agreement: Scores            # learned vs [-1, 1, -1]: same positions?
    same_peaks: float            # share of held-out sequences where both locate exactly the same peaks
    cosine: float                # learned taps vs [-1, 1, -1]
    diverged: Optional[str] = None
    historical: bool = False     # replayed from the record (timeline), not the live state

    @property
    def record_steps(self) -> np.ndarray:
        """The recorded steps a timeline can go back to."""
        return self.tap_steps

    @property
    def positions(self) -> np.ndarray:
        return np.arange(self.offset, self.offset + len(self.true_peaks))

    @property
    def size_ratio(self) -> float:
        """|taps| / |[-1, 1, -1]|: divide by it to compare the learned filter at the hand filter's size."""
        ratio = float(np.linalg.norm(self.taps) / np.linalg.norm(self.reference))
        return ratio if ratio > 0 else 1.0

    def metrics(self) -> dict:
        """The numbers a reader checks, as plain JSON types."""
        return {
            "steps": self.step,
            "final_loss": self.loss,
            "taps": self.taps.tolist(),
            "bias": self.bias,
            "taps_scaled": (self.taps / self.size_ratio).tolist(),
            "reference": self.reference.tolist(),
            "cosine": self.cosine,
            "learned": asdict(self.learned),
            "hand_designed": asdict(self.hand),
            "agreement": asdict(self.agreement),
            "same_peaks_fraction": self.same_peaks,
            "held_out_sequences": EVAL_SEQUENCES,
            "config": self.config.to_dict(),
        }
