"""A Learner that trains on one example, a whole chunk of steps per call.

The one-digit Trainer's learner (engine/digit/trainer.py). Where the chunk function of
engine/core/chunk.py applies (Adam or SGD as chunk_trains has them, any kernel, the CPU,
a model small enough that the chunk is the faster: chunk.worth_it),
`step(n)` is one call to it, guarded as every engine's steps are (engine/core/rollback.py:
checked once at the end, a divergence rolled back to the state before the first poisoned
step), and the last step's details, the filters and the output weights come back with it:
a snapshot then makes no torch call either. Anything else takes the reference step, a plain
Learner's (autograd and torch.optim), also in interruptible chunks.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Optional

import numpy as np
import torch

from filterlab.engine.core.chunk import Chunk, patches, steps_function, worth_it
from filterlab.engine.core.config import IMAGE_SIZE
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.core.learner import Learner
from filterlab.engine.core.optimizers import chunk_settings, chunk_slots, chunk_trains, slots_of
from filterlab.engine.core.parameters import PARAMETERS
from filterlab.engine.core.passes import details_of
from filterlab.engine.core.rollback import Trouble, recover
from filterlab.engine.core.snapshot import StepDetails

NOBODY = Interrupt()  # the interrupt of a caller that never interrupts


class FlatState:
    """A state the chunk kept flat, (3, L): the parameters and the optimizer's two slots, at step `step`.

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
                slots = slots_of(self._optimizer, moment, square, self.step)
                if slots:
                    state[index] = slots
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

    def __init__(self, loss: float, chunk: Chunk, count: int, kernel: int):
        self.loss, self._chunk, self._count, self._kernel = loss, chunk, count, kernel

    def details(self) -> StepDetails:
        chunk, count, k = self._chunk, self._count, self._kernel
        side = IMAGE_SIZE - k + 1
        return StepDetails(loss=self.loss, probs=np.exp(chunk.log_probs.numpy()),
                           z=chunk.z.numpy().reshape(count, side, side).copy(),
                           dl_dz=chunk.dl_dz.numpy().reshape(count, side, side).copy(),
                           input_grad=chunk.input_grad.numpy().reshape(IMAGE_SIZE, IMAGE_SIZE),
                           grads=chunk.grad.numpy().reshape(count, k, k), update=chunk.update.numpy().reshape(count, k, k))

    def filters(self) -> np.ndarray:
        k = self._kernel
        return self._chunk.params.numpy()[:self._count * k * k].reshape(self._count, k, k).copy()

    def fc_weight(self) -> np.ndarray:
        count, k = self._count, self._kernel
        start = count * (k * k + 1)
        head = self._chunk.params.numpy()[start:start + 10 * count * (IMAGE_SIZE - k + 1) ** 2]
        return head.reshape(10, -1).copy()


def split_frame(flat: np.ndarray, count: int, kernel: int) -> tuple[np.ndarray, np.ndarray]:
    """A frame the chunk recorded (flat parameters) as the record keeps it: (filters (F,k,k), head)."""
    weights = count * kernel * kernel
    return flat[:weights].reshape(count, kernel, kernel).copy(), flat[weights:].copy()


