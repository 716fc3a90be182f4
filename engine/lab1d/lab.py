"""The 1-D lab: would backprop turn a few random numbers into the hand-designed [-1, 1, -1]?

One k-tap filter with a bias starts random and is trained on fresh random sequences
(engine/peaks.py says which, and why) to answer "is this position a local peak?":

    response = conv1d(x, taps) + bias  ->  sigmoid  ->  binary cross-entropy vs the peak mask

That is logistic regression on every window of k values, trained by Adam on minibatches.
The peaks are then located from the response by a max-pool of window 3 (stride 1) and a
threshold at 0, for the learned filter and for [-1, 1, -1] alike (peaks.locate).

Why the max-pool locates rather than trains: trained *through* a max-pool of window 2 and
stride 2 against "is there a peak in this pair?", the filter may fire on the wrong member
of the pair. Measured (lr 1e-3, 5,000 steps): 2 of 4 seeds settled on [+0.8, -3.4, +0.8],
a filter that fires beside each peak (F1 0 on positions, fine on pairs). Trained per
position, all 20 seeds tried found a positive multiple of [-1, 1, -1] (cosine > 0.99), and
the max-pool still does its job in a CNN: one answer per neighbourhood.

With k > 3 taps the outer ones see values that say nothing about the peak; they move only
while the bias settles and then stay small. The filter keeps growing (the loss falls
towards 0 on separable data) while its direction settles, so the views compare directions:
the cosine to [-1, 1, -1], and the taps scaled to the length of [-1, 1, -1].

The convolution is written out as (windows of k values x taps).sum (`filter_logits`) and
the cross-entropy as softplus(z) - z*t (`peak_loss`): the same numbers as F.conv1d and
F.binary_cross_entropy_with_logits (a test checks both), but no op that wakes torch's
thread pool. A step is a few thousand multiply-adds, so op overhead is its whole cost:
measured on one thread, F.conv1d made a step 2.6x slower (1,400 against 3,700 steps/s), and
with torch's default threads on a busy 2-core machine the library ops made it 10-30x slower.

The trainer speaks the same commands as engine.trainer.Trainer (step, reset, set_hparams,
snapshot, step_count, diverged), so the window's TrainingWorker drives it unchanged.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import ConfigError, _check_float, _check_int
from filterlab.engine.core.frozen import ReadOnlyArrays
from filterlab.engine.lab1d.peaks import HAND_BIAS, Scores, cosine, hand_taps, local_peaks, locate, random_sequences, response

EVAL_SEED = 20_240_601   # the held-out sequences: the same for every training seed, never trained on
EVAL_SEQUENCES = 256
TAP_POINTS = 2048         # taps-over-time record: at most this many rows, however long the run
LIVE_FIELDS = ("lr",)     # the rest (taps, levels, seed, sizes) start a new run


def filter_logits(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """(N, L) sequences, (k,) taps, (1,) bias -> (N, L-k+1): conv1d without padding, written out."""
    return (x.unfold(1, len(weight), 1) * weight).sum(-1) + bias


def peak_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of sigmoid(logits) against the 0/1 peak mask."""
    return (F.softplus(logits) - logits * target).mean()


@dataclass(frozen=True)
class Lab1DConfig:
    """The lab's settings; checked here so every way in gets the same clear message."""

    taps: int = 3
    levels: int = 2          # sequence values 0..levels-1
    lr: float = 1e-3         # Adam, as in the original experiment
    seed: int = 0
    length: int = 64         # values per sequence
    batch: int = 32          # fresh sequences per step

    def __post_init__(self) -> None:
        _check_int("taps", self.taps, 3, 9)
        if self.taps % 2 == 0:
            raise ConfigError(f"taps must be odd (3, 5, 7 or 9) so a middle tap sits on the candidate peak, "
                              f"got {self.taps}")
        _check_int("levels", self.levels, 2, 100)
        _check_float("lr", self.lr, low=0.0, low_open=True, high=10.0)  # Adam moves a tap ~lr a step
        _check_int("seed", self.seed, 0, 2**63 - 1)
        _check_int("length", self.length, 16, 4096)
        _check_int("batch", self.batch, 1, 4096)

    def with_(self, **changes) -> "Lab1DConfig":
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"the 1-D lab has no setting {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)


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


