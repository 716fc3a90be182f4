"""A Learner on minibatches (a set run's, engine/digitset): a whole chunk of steps per call where it can.

The same chunked training as the one-digit learner (engine/core/one_example.py: one call,
the GIL released, checked once at the end, rolled back as every engine is), on the
minibatch chunk function of engine/core/chunk.py: the batches of a chunk are consecutive
rows of one shuffled epoch, handed over once as a tensor, so no step costs a Python call.
After a chunk the last step is kept as the eager step keeps it (a Pass, the gradient in
the parameters' .grad), so the views and the batch's contributions read it as they did.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

from filterlab.engine.core.chunk import Chunk, adam_batch_chunk
from filterlab.engine.core.config import IMAGE_SIZE, Config
from filterlab.engine.core.learner import Batch
from filterlab.engine.core.one_example import OneExampleLearner
from filterlab.engine.core.passes import Pass

# rows(step) -> (X (N, pixels), Y (N,), the row where the batch of update step + 1 starts, batch size,
# the steps left in X from that step on, that one included)
Rows = Callable[[int], tuple[torch.Tensor, torch.Tensor, int, int, int]]


class MinibatchLearner(OneExampleLearner):
    """A Learner whose batches are consecutive rows of a shuffled epoch (`rows`)."""

    def __init__(self, config: Config, batch: Batch, rows: Rows, on_forget: Optional[Callable[[int], None]] = None):
        self.rows = rows
        super().__init__(config, batch, on_forget)

    def _fits(self) -> bool:
        """The minibatch chunk trains Adam on a 28x28 kernel, where TorchScript runs it."""
        return self.config.kernel == IMAGE_SIZE and self.config.optimizer == "adam" and adam_batch_chunk() is not None

    def _most(self, n: int) -> int:
        return min(n, self.rows(self.step_count)[4])  # a chunk ends with its epoch

    def _run(self, n: int, due: list, interrupt: torch.Tensor, offset: int = 0) -> Chunk:
        params, moments, squares, steps = self._tensors()
        X, Y, row, size, _ = self.rows(self.step_count + offset)
        return adam_batch_chunk()(params, moments, squares, steps, X, Y, row, size, self._hyper(), n, due, interrupt)

    def _last_pass(self, loss: float, chunk: Chunk, count: int) -> Pass:
        """The last step as forward_backward keeps it, its gradient put where the eager step leaves it."""
        log_probs, z, dz, dx, grad, update = chunk.log_probs, chunk.z, chunk.dl_dz, chunk.input_grad, chunk.grad, \
            chunk.update
        x, y = self.batch(self.step_count - 1)
        offset = 0
        for param in self._params:
            size = param.numel()
            if param.grad is None:
                param.grad = torch.empty_like(param)
            param.grad.view(-1).copy_(grad[offset:offset + size])
            offset += size
        side = (count, 1, 1)
        return Pass(loss, log_probs, z.view(-1, *side), dz.view(-1, *side), dx.view(-1, 1, IMAGE_SIZE, IMAGE_SIZE),
                    update.view(count, IMAGE_SIZE, IMAGE_SIZE), x, y)
