"""Runs side by side in one chunk call (engine/core/chunk.py's _stacked_runs): every run in one set of batched ops.

Where every run is what the chunk function trains (Adam or SGD, any kernel, the CPU), a step
of R runs is one set of ops over the stacked tensors, each run its own row: its weights, its
example, its optimizer group's settings and state. A step of this model costs its ops'
dispatch, not its arithmetic, so four runs of the default model train ~2.2x as fast as four
Trainers taking turns (bench.comparison), and each run is its Trainer's OneExampleLearner
step for step, to float32's rounding (a batched product may add its terms in another order:
tests/engine/comparison/test_chunked.py holds every field of every run to its Trainer's).
The runs' rows are views of the same memory as the stacked tensors and the optimizers' state.

An interrupt ends every run at the same step. Any run whose numbers stop being finite puts
every run back where the call started, and the batched steps (rollback.py's guarded_steps)
take the call again to find the last sane step, as they always did.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.chunk import Chunk, runs_function, worth_it
from filterlab.engine.core.one_example import ChunkPass, split_frame
from filterlab.engine.core.optimizers import chunk_settings, chunk_slots, chunk_trains


def chunkable(comparison) -> bool:
    """Whether every run trains as the chunk function does (Adam or SGD as chunk_trains has them, the CPU, a
    model the chunk trains faster: as a Trainer's OneExampleLearner.chunked)."""
    return comparison.device.type == "cpu" and all(chunk_trains(o) for o in comparison.optimizers) \
        and worth_it(sum(p[0].numel() for p in comparison.stacked.params()))


def chunked_steps(comparison, n: int, interrupt: torch.Tensor) -> Optional[int]:
    """Up to n steps of every run, in one chunk call (runs_function: every run in one set of batched ops a step);
    the steps made, or None (nothing changed) when a run's numbers were not finite."""
    begin, groups = comparison.step_count, _groups(comparison)
    count, kernel = comparison.configs[0].filters, comparison.configs[0].kernel
    due = {run: comparison.records[run].due_steps(begin + 1, begin + n) for run in comparison._order}
    every = sorted({step for steps in due.values() for step in steps})  # any run's due steps: each keeps its own
    digit, runs = comparison.digit, comparison.runs  # the digits cut into patches once (Comparison._cut_digits)
    X, labels = digit.patches.expand(runs, -1, -1).contiguous(), digit.labels.expand(runs).contiguous()
    made_chunks = runs_function()(list(comparison.stacked.params()), [g["moments"] for g in groups],
                                  [g["squares"] for g in groups], [g["first"] for g in groups], X, labels,
                                  [g["runs"] for g in groups], [g["adam"] for g in groups],
                                  [g["hyper"] for g in groups], n, [step - begin - 1 for step in every], interrupt)
    chunks: dict[int, Chunk] = dict(zip(comparison._order, made_chunks))
    made = made_chunks[0].made
    losses = np.stack([chunks[run].losses.numpy() for run in comparison._order], axis=1).astype(np.float64)
    if not (np.isfinite(losses).all() and made_chunks[0].finite):
        _put(comparison, chunks, groups, "start", comparison.stacked.params(), [g for g in groups])
        comparison._last = None
        return None  # the optimizer's steps were the chunk's own: the state is the call's start again
    for group in groups:
        for step in group["steps"]:
            step.fill_(group["first"] + made)
    comparison.commit(losses, _frames(chunks, every, due, count, kernel))
    comparison.rollback_state = BeforeLast(comparison, chunks, groups, made)
    # the last step's details as numpy only when a snapshot asks (most calls make none), as a Trainer's
    comparison._last = lambda: [ChunkPass(float(chunks[run].losses[-1]), chunks[run], count, kernel).details()
                                for run in range(comparison.runs)]
    return made


def _groups(comparison) -> list[dict]:
    """Per optimizer (runs of equal settings, neighbours in the stacked tensors): its first slot, its runs,
    its state tensors per parameter (chunk_slots: rows are its runs), its step, its settings."""
    groups, slot = [], 0
    for optimizer, runs in zip(comparison.optimizers, comparison._groups):
        moments, squares, steps = chunk_slots(optimizer, optimizer.param_groups[0]["params"])
        adam, hyper = chunk_settings(optimizer)
        groups.append({"slot": slot, "runs": len(runs), "moments": moments, "squares": squares, "steps": steps,
                       "first": float(steps[0]), "adam": adam, "hyper": hyper})
        slot += len(runs)
    return groups


def _frames(chunks: dict, every: list[int], due: dict, count: int, kernel: int) -> list[tuple]:
    """The record frames the chunk made: (step, run, filters, head), as Comparison.due_frames gives them. The chunk
    kept a frame of every run at any run's due step (`every`); each run's record takes its own (`due`)."""
    frames = []
    for run, chunk in chunks.items():
        recorded, own = chunk.frames.numpy(), set(due[run])
        frames += [(step, run, *split_frame(recorded[j], count, kernel))
                   for j, step in enumerate(every[:len(recorded)]) if step in own]
    return sorted(frames, key=lambda frame: frame[0])


class BeforeLast:
    """Comparison.save_state() as it was before the last step of a chunked call, made when a rollback reads it
    (rarely): each run's chunk kept that state (3, L), and every element of the state is written from it."""

    def __init__(self, comparison, chunks: dict, groups: list[dict], made: int):
        self._args = (comparison, chunks, groups, made)
        self._pair: Optional[tuple[list, list]] = None

    def pair(self) -> tuple[list, list]:
        if self._pair is None:
            comparison, chunks, groups, made = self._args
            params, optimizer_states = comparison.save_state()  # copies of the right shapes, all overwritten
            targets = [_slots_in(saved["state"], params, group) for saved, group in zip(optimizer_states, groups)]
            _put(comparison, chunks, groups, "before", params, targets)
            for target, group in zip(targets, groups):
                for step in target["steps"]:
                    step.fill_(group["first"] + made - 1)
            self._pair = (params, optimizer_states)
        return self._pair

    def __iter__(self):
        return iter(self.pair())

    def __getitem__(self, index: int):
        return self.pair()[index]


def _slots_in(state: dict, params: list, group: dict) -> dict:
    """A saved optimizer state's tensors as _put writes them (spares where the optimizer keeps no such slot)."""
    def slot(k: int, *names: str) -> torch.Tensor:
        found = [state.get(k, {}).get(name) for name in names]
        return next((t for t in found if t is not None), torch.zeros((group["runs"], *params[k].shape[1:])))
    return {"moments": [slot(k, "exp_avg", "momentum_buffer") for k in range(len(params))],
            "squares": [slot(k, "exp_avg_sq") for k in range(len(params))],
            "steps": [state[k]["step"] for k in range(len(params)) if "step" in state.get(k, {})]}


def _put(comparison, chunks: dict, groups: list[dict], which: str, params, targets: list) -> None:
    """Every run's flat state `which` of its Chunk ("start", or "before" the last step) into `params`
    (stacked, slot rows) and `targets` (per group, the optimizer's slots per parameter, group rows)."""
    for group, target in zip(groups, targets):
        for row in range(group["runs"]):
            slot = group["slot"] + row
            flat, offset = getattr(chunks[comparison._order[slot]], which), 0
            for param, moment, square in zip(params, target["moments"], target["squares"]):
                size = param[slot].numel()
                param[slot].view(-1).copy_(flat[0, offset:offset + size])
                moment[row].view(-1).copy_(flat[1, offset:offset + size])
                square[row].view(-1).copy_(flat[2, offset:offset + size])
                offset += size
