"""A chunk of training steps in one call: the hot path of the one-digit experiment.

Why: the window draws on one thread while training runs on another, and both need
Python's GIL. Every eager torch call releases the GIL and must win it back, and while the
window's thread runs Python, winning it back takes up to a switch interval: a step made
of ~30 torch calls then lost half its speed to a busy window (README, "Performance"). So
the default experiment (a 28x28 kernel on one digit, Adam, on the CPU) runs its steps
in a TorchScript function that takes n steps in one call, with the GIL released the
whole time, and hands back everything the record and the views need: the losses, the
recorded frames, the state before the last step (rollback), the last step's details.

The step is written out by hand, as the model makes it exact (engine/core/model.py):
z = W x + b, logits = A z + c, dlogits = softmax - onehot, dL/dz = A^T dlogits,
dL/dW = dL/dz x^T, dL/dA = dlogits z^T, then Adam as torch.optim.Adam computes it (L2
weight decay added to the gradient, bias-corrected moments). All parameters and
moments live in one flat vector during the chunk, so the update is six whole-vector
operations instead of six per tensor. Every step is the same arithmetic however the
steps are chunked, so a run is the same bit for bit whether it was trained in one go or
in pieces (a saved and reopened session). A test holds it to the `Conv2d` loop.

Nothing changes for other shapes, optimizers or devices: they take the eager path.
"""
from __future__ import annotations

import warnings
from typing import List

import torch
from torch import Tensor

PIXELS = 28 * 28
INTERRUPT_EVERY = 4  # steps between two reads of the interrupt flag, as _adam_chunk has it written
_compiled: dict = {}


def _views(P: Tensor, count: int, pixels: int) -> List[Tensor]:
    """W (F, pixels), b (F,), A (10, F), c (10,): views into the flat parameters P (the model's order)."""
    weights = count * pixels
    return [P[:weights].view(count, pixels), P[weights:weights + count],
            P[weights + count:weights + 11 * count].view(10, count), P[weights + 11 * count:]]


def _gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, x: Tensor, label: int) -> List[Tensor]:
    """[loss, flat dL/dparams (the order of P), log-probabilities, z, dL/dz] at the weights W, b, A, c."""
    z = torch.addmv(b, W, x)
    log_probs = torch.log_softmax(torch.addmv(c, A, z), 0)
    dlogits = log_probs.exp()
    dlogits[label] -= 1.0
    dz = torch.mv(A.t(), dlogits)
    G = torch.cat([torch.outer(dz, x).view(-1), dz, torch.outer(dlogits, z).view(-1), dlogits])
    return [-log_probs[label], G, log_probs, z, dz]


def _adam(P: Tensor, M: Tensor, V: Tensor, G: Tensor, step: float, hyper: List[float]) -> None:
    """One torch.optim.Adam update (not decoupled weight decay, no amsgrad) of the flat vectors."""
    lr, beta1, beta2, eps, weight_decay = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    if weight_decay != 0.0:
        G.add_(P, alpha=weight_decay)
    M.lerp_(G, 1.0 - beta1)
    V.mul_(beta2).addcmul_(G, G, value=1.0 - beta2)
    correction1 = 1.0 - beta1 ** step
    correction2 = 1.0 - beta2 ** step
    denominator = (V.sqrt() / (correction2 ** 0.5)).add_(eps)
    P.addcdiv_(M, denominator, value=-lr / correction1)


def _unflatten(state: Tensor, params: List[Tensor], moments: List[Tensor], squares: List[Tensor],
               steps: List[Tensor], step: float) -> None:
    """The flat (3, L) state back into the model's parameters and Adam's state tensors."""
    offset = 0
    for k in range(len(params)):
        size = params[k].numel()
        params[k].view(-1).copy_(state[0, offset:offset + size])
        moments[k].view(-1).copy_(state[1, offset:offset + size])
        squares[k].view(-1).copy_(state[2, offset:offset + size])
        steps[k].fill_(step)
        offset += size


def _adam_chunk(params: List[Tensor], moments: List[Tensor], squares: List[Tensor], steps: List[Tensor],
                x: Tensor, label: int, hyper: List[float], n: int, due: List[int], interrupt: Tensor) -> List[Tensor]:
    """Up to n Adam steps, fewer once interrupt[0] is set (engine/core/interrupt.py: it is read every
    INTERRUPT_EVERY steps, and the step after it is seen is the last); returns [losses (steps made,),
    frames (len, L) after the steps in `due` that were made, the state at the start and before the last
    step (3, L) each, the final flat parameters, the last step's log-probabilities, z, dL/dz, dL/dx, dL/dW
    and ΔW, and (all parameters finite, Adam's step at the start, steps made)]."""
    return _adam_steps(params, moments, squares, steps, x, x[:0].long(), label, 0, 0, hyper, n, due, interrupt)


def _adam_batch_chunk(params: List[Tensor], moments: List[Tensor], squares: List[Tensor], steps: List[Tensor],
                      X: Tensor, Y: Tensor, row: int, batch: int, hyper: List[float], n: int, due: List[int],
                      interrupt: Tensor) -> List[Tensor]:
    """_adam_chunk on minibatches: step i trains on rows row + i*batch .. + batch of X (N, pixels) and Y (N,)
    (the last may be shorter: the end of an epoch). Returns what _adam_chunk does, but the whole flat
    gradient, and the last step's log-probabilities, z, dL/dz and dL/dx per example of its minibatch."""
    return _adam_steps(params, moments, squares, steps, X, Y, -1, row, batch, hyper, n, due, interrupt)


