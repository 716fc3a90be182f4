"""Stepping with a safety net: when the numbers blow up, land on the last sane state.

A learning rate that is too large makes the loss or the weights overflow to inf or NaN,
and nothing after that means anything. Every engine that trains steps through
`guarded_steps`, which takes n updates, checks them once at the end (checking after
every update would cost more than the update), and if something is not finite goes back
to the state one update before the first poisoned one:

* loss i of a call is computed from the weights after i updates, so the first non-finite
  loss names the first poisoned weights, and the update that made them came from the
  state just before: training resumes from there;
* finite losses but overflowing weights: the last update poisoned them;
* the call's very first loss is bad: the weights it started from were already poisoned
  (a new digit can do that), so the engine goes back one more update, to the state it
  kept from the previous call (`rollback_state`), and forgets that step's record.

The engine describes itself through the `Guarded` protocol; what to tell the learner is
left to it (`Trouble` says where and how it went wrong).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, TypeVar

import numpy as np
import torch


State = TypeVar("State")  # what an engine's save_state() returns and its load_state() takes


class Guarded(Protocol[State]):
    """An engine `guarded_steps` can drive. Losses may be one per run: shape () or (R,)."""

    step_count: int
    rollback_state: Optional[State]  # the state one update before the current one, if known

    def save_state(self) -> State: ...
    def load_state(self, state: State) -> None: ...
    def update(self, index: int, record: bool) -> torch.Tensor: ...  # loss(es) before update index
    def weights_finite(self) -> bool: ...
    def due_frames(self, step: int) -> list: ...  # record frames of `step`, each (step, ...)
    def commit(self, losses: np.ndarray, frames: list) -> None: ...  # (n,) or (n,R) losses
    def forget_last_step(self) -> None: ...


@dataclass(frozen=True)
class Trouble:
    """Where training went wrong: the first bad step, its loss, and which runs (rows) had it."""

    step: int
    loss: Optional[float]  # None: the losses were finite but the weights overflowed
    rows: tuple[int, ...]

    def describe(self) -> str:
        return f"loss {self.loss}" if self.loss is not None else "loss finite but the weights overflowed"


def guarded_steps(engine: Guarded[State], n: int, interrupt=None) -> tuple[int, Optional[Trouble]]:
    """Take n updates, fewer once `interrupt` (engine/core/interrupt.py) is requested: the update after it
    is seen is the last; return (updates kept, None) or, after a rollback, (kept, Trouble)."""
    start = engine.save_state()
    losses, frames = [], []
    before_last: Optional[State] = None
    for i in range(n):
        last = i == n - 1 or (interrupt is not None and interrupt.requested)
        if last:
            before_last = engine.save_state()
        losses.append(engine.update(i, record=last))
        frames += engine.due_frames(engine.step_count + i + 1)
        if last:
            break
    values = torch.stack(losses).cpu().numpy().astype(np.float64)
    if np.isfinite(values).all() and engine.weights_finite():
        engine.commit(values, frames)
        engine.rollback_state = before_last
        return len(values), None
    return recover(engine, start, before_last, values, frames)


def recover(engine: Guarded[State], start: State, before_last: Optional[State], values: np.ndarray,
            frames: list) -> tuple[int, Trouble]:
    """Land on the state one update before the first poisoned one (see the module docstring)."""
    n, begin = len(values), engine.step_count
    rows_finite = np.isfinite(values.reshape(n, -1))
    finite = rows_finite.all(axis=1)
    poisoned = n if finite.all() else int(np.argmin(finite))
    if poisoned == n:
        assert before_last is not None  # every loss finite: the call reached its last update, saved before it
        engine.load_state(before_last)
        kept = n - 1
    elif poisoned > 0:
        engine.load_state(start)
        for i in range(poisoned - 1):
            engine.update(i, record=False)
        kept = poisoned - 1
    else:
        engine.load_state(engine.rollback_state if engine.rollback_state is not None else start)
        kept = 0
        if engine.rollback_state is not None:
            engine.forget_last_step()  # a saved session must not hold a future step
    engine.commit(values[:kept], [f for f in frames if f[0] <= begin + kept])
    engine.rollback_state = None
    if poisoned < n:
        bad_rows = tuple(int(r) for r in np.flatnonzero(~rows_finite[poisoned]))
        loss = float(values.reshape(n, -1)[poisoned][bad_rows[0]])
    else:
        bad_rows, loss = tuple(range(values.reshape(n, -1).shape[1])), None
    return kept, Trouble(step=begin + poisoned + 1, loss=loss, rows=bad_rows)
