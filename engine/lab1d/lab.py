"""The 1-D lab: would backprop turn a few random numbers into the hand-designed [-1, 1, -1]?

One k-tap filter with a bias starts random and is trained on fresh random sequences
(engine/lab1d/peaks.py says which, and why) to answer "is this position a local peak?":

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

The steps themselves are one chunk (`lab_steps`, TorchScript where it runs, as the digit's
chunk in engine/core/chunk.py): the gradient of this logistic regression written out,
dL/dz = (sigmoid(z) - t) / N, and Adam's update as torch.optim.Adam makes it; a test holds it
to the autograd step with torch.optim.Adam. One call trains up to n steps with the GIL let go
and ends early on an interrupt, so the window's GUI thread neither slows it nor waits on it.
The batches of a call are drawn from the run's generator at once: the same numbers as drawn
step by step, so a run is the same however it is chunked.

The lab implements the Experiment protocol (engine/core/experiment.py), so the worker,
the window base and the headless runner drive it as they drive the digit experiments.
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.chunk import NEVER, optimizer_update, script
from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.peaks import (
    HAND_BIAS,
    Scores,
    cosine,
    hand_taps,
    local_peaks,
    locate,
    random_sequences,
    response,
)
from filterlab.engine.lab1d.snapshot import EVAL_SEQUENCES, Lab1DSnapshot

EVAL_SEED = 20_240_601   # the held-out sequences: the same for every training seed, never trained on
TAP_POINTS = 2048         # taps-over-time record: at most this many rows, however long the run
LIVE_FIELDS = ("lr",)     # the rest (taps, levels, seed, sizes) start a new run


def filter_logits(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """(N, L) sequences, (k,) taps, (1,) bias -> (N, L-k+1): conv1d without padding, written out."""
    return (x.unfold(1, len(weight), 1) * weight).sum(-1) + bias


def peak_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of sigmoid(logits) against the 0/1 peak mask."""
    return (F.softplus(logits) - logits * target).mean()