def _adam_steps(params: List[Tensor], moments: List[Tensor], squares: List[Tensor], steps: List[Tensor],
                X: Tensor, Y: Tensor, label: int, row: int, batch: int, hyper: List[float], n: int, due: List[int],
                interrupt: Tensor) -> List[Tensor]:
    """The steps of either: one example x = X, `label` (batch 0), or minibatches of X, Y (batch > 0)."""
    count, weights = params[1].numel(), params[0].numel()
    state = torch.stack([torch.cat([p.reshape(-1) for p in params]), torch.cat([m.reshape(-1) for m in moments]),
                         torch.cat([v.reshape(-1) for v in squares])])
    start = state.clone()
    P, M, V = state[0], state[1], state[2]
    first = float(steps[0].item())
    losses = torch.empty(n, dtype=P.dtype, device=P.device)
    frames = torch.empty(len(due), P.numel(), dtype=P.dtype, device=P.device)
    before, shown, grad = start, [P[:0]], P[:0]
    recorded = 0
    W, b, A, c = _views(P, count, X.shape[-1])
    made = 0
    for i in range(n):
        last = i == n - 1
        if not last and i % 4 == 3:  # INTERRUPT_EVERY (TorchScript takes no globals); a read: ~1 µs
            last = bool(interrupt[0] != 0)
        if last:
            before = state.clone()
        if batch == 0:
            result = _gradient(W, b, A, c, X, label)
        else:
            begin = row + i * batch
            result = _batch_gradient(W, b, A, c, X[begin:begin + batch], Y[begin:begin + batch])
        losses[i] = result[0]
        if last and batch == 0:
            grad = result[1][:weights].clone()
            shown = [result[2], result[3], result[4], torch.mv(W.t(), result[4])]
        elif last:
            grad = result[1].clone()
            shown = [result[2], result[3], result[4], torch.mm(result[4], W)]
        _adam(P, M, V, result[1], first + i + 1, hyper)
        if recorded < len(due) and due[recorded] == i:
            frames[recorded].copy_(P)
            recorded += 1
        made = i + 1
        if last:
            break
    _unflatten(state, params, moments, squares, steps, first + made)
    update = P[:weights] - before[0][:weights]
    status = torch.zeros(3, dtype=torch.float64)
    status[0] = torch.isfinite(P).all()
    status[1] = first
    status[2] = made
    return [losses[:made], frames[:recorded], start, before, P] + shown + [grad, update, status]


def _batch_gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, X: Tensor, Y: Tensor) -> List[Tensor]:
    """_gradient for a minibatch X (B, pixels), Y (B,): the mean loss, its flat gradient, and per example
    the log-probabilities, z and dL/dz (B, ...) (of the mean loss, as autograd gives them)."""
    z = torch.addmm(b, X, W.t())
    log_probs = torch.log_softmax(torch.addmm(c, z, A.t()), 1)
    dlogits = log_probs.exp()
    picked = Y.view(-1, 1)
    dlogits.scatter_add_(1, picked, torch.full(picked.shape, -1.0, dtype=dlogits.dtype))
    dlogits.div_(float(X.shape[0]))
    dz = torch.mm(dlogits, A)
    G = torch.cat([torch.mm(dz.t(), X).view(-1), dz.sum(0), torch.mm(dlogits.t(), z).view(-1), dlogits.sum(0)])
    return [-log_probs.gather(1, picked).mean(), G, log_probs, z, dz]


def adam_chunk():
    """The compiled chunk function, or None where TorchScript is missing or fails (the eager path serves)."""
    return _script("adam", _adam_chunk)


def adam_batch_chunk():
    """The compiled minibatch chunk function (a set run's), or None where TorchScript is missing or fails."""
    return _script("adam_batch", _adam_batch_chunk)


def _script(name: str, function):
    if name not in _compiled:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.jit.script is deprecated: if it goes, the eager path serves
                _compiled[name] = torch.jit.script(function)
        except Exception:  # no TorchScript in this torch build
            _compiled[name] = None
    return _compiled[name]


def eager_adam_chunk():
    """The same function, run eagerly (tests compare the two)."""
    return _adam_chunk


NEVER = torch.zeros(1, dtype=torch.int32)  # an interrupt flag nobody sets


def warm_up(minibatch: bool = False) -> None:
    """Compile the chunk function (the minibatch one: a set run's) and run it twice on a one-filter model:
    TorchScript profiles its first calls and then optimises (0.1-0.3 s), which would otherwise fall on
    the first real steps. Once per process and function."""
    name = "warm minibatch" if minibatch else "warm"
    function = adam_batch_chunk() if minibatch else adam_chunk()
    if function is None or name in _compiled:
        return
    params = [torch.zeros(1, PIXELS), torch.zeros(1), torch.zeros(10, 1), torch.zeros(10)]
    hyper = [1e-3, 0.9, 0.999, 1e-8, 0.0]
    for _ in range(2):
        state = [[torch.zeros_like(p) for p in params] for _ in range(2)] + [[torch.zeros(()) for _ in params]]
        if minibatch:
            function(params, *state, torch.zeros(4, PIXELS), torch.zeros(4, dtype=torch.int64), 0, 2, hyper, 2, [1],
                     NEVER)
        else:
            function(params, *state, torch.zeros(PIXELS), 0, hyper, 2, [1], NEVER)
    _compiled[name] = True
