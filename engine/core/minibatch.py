"""A Learner on minibatches (a set run's, engine/digitset): a whole chunk of steps per call where it can.

The same chunked training as the one-digit learner (engine/core/one_example.py: one call,
the GIL released, checked once at the end, rolled back as every engine is), on the
minibatch chunk function of engine/core/chunk.py: the batches of a chunk are consecutive
rows of one shuffled epoch, handed over once as a tensor, so no step costs a Python call.
After a chunk the last step is kept as the eager step keeps it (a Pass, the gradient in
the parameters' .grad), so the views and the batch's contributions read it as they did.

The eager step (small kernels, SGD) keeps its last step's Pass without dL/dx of the whole
minibatch: only the first example's is ever shown (a set run shows a test digit's own), and
for 64 digits at 5x5 autograd's dL/dx made the kept step 4-5x a step (16 against 3.9 ms),
so in the window, where each call ends with a kept step, a set run trained 46 steps/s of 300.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.chunk import adam_batch_chunk
from filterlab.engine.core.config import IMAGE_SIZE, Config
from filterlab.engine.core.learner import Batch
from filterlab.engine.core.one_example import OneExampleLearner
from filterlab.engine.core.optimizers import take_step
from filterlab.engine.core.passes import Pass
from filterlab.engine.core.small_kernels import adam_small_kernel_chunk

# rows(step) -> (X (N, pixels), Y (N,), the row where the batch of update step + 1 starts, batch size,
# the steps left in X from that step on, that one included)
Rows = Callable[[int], tuple[torch.Tensor, torch.Tensor, int, int, int]]


class MinibatchLearner(OneExampleLearner):
    """A Learner whose batches are consecutive rows of a shuffled epoch (`rows`)."""

    def __init__(self, config: Config, batch: Batch, rows: Rows, on_forget: Optional[Callable[[int], None]] = None):
        self.rows = rows
        super().__init__(config, batch, on_forget)

    def _function(self):
        return adam_batch_chunk() if self.config.kernel == IMAGE_SIZE else adam_small_kernel_chunk()

    def chunked(self) -> bool:
        """The chunk's conditions (Adam, the CPU), any kernel size: small ones take engine/core/small_kernels.py."""
        if self.config.kernel == IMAGE_SIZE:
            return super().chunked()
        group = self.optimizer.param_groups[0]
        k, side = self.config.kernel, IMAGE_SIZE - self.config.kernel + 1
        row = k * k + 1 + 10 * side * side  # per filter, of a recorded flat row: _chunk needs >= 784 (k <= 25)
        return (row >= IMAGE_SIZE * IMAGE_SIZE and self.config.optimizer == "adam" and self.device.type == "cpu"
                and not group.get("amsgrad")
                and not group.get("maximize") and not group.get("decoupled_weight_decay")
                and self._function() is not None)

    def update(self, index: int, record: bool) -> torch.Tensor:
        """One step; on the eager path a kept step's Pass has dL/dx of its first example only (see above)."""
        if not record or self.chunked():
            return super().update(index, record)
        x, y = self.batch(self.step_count + index)
        self.optimizer.zero_grad()
        model = self.model
        maps = model.feature_maps(x)
        maps.retain_grad()
        log_probs = model.classify(maps)
        loss = F.nll_loss(log_probs, y)
        loss.backward()
        first = F.conv_transpose2d(maps.grad[:1], model.conv.weight.detach())  # (1, 1, 28, 28): dL/dx of x[0]
        before = model.conv.weight.detach().clone()
        take_step(self.optimizer)
        self.last = Pass(loss.item(), log_probs.detach(), maps.detach(), maps.grad, first,
                         (model.conv.weight.detach() - before)[:, 0], x, y)
        return loss.detach()

    def _most(self, n: int) -> int:
        return min(n, self.rows(self.step_count)[4])  # a chunk ends with its epoch

    def _run(self, n: int, due: list, interrupt: torch.Tensor, offset: int = 0) -> list:
        params, moments, squares, steps = self._tensors()
        X, Y, row, size, _ = self.rows(self.step_count + offset)
        return self._function()(params, moments, squares, steps, X, Y, row, size, self._hyper(), n, due, interrupt)

    def _chunk(self, n: int, interrupt: torch.Tensor):
        """OneExampleLearner's chunk; with a small kernel its recorded frames cut at k x k filters, not 28 x 28.

        The base cuts each recorded flat row at F x 784 (engine/core/one_example.py); the row is its filters
        then its head in order, so the two parts it cut are put back together and cut at F x k x k (a hook
        for the cut in one_example.py would make this unnecessary)."""
        if self.config.kernel == IMAGE_SIZE:
            return super()._chunk(n, interrupt)
        self._cut_frames = True
        try:
            return super()._chunk(n, interrupt)
        finally:
            self._cut_frames = False

    _cut_frames = False

    def commit(self, losses, frames: list) -> None:
        if self._cut_frames:
            k, count = self.config.kernel, self.config.filters
            rows = [(step, np.concatenate([filters.reshape(-1), head])) for step, filters, head in frames]
            frames = [(step, row[:count * k * k].reshape(count, k, k).copy(), row[count * k * k:].copy())
                      for step, row in rows]
        super().commit(losses, frames)

    def _last_pass(self, loss: float, outputs: list, count: int) -> Pass:
        """The last step as forward_backward keeps it, its gradient put where the eager step leaves it."""
        log_probs, z, dz, dx, grad, update = outputs[5:11]
        x, y = self.batch(self.step_count - 1)
        if self.config.kernel != IMAGE_SIZE:  # maps (B, F, s, s) and dL/dx of the first example come as kept
            self._put_gradient(grad)
            k = self.config.kernel
            return Pass(loss, log_probs, z, dz, dx, update.view(count, k, k), x, y)
        self._put_gradient(grad)
        side = (count, 1, 1)
        return Pass(loss, log_probs, z.view(-1, *side), dz.view(-1, *side), dx.view(-1, 1, IMAGE_SIZE, IMAGE_SIZE),
                    update.view(count, IMAGE_SIZE, IMAGE_SIZE), x, y)

    def _put_gradient(self, grad: torch.Tensor) -> None:
        """The flat gradient of the last step into the parameters' .grad, as the eager step leaves it."""
        offset = 0
        for param in self._params:
            size = param.numel()
            if param.grad is None:
                param.grad = torch.empty_like(param)
            param.grad.view(-1).copy_(grad[offset:offset + size])
            offset += size
