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

import torch
import torch.nn.functional as F

from filterlab.engine.core.chunk import Chunk, batch_chunk, conv_batch_details
from filterlab.engine.core.config import IMAGE_SIZE, Config
from filterlab.engine.core.learner import Batch
from filterlab.engine.core.one_example import OneExampleLearner
from filterlab.engine.core.optimizers import chunk_settings, take_step
from filterlab.engine.core.passes import Pass, details_of
from filterlab.engine.core.snapshot import StepDetails

# rows(step) -> (X (N, pixels), Y (N,), the row where the batch of update step + 1 starts, batch size,
# the steps left in X from that step on, that one included)
Rows = Callable[[int], tuple[torch.Tensor, torch.Tensor, int, int, int]]


class MinibatchLearner(OneExampleLearner):
    """A Learner whose batches are consecutive rows of a shuffled epoch (`rows`)."""

    def __init__(self, config: Config, batch: Batch, rows: Rows, on_forget: Optional[Callable[[int], None]] = None):
        self.rows = rows
        super().__init__(config, batch, on_forget)

    def _fits(self) -> bool:
        """The minibatch chunk trains any kernel (a small one as the one linear map the model is)."""
        return batch_chunk() is not None

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

    def _run(self, n: int, due: list, interrupt: torch.Tensor, offset: int = 0) -> Chunk:
        params, moments, squares, steps = self._tensors()
        X, Y, row, size, _ = self.rows(self.step_count + offset)
        adam, hyper = chunk_settings(self.optimizer)
        return batch_chunk()(params, moments, squares, steps, X, Y, row, size, adam, hyper, n, due, interrupt)

    # the last step's pass: a small kernel's is made when first read (conv_batch_details), most chunks' never are;
    # _pending(True) makes it for the first example only (what a snapshot reads)
    _last: Optional[Pass] = None
    _pending: Optional[Callable[[bool], Pass]] = None

    @property
    def last(self) -> Optional[Pass]:
        if self._pending is not None:
            self._last, self._pending = self._pending(False), None
        return self._last

    @last.setter
    def last(self, value: Optional[Pass]) -> None:
        self._last, self._pending = value, None

    def details(self) -> StepDetails:
        if self._pending is not None:  # a snapshot: the first example's maps, not the whole batch's
            return details_of(self._pending(True), self.model)
        return super().details()

    def _chunk_pass(self) -> None:
        """Never: this learner keeps Passes (and reading self.last would make a pending one)."""
        return None

    def _keep_last(self, loss: float, chunk: Chunk, count: int) -> None:
        """The last step as forward_backward keeps it, its gradient put where the eager step leaves it."""
        x, y = self.batch(self.step_count - 1)
        self._put_gradient(chunk.grad)
        k = self.config.kernel
        update = chunk.update.view(count, k, k)
        if k == IMAGE_SIZE:
            side = (count, 1, 1)
            self.last = Pass(loss, chunk.log_probs, chunk.z.view(-1, *side), chunk.dl_dz.view(-1, *side),
                             chunk.input_grad.view(-1, 1, IMAGE_SIZE, IMAGE_SIZE), update, x, y)
            return

        def made(first_only: bool) -> Pass:  # the maps and their gradient (B, F, s, s), dL/dx of the first example
            rows = slice(0, 1) if first_only else slice(None)
            details = conv_batch_details(chunk.before[0], count, k, x[rows], chunk.log_probs[rows], y[rows], len(y))
            return Pass(loss, chunk.log_probs[rows], *details, update, x[rows], y[rows])
        self.last = None
        self._pending = made

    def _put_gradient(self, grad: torch.Tensor) -> None:
        """The flat gradient of the last step into the parameters' .grad, as the eager step leaves it."""
        offset = 0
        for param in self._params:
            size = param.numel()
            if param.grad is None:
                param.grad = torch.empty_like(param)
            param.grad.view(-1).copy_(grad[offset:offset + size])
            offset += size