def lab_steps(P: torch.Tensor, M: torch.Tensor, V: torch.Tensor, first: float, X: torch.Tensor, T: torch.Tensor,
              hyper: List[float], n: int, interrupt: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """Up to n Adam steps of the taps and bias P (k + 1,) (M, V: Adam's moments; `first`: its step count before),
    step i on the sequences X[i] (B, L) against the peak masks T[i] (B, L - k + 1); fewer once interrupt[0] is
    set (read every INTERRUPT_EVERY steps). Returns ((made, k + 2) rows: the taps and bias after each step and
    that step's loss, before its update; the steps made). P, M, V are updated in place."""
    k = P.numel() - 1
    rows = torch.empty(n, k + 2, dtype=P.dtype)
    made = 0
    for i in range(n):
        last = i == n - 1
        if not last and i % 4 == 3:  # INTERRUPT_EVERY (TorchScript takes no globals)
            last = bool(interrupt[0] != 0)
        windows = X[i].unfold(1, k, 1)  # (B, positions, k)
        z = (windows * P[:k]).sum(-1) + P[k]
        t = T[i]
        loss = peak_loss(z, t)
        dz = (torch.sigmoid(z) - t) / float(z.numel())
        grad = torch.cat([(windows * dz.unsqueeze(-1)).sum(1).sum(0), dz.sum().view(1)])
        optimizer_update(P, M, V, grad, first + i + 1, True, hyper)
        rows[i, :k + 1] = P
        rows[i, k + 1] = loss
        made = i + 1
        if last:
            break
    return rows[:made], made


def steps_function():
    """lab_steps compiled (TorchScript: the GIL let go for the whole call), or as Python where TorchScript is
    missing (the same arithmetic)."""
    return script("1-D lab", lab_steps) or lab_steps


class TapHistory:
    """Taps, bias and loss every `stride` steps; when full, every other row goes and the stride doubles."""

    def __init__(self, capacity: int = TAP_POINTS):
        self.capacity = capacity
        self.stride = 1
        self.steps: list[int] = []
        self.rows: list[list[float]] = []  # taps..., bias, loss
        self._arrays: Optional[tuple[int, int, np.ndarray, np.ndarray]] = None  # arrays(): stride, rows, made of

    def due(self, step: int) -> bool:
        return step % self.stride == 0

    def add(self, step: int, taps: list[float], bias: float = 0.0, loss: float = math.nan) -> None:
        if not self.due(step):
            return
        self.steps.append(step)
        self.rows.append([*taps, bias, loss])
        if len(self.steps) >= self.capacity:
            self.steps, self.rows = self.steps[::2], self.rows[::2]
            self.stride *= 2

    def index_at(self, step: int) -> int:
        """Index of the recorded row at or just before `step`."""
        return max(0, int(np.searchsorted(self.steps, step, side="right")) - 1)

    def arrays(self, taps: int) -> tuple[np.ndarray, np.ndarray]:
        """(steps (T,), taps (T, k))."""
        cached = self._arrays
        if cached is None or cached[0] != self.stride or cached[1] > len(self.rows):  # thinned: made again
            cached = (self.stride, 0, np.zeros(0, dtype=np.int64), np.zeros((0, taps + 2)))
        stride, made, steps, rows = cached
        if made < len(self.rows):  # only the rows added since (a snapshot a frame: the record holds thousands)
            steps = np.concatenate([steps, np.array(self.steps[made:], dtype=np.int64)])
            rows = np.concatenate([rows, np.array(self.rows[made:], dtype=np.float64).reshape(-1, taps + 2)])
        self._arrays = (stride, len(self.rows), steps, rows)
        return steps.copy(), rows[:, :taps].copy()


class Lab1D:
    """One k-tap filter, its optimizer, its data stream and its record. No Qt, no threads."""

    interruptible = True  # step() ends early on an interrupt (engine/core/experiment.py)
    finished: Optional[str] = None  # it trains until paused

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
        self._params = torch.tensor([*start, 0.0], dtype=torch.float32)  # the taps, then the bias
        self._moments, self._squares = torch.zeros(k + 1), torch.zeros(k + 1)  # Adam's, as torch.optim.Adam's
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
        self.history.add(0, start.tolist(), 0.0)

    def set_hparams(self, **changes) -> None:
        """The learning rate changes live; any other setting starts a new run with it."""
        config = self.config.with_(**changes)
        rebuild = any(name not in LIVE_FIELDS and getattr(self.config, name) != value
                      for name, value in changes.items())
        self.config = config
        if rebuild:
            self.reset()

    def set_image(self, image: np.ndarray, label: int) -> None:
        """Refused: the lab trains on random sequences, not on a digit."""
        raise ValueError("the 1-D lab trains on random sequences, not on a digit")

    def step(self, n: int = 1, interrupt=None) -> int:
        """Train up to n steps, each on a fresh batch of sequences; fewer once `interrupt` is requested (the
        batches not trained on are not drawn: the run is the same however it is cut)."""
        if n <= 0:
            return 0
        config, k = self.config, self.config.taps
        state = self._rng.bit_generator.state
        x = random_sequences(self._rng, n * config.batch, config.length, config.levels).reshape(
            n, config.batch, config.length)
        target = local_peaks(x, k // 2).astype(np.float32)
        rows, made = steps_function()(self._params, self._moments, self._squares, float(self.step_count),
                                      torch.from_numpy(x), torch.from_numpy(target),
                                      [config.lr, 0.9, 0.999, 1e-8, 0.0], n,
                                      NEVER if interrupt is None else interrupt.flag)
        if made < n:  # the batches of the steps not made go back: the next call draws them again
            self._rng.bit_generator.state = state
            random_sequences(self._rng, made * config.batch, config.length, config.levels)
        for i, row in enumerate(rows.tolist()):
            step = self.step_count + i + 1
            if self.history.due(step):
                self.history.add(step, row[:k], row[k], row[k + 1])
        self.step_count += made
        self.loss = float(rows[-1, k + 1])
        return made

    # ----------------------------------------------------------------- reading
    @property
    def taps(self) -> np.ndarray:
        return self._params[:-1].numpy().astype(np.float64)

    @property
    def bias(self) -> float:
        return float(self._params[-1])

    def snapshot(self) -> Lab1DSnapshot:
        tap_steps, tap_history = self.history.arrays(self.config.taps)
        return self._snapshot(self.step_count, self.taps, self.bias, self.loss, tap_steps, tap_history)

    def record_steps(self) -> np.ndarray:
        return np.array(self.history.steps, dtype=np.int64)

    def snapshot_at(self, step: int) -> Lab1DSnapshot:
        """The recorded taps at or before `step`, scored on the held-out sequences as then."""
        k = self.config.taps
        index = self.history.index_at(step)
        row = np.array(self.history.rows[index], dtype=np.float64)
        tap_steps, tap_history = self.history.arrays(k)
        keep = tap_steps <= self.history.steps[index]
        return self._snapshot(self.history.steps[index], row[:k], float(row[k]), float(row[k + 1]),
                              tap_steps[keep], tap_history[keep], historical=True)

    def _snapshot(self, step, taps, bias, loss, tap_steps, tap_history, historical=False) -> Lab1DSnapshot:
        learned_response = response(self._eval, taps, bias)
        learned_peaks = locate(learned_response)
        return Lab1DSnapshot(
            step=step, loss=loss, config=self.config,
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
            diverged=self.diverged, historical=historical,
        )
