"""A set run's steps with a small kernel (k < 28), in one call: the model taken as the one linear map it is.

The model has no nonlinearity between the convolution and the output layer, so for a
minibatch X (B, 784) the logits are X E^T + e, with E_c = sum over filters f of A_cf
(the output weights of filter f's s x s map, s = 29 - k) convolved in full with W_f (k x k),
and e_c = sum_f (sum of A_cf) b_f + c_c. Backward, every gradient goes through G = dL/dlogits^T X
(10 x 784), the minibatch summed into ten pictures:

    dL/dA_cf = G_c correlated with W_f (s x s) + (sum_b dL/dlogit_bc) b_f
    dL/dW_f  = sum_c G_c correlated with A_cf (k x k)
    dL/db_f  = sum_c (sum of A_cf) (sum_b dL/dlogit_bc),   dL/dc = sum_b dL/dlogits

So a step costs three small convolutions of ten pictures and two products with the minibatch,
however many digits it has, where Conv2d's forward and backward over 64 digits at 5x5 took
~80% of the eager step (2.6-4 ms). The same numbers as the eager autograd step to float
rounding (tests/engine/core/test_minibatch.py holds them to it), Adam as engine/core/chunk.py
does it, in one TorchScript call with the GIL released; the last step of a call also makes
the feature maps and their gradients (B, F, s, s) for the views, and dL/dx of its first example.
"""
from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F
from torch import Tensor

from filterlab.engine.core import chunk  # its Adam update, state unpacking and compiling: the chunks' one Adam

SIDE = 28  # written as 28 in the compiled functions: TorchScript takes no globals


def _conv_views(P: Tensor, count: int, kernel: int) -> List[Tensor]:
    """W (F, 1, k, k), b (F,), A (10, F, s, s), c (10,): views into the flat parameters P (the model's order)."""
    side = 28 - kernel + 1
    weights = count * kernel * kernel
    heads = 10 * count * side * side
    return [P[:weights].view(count, 1, kernel, kernel), P[weights:weights + count],
            P[weights + count:weights + count + heads].view(10, count, side, side), P[weights + count + heads:]]


def _conv_gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, X: Tensor, Y: Tensor) -> List[Tensor]:
    """[mean loss, flat dL/dparams (the order of P), log-probabilities (B, 10), dL/dlogits (B, 10)]."""
    kernel = W.shape[-1]
    E = F.conv2d(A, W.flip([2, 3]).transpose(0, 1), padding=kernel - 1).view(10, 784)
    sums = A.sum([2, 3])                                   # (10, F)
    log_probs = torch.log_softmax(torch.addmm(torch.mv(sums, b) + c, X, E.t()), 1)
    dlogits = log_probs.exp()
    picked = Y.view(-1, 1)
    dlogits.scatter_add_(1, picked, torch.full(picked.shape, -1.0, dtype=dlogits.dtype))
    dlogits.div_(float(X.shape[0]))
    dc = dlogits.sum(0)
    G = torch.mm(dlogits.t(), X).view(10, 1, 28, 28)
    dA = F.conv2d(G, W) + dc.view(10, 1, 1, 1) * b.view(1, -1, 1, 1)
    dW = F.conv2d(G.view(1, 10, 28, 28), A.transpose(0, 1))
    grad = torch.cat([dW.reshape(-1), torch.mv(sums.t(), dc), dA.reshape(-1), dc])
    return [-log_probs.gather(1, picked).mean(), grad, log_probs, dlogits]


def _adam_small_kernel_chunk(params: List[Tensor], moments: List[Tensor], squares: List[Tensor],
                             steps: List[Tensor], X: Tensor, Y: Tensor, row: int, batch: int, hyper: List[float],
                             n: int, due: List[int], interrupt: Tensor) -> List[Tensor]:
    """engine/core/chunk.py's _adam_batch_chunk for a kernel smaller than the image: the same returns (losses,
    frames, the state at the start and before the last step, the final flat parameters, then the last step's
    log-probabilities, feature maps z (B, F, s, s), dL/dz, dL/dx of its first example (1, 1, 28, 28), the flat
    gradient and the filters' update, and (all finite, Adam's step at the start, steps made))."""
    count, kernel = params[0].shape[0], params[0].shape[-1]
    weights = params[0].numel()
    state = torch.stack([torch.cat([p.reshape(-1) for p in params]), torch.cat([m.reshape(-1) for m in moments]),
                         torch.cat([v.reshape(-1) for v in squares])])
    start = state.clone()
    P, M, V = state[0], state[1], state[2]
    first = float(steps[0].item())
    losses = torch.empty(n, dtype=P.dtype, device=P.device)
    frames = torch.empty(len(due), P.numel(), dtype=P.dtype, device=P.device)
    before, shown, grad = start, [P[:0]], P[:0]
    recorded = 0
    W, b, A, c = _conv_views(P, count, kernel)
    made = 0
    for i in range(n):
        last = i == n - 1
        if not last and i % 4 == 3:  # chunk.INTERRUPT_EVERY (TorchScript takes no globals)
            last = bool(interrupt[0] != 0)
        if last:
            before = state.clone()
        begin = row + i * batch
        x, y = X[begin:begin + batch], Y[begin:begin + batch]
        result = _conv_gradient(W, b, A, c, x, y)
        losses[i] = result[0]
        if last:
            grad = result[1].clone()
            maps = F.conv2d(x.view(-1, 1, 28, 28), W, b)
            dmaps = torch.mm(result[3], A.view(10, -1)).view(maps.shape)
            shown = [result[2], maps, dmaps, F.conv_transpose2d(dmaps[:1], W)]
        chunk._adam(P, M, V, result[1], first + i + 1, hyper)
        if recorded < len(due) and due[recorded] == i:
            frames[recorded].copy_(P)
            recorded += 1
        made = i + 1
        if last:
            break
    chunk._unflatten(state, params, moments, squares, steps, first + made)
    update = P[:weights] - before[0][:weights]
    status = torch.zeros(3, dtype=torch.float64)
    status[0] = torch.isfinite(P).all()
    status[1] = first
    status[2] = made
    return [losses[:made], frames[:recorded], start, before, P] + shown + [grad, update, status]


def adam_small_kernel_chunk():
    """The compiled function, or None where TorchScript is missing or fails (the eager step serves)."""
    return chunk._script("adam_small_kernel", _adam_small_kernel_chunk)


_warm: list = []  # [True] once warmed up in this process


def warm_up_small_kernels() -> None:
    """Compile it and run it twice on a one-filter 5x5 model (TorchScript optimises after its first calls):
    on the thread that builds the run, not on its first steps. Once per process."""
    function = adam_small_kernel_chunk()
    if function is None or _warm:
        return
    params = [torch.zeros(1, 1, 5, 5), torch.zeros(1), torch.zeros(10, 24 * 24), torch.zeros(10)]
    for _ in range(2):
        state = [[torch.zeros_like(p) for p in params] for _ in range(2)] + [[torch.zeros(()) for _ in params]]
        function(params, *state, torch.zeros(4, SIDE * SIDE), torch.zeros(4, dtype=torch.int64), 0, 2,
                 [1e-3, 0.9, 0.999, 1e-8, 0.0], 2, [1], chunk.NEVER)
    _warm.append(True)