class OneExampleLearner(Learner):
    """A Learner whose batch is always one example (one digit): chunks of steps in one call when it can."""

    _model = None  # the model the cached parameter lists belong to
    _example_of = None  # the batch tensor the cached example patches were made from

    def step(self, n: int = 1, interrupt: Optional[Interrupt] = None) -> int:
        """n steps, fewer if training diverges or `interrupt` is requested meanwhile."""
        if n <= 0 or self.diverged or not self.chunked():
            return super().step(n, interrupt)
        kept, trouble = self._chunk(n, (interrupt or NOBODY).flag)
        if trouble is not None:
            self._diverge(trouble)
        return kept

    def chunked(self) -> bool:
        """Whether steps take the chunk function (engine/core/chunk.py), not the reference step."""
        return self.device.type == "cpu" and chunk_trains(self.optimizer) and self._fits() \
            and worth_it(sum(p.numel() for p in self.model.parameters()))

    def update(self, index: int, record: bool) -> torch.Tensor:
        """One step (a rollback re-runs steps one by one): the chunk's arithmetic, when steps take it."""
        if not self.chunked():
            return super().update(index, record)
        return self._run(1, [], NOBODY.flag, index).losses[0]

    def details(self) -> StepDetails:
        last = self.current_pass()
        return last.details() if isinstance(last, ChunkPass) else details_of(last, self.model)

    def filters(self) -> np.ndarray:
        last = self._chunk_pass()
        return last.filters() if last is not None else super().filters()

    def fc_weight(self) -> np.ndarray:
        last = self._chunk_pass()
        return last.fc_weight() if last is not None else super().fc_weight()

    def _chunk_pass(self) -> Optional[ChunkPass]:
        """The last step as its chunk returned it, if that is what self.last holds."""
        return self.last if isinstance(self.last, ChunkPass) else None

    # ---------------------------------------------------------------- internals
    def _chunk(self, n: int, interrupt: torch.Tensor) -> tuple[int, Optional[Trouble]]:
        """Up to n steps in one call, then guarded_steps' check: all finite, or back to the last sane state."""
        begin, n = self.step_count, self._most(n)
        due = [step - begin - 1 for step in self.record.due_steps(begin + 1, begin + n)]
        chunk = self._run(n, due, interrupt)
        n, values = chunk.made, chunk.losses.numpy().astype(np.float64)
        count, kernel = self.config.filters, self.config.kernel
        recorded = chunk.frames.numpy()
        frames = [(begin + i + 1, *split_frame(recorded[j], count, kernel)) for j, i in enumerate(due[:len(recorded)])]
        shapes = [p.shape for p in self._params]
        before = FlatState(chunk.before, chunk.first + n - 1, shapes, self.optimizer)
        if np.isfinite(values).all() and chunk.finite:
            self.commit(values, frames)
            self.rollback_state = before
            self._keep_last(float(values[-1]), chunk, count)
            return n, None
        return recover(self, FlatState(chunk.start, chunk.first, shapes, self.optimizer), before, values, frames)

    # what a learner on other batches changes (engine/core/minibatch.py)
    def _fits(self) -> bool:
        """Whether this learner's chunk function trains its config (the one-example one: any kernel)."""
        return True

    def _most(self, n: int) -> int:
        """The steps one chunk may take of the n asked."""
        return n

    def _keep_last(self, loss: float, chunk: Chunk, count: int) -> None:
        """The chunk's last step as the views read it (self.last: a ChunkPass where the Learner keeps a Pass; this
        learner's details, filters and fc_weight tell the two apart)."""
        last: Any = ChunkPass(loss, chunk, count, self.config.kernel)
        self.last = last

    def _run(self, n: int, due: list, interrupt: torch.Tensor, offset: int = 0) -> Chunk:
        """The chunk function on n steps from step step_count + offset."""
        params, moments, squares, steps = self._tensors()
        X, label = self._example()
        adam, settings = chunk_settings(self.optimizer)
        return steps_function()(params, moments, squares, steps, X, label, adam, settings, n, due, interrupt)

    def _hyper(self) -> list[float]:
        return chunk_settings(self.optimizer)[1]

    def _tensors(self) -> tuple[list, list, list, list]:
        """The parameters (detached: the same memory) and the optimizer's state (chunk_slots)."""
        if self._model is not self.model:
            self._model, self._params = self.model, list(self.model.parameters())
            self._data = [p.detach() for p in self._params]
        return (self._data, *chunk_slots(self.optimizer, self._params))

    def _example(self) -> tuple[torch.Tensor, int]:
        """The example of the next step as the chunk takes it: its (S, K) patches and its label."""
        x, y = self.batch(self.step_count)
        if self._example_of is not x:
            self._example_of, self._flat_example = x, (patches(x, self.config.kernel), int(y[0]))
        return self._flat_example
