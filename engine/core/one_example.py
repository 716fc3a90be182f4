"""A Learner that trains on one example, a whole chunk of steps per call where it can.

The one-digit Trainer's learner (engine/digit/trainer.py). Where the chunk function of
engine/core/chunk.py applies (a 28x28 kernel, Adam, the CPU), `step(n)` is one call to
it, guarded as every engine's steps are (engine/core/rollback.py: checked once at the
end, a divergence rolled back to the state before the first poisoned step), and the last
step's details, the filters and the output weights come back with it: a snapshot then
makes no torch call either. Anything else is a plain Learner's eager step.
"""
from __future__ import annotations

import copy
import math
from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.chunk import PIXELS, adam_chunk
from filterlab.engine.core.config import IMAGE_SIZE
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.core.learner import Learner
from filterlab.engine.core.parameters import PARAMETERS
from filterlab.engine.core.passes import details_of
from filterlab.engine.core.rollback import Trouble, recover
from filterlab.engine.core.snapshot import StepDetails

NOBODY = Interrupt()  # the interrupt of a caller that never interrupts


class FlatState:
    """A state the chunk kept flat, (3, L): the parameters and Adam's two moments, at Adam step `step`.

    It unpacks as Learner.save_state's (model state_dict, optimizer state_dict) pair, built
    only when a rollback or a session asks: most are never used.
    """

    def __init__(self, flat: torch.Tensor, step: float, shapes: list, optimizer: torch.optim.Optimizer):
        self.flat, self.step, self._shapes, self._optimizer = flat, step, shapes, optimizer
        self._pair: Optional[tuple[dict, dict]] = None

    def pair(self) -> tuple[dict, dict]:
        if self._pair is None:
            model, state, offset = {}, {}, 0
            for index, (name, shape) in enumerate(zip(PARAMETERS, self._shapes)):
                size = math.prod(shape)
                weights, moment, square = (self.flat[row, offset:offset + size].view(shape) for row in range(3))
                model[name] = weights
                state[index] = {"step": torch.tensor(self.step, dtype=torch.float32, device=self.flat.device),
                                "exp_avg": moment, "exp_avg_sq": square}
                offset += size
            groups = copy.deepcopy(self._optimizer.state_dict()["param_groups"])
            self._pair = (model, {"state": state, "param_groups": groups})
        return self._pair

    def __iter__(self):
        return iter(self.pair())

    def __getitem__(self, index: int):
        return self.pair()[index]


class ChunkPass:
    """The last step of a chunk, as the chunk function returned it; turned into numpy when a view asks."""

    def __init__(self, loss: float, outputs: list, count: int):
        self.loss, self._outputs, self._count = loss, outputs, count

    def details(self) -> StepDetails:
        log_probs, z, dl_dz, input_grad, grad, update = (t.numpy() for t in self._outputs[5:11])
        count, k = self._count, IMAGE_SIZE
        return StepDetails(loss=self.loss, probs=np.exp(log_probs), z=z.reshape(count, 1, 1).copy(),
                           dl_dz=dl_dz.reshape(count, 1, 1).copy(), input_grad=input_grad.reshape(k, k),
                           grads=grad.reshape(count, k, k), update=update.reshape(count, k, k))

    def filters(self) -> np.ndarray:
        return self._outputs[4].numpy()[:self._count * PIXELS].reshape(self._count, IMAGE_SIZE, IMAGE_SIZE).copy()

    def fc_weight(self) -> np.ndarray:
        start = self._count * (PIXELS + 1)
        return self._outputs[4].numpy()[start:start + 10 * self._count].reshape(10, self._count).copy()


