"""Runs side by side, each run a chunk of the one-digit fused step (engine/core/chunk.py), in turn.

Where every run is what the chunk function trains (Adam, a 28x28 kernel, the CPU), R runs
stepped as R chunk calls cost what R Trainers in turn cost, and far less than the batched
maths of engine/comparison/maths.py, whose every step pays its per-op overhead once for all
runs but autograd-free eager ops per step still. Each run's chunk works on its own slot of the
stacked tensors and of its group's optimizer state (views: the same memory), so each run is
the very arithmetic of a Trainer's OneExampleLearner, step for step.

A chunk ended early by an interrupt sets the length of the others. Any run whose numbers stop
being finite puts every run back where the call started, and the batched steps (rollback.py's
guarded_steps) take the call again to find the last sane step, as they always did.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.chunk import NEVER, PIXELS, adam_chunk
from filterlab.engine.core.config import IMAGE_SIZE
from filterlab.engine.core.one_example import ChunkPass


def chunkable(comparison) -> bool:
    """Whether every run trains as the chunk function does (Adam, a 28x28 kernel, the CPU)."""
    return (comparison.configs[0].kernel == IMAGE_SIZE and comparison.device.type == "cpu"
            and all(c.optimizer == "adam" for c in comparison.configs) and adam_chunk() is not None)


def chunked_steps(comparison, n: int, interrupt: torch.Tensor) -> Optional[int]:
    """Up to n steps of every run, one chunk call per run; the steps made, or None (nothing changed) when a
    run's numbers were not finite."""
    begin, groups = comparison.step_count, _groups(comparison)
    count = comparison.configs[0].filters
    made, outputs = n, {}
    for slot, run in enumerate(comparison._order):
        group, row = next((g, slot - g["slot"]) for g in groups if g["slot"] <= slot < g["slot"] + g["runs"])
        due = [step - begin - 1 for step in comparison.filter_histories[run].due_steps(begin + 1, begin + made)]
        params = [p[slot] for p in comparison.stacked.params()]
        moments, squares = ([state[name][row] for state in group["states"]] for name in ("exp_avg", "exp_avg_sq"))
        steps = [torch.full((), group["first"], dtype=torch.float32) for _ in params]
        image, label = comparison.digits[run]
        x = torch.from_numpy(image).to(comparison.device).reshape(-1)
        outputs[run] = adam_chunk()(params, moments, squares, steps, x, int(label), group["hyper"], made, due,
                                    interrupt if not outputs else NEVER)
        made = int(outputs[run][11][2])  # the first run may end early: the others take as many steps
    losses = np.stack([outputs[run][0].numpy() for run in comparison._order], axis=1).astype(np.float64)
    if not (np.isfinite(losses).all() and all(bool(out[11][0]) for out in outputs.values())):
        _put(comparison, outputs, groups, 2, comparison.stacked.params(), [g["states"] for g in groups])
        comparison._last = None
        return None  # Adam's steps were the chunks' own: the state is the call's start again
    for group in groups:
        for state in group["states"]:
            state["step"].fill_(group["first"] + made)
    comparison.commit(losses, _frames(outputs, begin, count, comparison))
    comparison.rollback_state = BeforeLast(comparison, outputs, groups, made)
    comparison._last = [ChunkPass(float(outputs[run][0][-1]), outputs[run], count).details()
                        for run in range(comparison.runs)]
    return made


def _groups(comparison) -> list[dict]:
    """Per optimizer (runs of equal settings, neighbours in the stacked tensors): its first slot, its runs,
    Adam's state per parameter (made as fused Adam's first step makes it, if new), its step, its settings."""
    groups, slot = [], 0
    for optimizer, runs in zip(comparison.optimizers, comparison._groups):
        settings = optimizer.param_groups[0]
        states = []
        for param in settings["params"]:
            state = optimizer.state[param]
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float32, device=param.device)
                state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
            states.append(state)
        hyper = [float(settings["lr"]), *map(float, settings["betas"]), float(settings["eps"]),
                 float(settings["weight_decay"])]
        groups.append({"slot": slot, "runs": len(runs), "states": states, "first": float(states[0]["step"]),
                       "hyper": hyper})
        slot += len(runs)
    return groups


def _frames(outputs: dict, begin: int, count: int, comparison) -> list[tuple]:
    """The record frames the chunks made: (step, run, filters, head), as Comparison.due_frames gives them."""
    frames = []
    for run, result in outputs.items():
        recorded = result[1].numpy()
        steps = comparison.filter_histories[run].due_steps(begin + 1, begin + int(result[11][2]))
        frames += [(step, run, recorded[j, :count * PIXELS].reshape(count, IMAGE_SIZE, IMAGE_SIZE).copy(),
                    recorded[j, count * PIXELS:].copy()) for j, step in enumerate(steps[:len(recorded)])]
    return sorted(frames, key=lambda frame: frame[0])


class BeforeLast:
    """Comparison.save_state() as it was before the last step of a chunked call, made when a rollback reads it
    (rarely): each run's chunk kept that state (3, L), and every element of the state is written from it."""

    def __init__(self, comparison, outputs: dict, groups: list[dict], made: int):
        self._args, self._pair = (comparison, outputs, groups, made), None

    def pair(self) -> tuple[list, list]:
        if self._pair is None:
            comparison, outputs, groups, made = self._args
            params, optimizer_states = comparison.save_state()  # copies of the right shapes, all overwritten
            states = [[optimizer_states[i]["state"][k] for k in range(len(params))] for i in range(len(groups))]
            _put(comparison, outputs, groups, 3, params, states)
            for group_states, group in zip(states, groups):
                for state in group_states:
                    state["step"].fill_(group["first"] + made - 1)
            self._pair = (params, optimizer_states)
        return self._pair

    def __iter__(self):
        return iter(self.pair())

    def __getitem__(self, index: int):
        return self.pair()[index]


def _put(comparison, outputs: dict, groups: list[dict], which: int, params, states: list) -> None:
    """Every run's flat state number `which` of its chunk's outputs (2: the start, 3: before the last step)
    into `params` (stacked, slot rows) and `states` (per group, per parameter: Adam's moments, group rows)."""
    for group, group_states in zip(groups, states):
        for row in range(group["runs"]):
            slot = group["slot"] + row
            flat, offset = outputs[comparison._order[slot]][which], 0
            for param, state in zip(params, group_states):
                size = param[slot].numel()
                param[slot].view(-1).copy_(flat[0, offset:offset + size])
                state["exp_avg"][row].view(-1).copy_(flat[1, offset:offset + size])
                state["exp_avg_sq"][row].view(-1).copy_(flat[2, offset:offset + size])
                offset += size