class TapHistory:
    """The taps every `stride` steps; when full, every other row goes and the stride doubles."""

    def __init__(self, capacity: int = TAP_POINTS):
        self.capacity = capacity
        self.stride = 1
        self.steps: list[int] = []
        self.rows: list[list[float]] = []

    def add(self, step: int, taps: list[float]) -> None:
        if step % self.stride:
            return
        self.steps.append(step)
        self.rows.append(taps)
        if len(self.steps) >= self.capacity:
            self.steps, self.rows = self.steps[::2], self.rows[::2]
            self.stride *= 2

    def arrays(self, taps: int) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.steps, dtype=np.int64), np.array(self.rows, dtype=np.float64).reshape(-1, taps)


class Lab1D:
    """One k-tap filter, its optimizer, its data stream and its record. No Qt, no threads."""

    def __init__(self, config: Lab1DConfig = Lab1DConfig()):
        self.config = config
        self.diverged: Optional[str] = None  # lr <= 10, a stable loss: the weights stay finite
        self.reset()

    # ----------------------------------------------------------------- commands
    def reset(self, seed: Optional[int] = None, **changes) -> None:
        """A new random filter (the same seed gives the same one) and step 0."""
        if seed is not None:
            changes["seed"] = seed
        config = self.config.with_(**changes)
        k = config.taps
        self._rng = np.random.default_rng([config.seed, 0])  # the start, then every batch, in order
        start = self._rng.uniform(-1.0, 1.0, size=k)  # "3 random numbers", at the scale of [-1, 1, -1]
        self._weight = torch.tensor(start, dtype=torch.float32, requires_grad=True)
        self._bias = torch.zeros(1, requires_grad=True)
        self._optimizer = torch.optim.Adam([self._weight, self._bias], lr=config.lr, fused=True)
        eval_rng = np.random.default_rng(EVAL_SEED)
        self._eval = random_sequences(eval_rng, EVAL_SEQUENCES, config.length, config.levels)
        self._eval_peaks = local_peaks(self._eval, k // 2)
        self._reference = hand_taps(k)
        self._hand_response = response(self._eval, self._reference, HAND_BIAS)
        self._hand_peaks = locate(self._hand_response)
        self.config = config
        self.step_count = 0
        self.loss = math.nan
        self.history = TapHistory()
        self.history.add(0, start.tolist())

    def set_hparams(self, **changes) -> None:
        """The learning rate changes live; any other setting starts a new run with it."""
        config = self.config.with_(**changes)
        rebuild = any(name not in LIVE_FIELDS and getattr(self.config, name) != value
                      for name, value in changes.items())
        self.config = config
        if rebuild:
            self.reset()
        for group in self._optimizer.param_groups:
            group["lr"] = config.lr

    def step(self, n: int = 1) -> int:
        """Train n steps, each on a fresh batch of sequences; returns n."""
        k = self.config.taps
        for _ in range(n):
            x = random_sequences(self._rng, self.config.batch, self.config.length, self.config.levels)
            target = torch.from_numpy(local_peaks(x, k // 2).astype(np.float32))
            logits = filter_logits(torch.from_numpy(x), self._weight, self._bias)
            loss = peak_loss(logits, target)
            self._optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self._optimizer.step()
            self.step_count += 1
            self.history.add(self.step_count, self._weight.detach().tolist())
        if n:
            self.loss = float(loss.detach())
        return n

    # ----------------------------------------------------------------- reading
    @property
    def taps(self) -> np.ndarray:
        return self._weight.detach().numpy().astype(np.float64)

    @property
    def bias(self) -> float:
        return float(self._bias.detach())

    def snapshot(self) -> Lab1DSnapshot:
        taps, bias = self.taps, self.bias
        learned_response = response(self._eval, taps, bias)
        learned_peaks = locate(learned_response)
        tap_steps, tap_history = self.history.arrays(len(taps))
        return Lab1DSnapshot(
            step=self.step_count, loss=self.loss, config=self.config,
            taps=taps, bias=bias, reference=self._reference.copy(),
            tap_steps=tap_steps, tap_history=tap_history,
            sample=self._eval[0].astype(np.float64), offset=self.config.taps // 2,
            true_peaks=self._eval_peaks[0].copy(),
            learned_response=learned_response[0].copy(), hand_response=self._hand_response[0].copy(),
            learned_peaks=learned_peaks[0].copy(), hand_peaks=self._hand_peaks[0].copy(),
            learned=Scores.compare(learned_peaks, self._eval_peaks),
            hand=Scores.compare(self._hand_peaks, self._eval_peaks),
            agreement=Scores.compare(learned_peaks, self._hand_peaks),
            same_peaks=float(np.mean(np.all(learned_peaks == self._hand_peaks, axis=-1))),
            cosine=cosine(taps, self._reference),
            diverged=self.diverged,
        )