class OneExampleLearner(Learner):
    """A Learner whose batch is always one example (one digit): chunks of steps in one call when it can."""

    _model = None  # the model the cached parameter lists belong to
    _example_of = None  # the batch tensor the cached flat example was made from

    def step(self, n: int = 1, interrupt: Optional[Interrupt] = None) -> int:
        """n steps, fewer if training diverges or `interrupt` is requested meanwhile."""
        if n <= 0 or self.diverged or not self.chunked():
            return super().step(n, interrupt)
        kept, trouble = self._chunk(n, (interrupt or NOBODY).flag)
        if trouble is not None:
            self._diverge(trouble)
        return kept

    def chunked(self) -> bool:
        """Whether steps take the chunk function (engine/core/chunk.py), not the eager step."""
        group = self.optimizer.param_groups[0]
        return (self.config.kernel == IMAGE_SIZE and self.config.optimizer == "adam" and self.device.type == "cpu"
                and not group.get("amsgrad") and not group.get("maximize")
                and not group.get("decoupled_weight_decay") and self._function() is not None)

    def update(self, index: int, record: bool) -> torch.Tensor:
        """One step (a rollback re-runs steps one by one): the chunk's arithmetic, when steps take it."""
        if not self.chunked():
            return super().update(index, record)
        return self._run(1, [], NOBODY.flag, index)[0][0]

    def details(self) -> StepDetails:
        last = self.current_pass()
        return last.details() if isinstance(last, ChunkPass) else details_of(last, self.model)

    def filters(self) -> np.ndarray:
        return self.last.filters() if isinstance(self.last, ChunkPass) else super().filters()

    def fc_weight(self) -> np.ndarray:
        return self.last.fc_weight() if isinstance(self.last, ChunkPass) else super().fc_weight()

    # ---------------------------------------------------------------- internals
    def _chunk(self, n: int, interrupt: torch.Tensor) -> tuple[int, Optional[Trouble]]:
        """Up to n steps in one call, then guarded_steps' check: all finite, or back to the last sane state."""
        begin, n = self.step_count, self._most(n)
        due = [step - begin - 1 for step in self.record.due_steps(begin + 1, begin + n)]
        outputs = self._run(n, due, interrupt)
        losses, frames, start, before, status = (outputs[i] for i in (0, 1, 2, 3, 11))
        finite, first, made = status.tolist()
        n = int(made)
        values = losses.numpy().astype(np.float64)
        count = self.model.conv.out_channels
        recorded = frames.numpy()
        frames = [(begin + i + 1, recorded[j, :count * PIXELS].reshape(count, IMAGE_SIZE, IMAGE_SIZE).copy(),
                   recorded[j, count * PIXELS:].copy()) for j, i in enumerate(due[:len(recorded)])]
        shapes = [p.shape for p in self._params]
        before = FlatState(before, first + n - 1, shapes, self.optimizer)
        if np.isfinite(values).all() and finite:
            self.commit(values, frames)
            self.rollback_state = before
            self.last = self._last_pass(float(values[-1]), outputs, count)
            return n, None
        return recover(self, FlatState(start, first, shapes, self.optimizer), before, values, frames)

    # what a learner on other batches changes (engine/core/minibatch.py)
    def _function(self):
        """The chunk function the steps take (None: the eager step)."""
        return adam_chunk()

    def _most(self, n: int) -> int:
        """The steps one chunk may take of the n asked."""
        return n

    def _last_pass(self, loss: float, outputs: list, count: int):
        return ChunkPass(loss, outputs, count)

    def _run(self, n: int, due: list, interrupt: torch.Tensor, offset: int = 0) -> list:
        """The chunk function on n steps from step step_count + offset."""
        params, moments, squares, steps = self._tensors()
        x, label = self._example()
        return adam_chunk()(params, moments, squares, steps, x, label, self._hyper(), n, due, interrupt)

    def _hyper(self) -> list[float]:
        group = self.optimizer.param_groups[0]
        return [float(group["lr"]), *map(float, group["betas"]), float(group["eps"]), float(group["weight_decay"])]

    def _tensors(self) -> tuple[list, list, list, list]:
        """The parameters (detached: the same memory) and Adam's state, made as torch makes it if new."""
        if self._model is not self.model:
            self._model, self._params = self.model, list(self.model.parameters())
            self._data = [p.detach() for p in self._params]
        states = [self.optimizer.state[p] for p in self._params]
        for param, state in zip(self._params, states):
            if not state:  # as torch.optim.Adam's first step makes it (fused: a float32 step on the device)
                state["step"] = torch.zeros((), dtype=torch.float32, device=param.device)
                state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        return (self._data, [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states],
                [s["step"] for s in states])

    def _example(self) -> tuple[torch.Tensor, int]:
        x, y = self.batch(self.step_count)
        if self._example_of is not x:
            self._example_of, self._flat_example = x, (x.reshape(-1), int(y[0]))
        return self._flat_example
