"""A chunk of training steps in one call: the step maths of every one-digit run, written once.

Why: the window draws on one thread while training runs on another, and both need
Python's GIL. Every eager torch call releases the GIL and must win it back, and while the
window's thread runs Python, winning it back takes up to a switch interval: a step made
of ~30 torch calls then lost half its speed to a busy window (README, "Performance"). So
a one-digit run on the CPU (any kernel, Adam or SGD) takes its steps in one function that
takes n steps in one call and hands back a `Chunk`: the losses, the recorded frames, the
state before the last step (rollback), the last step's details. TorchScript runs it with
the GIL released the whole time; where TorchScript is missing, the same function runs as
plain Python (`steps_function`): the same arithmetic, tested beside it.

The step is written out by hand, as the model makes it exact (engine/core/model.py). The
digit is cut into its S patches of K = k*k pixels (P, (S, K); for a 28x28 kernel S = 1):
z = W P^T + b (F, S), logits = A z + c, dlogits = softmax - onehot, dL/dz = A^T dlogits,
dL/dW = dL/dz P, dL/db = dL/dz summed over S, dL/dA = dlogits z^T; then Adam as
torch.optim.Adam computes it (L2 weight decay added to the gradient, bias-corrected
moments) or SGD as torch.optim.SGD does (weight decay, momentum; no dampening, no
Nesterov). All parameters and the optimizer's slots live in one flat (3, L) state during
the chunk, so the update is a few whole-vector operations instead of a few per tensor.
Every step is the same arithmetic however the steps are chunked, so a run is the same bit
for bit whether it was trained in one go or in pieces (a saved and reopened session).

Runs side by side (engine/comparison/chunked.py) take the same step for R runs at once
(_stacked_runs): every tensor gains a leading run axis, the products become batched ones
(bmm), and each optimizer group's rows take its update; four runs of the default model then
take ~1.8x one run's time, not 4x, as a step costs its ops' dispatch more than its arithmetic.

The reference is the eager step (engine/core/learner.py: autograd through the Conv2d
model and torch.optim's own optimizer): tests hold the chunk to it, and to the original
script's loop. Other devices and optimizer settings take the reference step.
"""
from __future__ import annotations

import warnings
from typing import List, NamedTuple, Tuple, TypeVar

import torch
import torch.nn.functional as F
from torch import Tensor

from filterlab.engine.core.config import IMAGE_SIZE

PIXELS = IMAGE_SIZE * IMAGE_SIZE
INTERRUPT_EVERY = 4  # steps between two reads of the interrupt flag, as _steps has it written
_compiled: dict = {}


class Chunk(NamedTuple):
    """What a chunk of steps hands back. L is the flat parameters' length (the model's order: W, b, A, c)."""

    losses: Tensor      # (made,) the loss of each step, before its update
    frames: Tensor      # (recorded, L) the flat parameters after each step in `due` that was made
    start: Tensor       # (3, L) parameters and the optimizer's two slots at the start
    before: Tensor      # (3, L) the same before the last step
    params: Tensor      # (L,) the flat parameters at the end
    log_probs: Tensor   # the last step's log-probabilities (10,); a minibatch's: (B, 10)
    z: Tensor           # its filter responses (F, S); a minibatch's: (B, F); a small kernel's minibatch: empty
    dl_dz: Tensor       # dL/dz, as z                     (conv_batch_details makes them from `before`)
    input_grad: Tensor  # dL/dx (PIXELS,); a minibatch's: (B, PIXELS); a small kernel's minibatch: empty
    grad: Tensor        # dL/dW (F*K,); a minibatch's: the whole flat gradient (L,)
    update: Tensor      # what the last update changed in W (F*K,)
    finite: bool        # every parameter finite at the end
    first: float        # the optimizer's step count at the start (Adam's; SGD's counts the same way)
    made: int           # the steps made (fewer than asked once interrupted)


# The chunk functions hand back Chunk's fields as a plain tuple, which steps_function() and batch_chunk() name:
# a NamedTuple returned from TorchScript has its class made anew (collections.namedtuple, eval) on every call,
# 0.2 ms, as much as ten steps of the default model.
ChunkFields = Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, bool,
                    float, int]
# _stacked_runs hands back the same fields for R runs at once (a leading run axis: losses and frames (made, R, ...),
# start and before (3, R, L), the others (R, ...)), without `first` (each optimizer group has its own)
StackedFields = Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, bool,
                      int]


def _views(P: Tensor, count: int, pixels: int, positions: int) -> List[Tensor]:
    """W (F, K), b (F,), A (10, F*S), c (10,): views into the flat parameters P (the model's order)."""
    weights = count * pixels
    head = weights + count + 10 * count * positions
    return [P[:weights].view(count, pixels), P[weights:weights + count],
            P[weights + count:head].view(10, count * positions), P[head:]]


def _gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, X: Tensor, label: int) -> List[Tensor]:
    """[loss, flat dL/dparams (the order of P), log-probabilities, z (F, S), dL/dz (F, S)] at the weights
    W, b, A, c for the example's patches X (S, K)."""
    count = W.shape[0]
    z = torch.addmm(b.unsqueeze(1), W, X.t())
    flat = z.view(-1)
    log_probs = torch.log_softmax(torch.addmv(c, A, flat), 0)
    dlogits = log_probs.exp()
    dlogits[label] -= 1.0
    dz = torch.mv(A.t(), dlogits)
    dz2 = dz.view(count, -1)
    G = torch.cat([torch.mm(dz2, X).view(-1), dz2.sum(1), torch.outer(dlogits, flat).view(-1), dlogits])
    return [-log_probs[label], G, log_probs, z, dz2]


def _batch_gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, X: Tensor, Y: Tensor) -> List[Tensor]:
    """_gradient for a minibatch X (B, pixels), Y (B,) of a 28x28 kernel: the mean loss, its flat gradient,
    and per example the log-probabilities, z and dL/dz (B, ...) (of the mean loss, as autograd gives them)."""
    z = torch.addmm(b, X, W.t())
    log_probs = torch.log_softmax(torch.addmm(c, z, A.t()), 1)
    dlogits = log_probs.exp()
    picked = Y.view(-1, 1)
    dlogits.scatter_add_(1, picked, torch.full(picked.shape, -1.0, dtype=dlogits.dtype))
    dlogits.div_(float(X.shape[0]))
    dz = torch.mm(dlogits, A)
    G = torch.cat([torch.mm(dz.t(), X).view(-1), dz.sum(0), torch.mm(dlogits.t(), z).view(-1), dlogits.sum(0)])
    return [-log_probs.gather(1, picked).mean(), G, log_probs, z, dz]


def _conv_batch_gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, X: Tensor, Y: Tensor) -> List[Tensor]:
    """_batch_gradient for a kernel k smaller than the image, W (F, 1, k, k), A (10, F, s, s): [the mean loss, its
    flat gradient, the log-probabilities (B, 10), dL/dlogits (B, 10)].

    The model has no nonlinearity between the convolution and the output layer, so for a
    minibatch X (B, 784) the logits are X E^T + e, with E_c = sum over filters f of A_cf
    (the output weights of filter f's s x s map, s = 29 - k) convolved in full with W_f,
    and e_c = sum_f (sum of A_cf) b_f + c_c. Backward, every gradient goes through
    G = dL/dlogits^T X (10 x 784), the minibatch summed into ten pictures:
    dL/dA_cf = G_c correlated with W_f (s x s) + (sum_b dL/dlogit_bc) b_f,
    dL/dW_f = sum_c G_c correlated with A_cf (k x k), dL/db_f = sum_c (sum of A_cf) (sum_b dL/dlogit_bc),
    dL/dc = sum_b dL/dlogits. A step costs three small convolutions of ten pictures and two products
    with the minibatch, however many digits it has (Conv2d over 64 digits at 5x5 took ~80% of a step).
    """
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


def optimizer_update(P: Tensor, M: Tensor, V: Tensor, G: Tensor, step: float, adam: bool, hyper: List[float]) -> None:
    """One optimizer update of the flat vectors (G is spent).

    Adam (hyper: lr, beta1, beta2, eps, weight decay) as torch.optim.Adam (not decoupled weight
    decay, no amsgrad): M, V its moments. SGD (hyper: lr, momentum, weight decay) as torch.optim.SGD
    (no dampening, no Nesterov): M its momentum buffer, 0 before the first step (0 * momentum + g
    is g exactly, torch's first buffer), V unused.
    """
    if adam:
        lr, beta1, beta2, eps, weight_decay = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
        if weight_decay != 0.0:
            G.add_(P, alpha=weight_decay)
        M.lerp_(G, 1.0 - beta1)
        V.mul_(beta2).addcmul_(G, G, value=1.0 - beta2)
        correction1 = 1.0 - beta1 ** step
        correction2 = 1.0 - beta2 ** step
        denominator = (V.sqrt() / (correction2 ** 0.5)).add_(eps)
        P.addcdiv_(M, denominator, value=-lr / correction1)
    else:
        lr, momentum, weight_decay = hyper[0], hyper[1], hyper[2]
        if weight_decay != 0.0:
            G.add_(P, alpha=weight_decay)
        if momentum != 0.0:
            M.mul_(momentum).add_(G)
            P.add_(M, alpha=-lr)
        else:
            P.add_(G, alpha=-lr)


def _unflatten(state: Tensor, params: List[Tensor], moments: List[Tensor], squares: List[Tensor],
               steps: List[Tensor], step: float) -> None:
    """The flat (3, L) state back into the model's parameters and the optimizer's state tensors."""
    offset = 0
    for k in range(len(params)):
        size = params[k].numel()
        params[k].view(-1).copy_(state[0, offset:offset + size])
        moments[k].view(-1).copy_(state[1, offset:offset + size])
        squares[k].view(-1).copy_(state[2, offset:offset + size])
        steps[k].fill_(step)
        offset += size


def _one_example(params: List[Tensor], moments: List[Tensor], squares: List[Tensor], steps: List[Tensor],
                 X: Tensor, label: int, adam: bool, hyper: List[float], n: int, due: List[int],
                 interrupt: Tensor) -> ChunkFields:
    """Up to n steps on one example (its patches X (S, K), `label`), fewer once interrupt[0] is set
    (engine/core/interrupt.py: it is read every INTERRUPT_EVERY steps, and the step after it is seen is the
    last). params: the model's four parameters (written in place at the end); moments, squares: the
    optimizer's slots per parameter (Adam's exp_avg, exp_avg_sq; SGD's momentum buffer and a spare);
    steps: Adam's step per parameter (SGD's: a spare counter); `due`: the steps (0-based) whose frames
    to keep."""
    return _steps(params, moments, squares, steps, X, X[:0, 0].long(), label, 0, 0, adam, hyper, n, due, interrupt)


def _stacked_gradient(W: Tensor, b: Tensor, A: Tensor, c: Tensor, X: Tensor, labels: Tensor,
                      onehot: Tensor) -> List[Tensor]:
    """_gradient for R runs at once, each on its own example: W (R, F, K), b (R, F), A (R, 10, F*S), c (R, 10),
    X (R, S, K) the patches, labels (R, 1) and as one-hot rows (R, 10). [losses (R,), flat gradients (R, L),
    log-probabilities (R, 10), z (R, F, S), dL/dz (R, F, S)]: the same products as _gradient's, batched (bmm,
    not mm: their sums may round in another order)."""
    runs, count = W.shape[0], W.shape[1]
    z = torch.baddbmm(b.unsqueeze(2), W, X.transpose(1, 2))
    flat = z.view(runs, 1, -1)
    log_probs = torch.log_softmax(torch.baddbmm(c.unsqueeze(2), A, flat.transpose(1, 2)).view(runs, 10), 1)
    dlogits = log_probs.exp() - onehot  # the label's entry less 1, the others as they are: _gradient's
    dz2 = torch.bmm(dlogits.unsqueeze(1), A).view(runs, count, -1)
    G = torch.cat([torch.bmm(dz2, X).view(runs, -1), dz2.sum(2), (dlogits.unsqueeze(2) * flat).view(runs, -1),
                   dlogits], 1)
    return [-log_probs.gather(1, labels).view(-1), G, log_probs, z, dz2]


def _stacked_runs(params: List[Tensor], moments: List[List[Tensor]], squares: List[List[Tensor]],
                  firsts: List[float], X: Tensor, labels: Tensor, sizes: List[int], adam: List[bool],
                  hyper: List[List[float]], n: int, due: List[int], interrupt: Tensor) -> StackedFields:
    """Up to n steps of R runs side by side in one set of batched ops a step (fewer once interrupt[0] is set, read
    as _steps reads it): each run's arithmetic is _one_example's, but for the order in which bmm may add up a
    product. params: the four parameters stacked, (R, ...), written in place at the end. The runs come in groups
    of one optimizer each (`sizes` runs, in row order; `adam`, `hyper` its settings; moments and squares per group,
    per parameter, a group's rows its runs; firsts: its step count at the start, which the caller counts on).
    X (R, S, K): each run's example as patches; labels (R,). `due`: the steps (0-based) whose frames to keep."""
    runs, count, weights = params[0].shape[0], params[1].shape[1], params[0][0].numel()
    pixels = weights // count
    positions = params[2].shape[2] // count
    state = _stacked_state(params, moments, squares)
    start = state.clone()
    P = state[0]
    L = P.shape[1]
    W, b = P[:, :weights].view(runs, count, pixels), P[:, weights:weights + count]
    head = weights + count + 10 * count * positions
    A, c = P[:, weights + count:head].view(runs, 10, count * positions), P[:, head:]
    onehot = torch.zeros(runs, 10, dtype=P.dtype, device=P.device).scatter_(1, labels.view(-1, 1), 1.0)
    picked = labels.view(-1, 1)
    losses = torch.empty(n, runs, dtype=P.dtype, device=P.device)
    frames = torch.empty(len(due), runs, L, dtype=P.dtype, device=P.device)
    before, grad = start, P[:, :0]
    shown = [P[:, :0], P[:, :0], P[:, :0], P[:, :0]]
    recorded, made = 0, 0
    for i in range(n):
        last = i == n - 1
        if not last and i % 4 == 3:  # INTERRUPT_EVERY, as in _steps
            last = bool(interrupt[0] != 0)
        if last:
            before = state.clone()
        result = _stacked_gradient(W, b, A, c, X, picked, onehot)
        if last:
            grad = result[1][:, :weights].clone()
            shown = [result[2], result[3], result[4], _stacked_input_grad(result[4], W)]
        losses[i] = result[0]
        _stacked_update(state, result[1], sizes, [first + i + 1 for first in firsts], adam, hyper)
        recorded = _keep_frame(frames, P, due, recorded, i)
        made = i + 1
        if last:
            break
    _stacked_unflatten(state, params, moments, squares, sizes)
    update = P[:, :weights] - before[0][:, :weights]
    return (losses[:made], frames[:recorded], start, before, P, shown[0], shown[1], shown[2], shown[3], grad, update,
            bool(torch.isfinite(P).all()), made)


def _keep_frame(frames: Tensor, P: Tensor, due: List[int], recorded: int, i: int) -> int:
    """After step i: the parameters P into frames[recorded] if step i is the next due; the frames kept then."""
    if recorded < len(due) and due[recorded] == i:
        frames[recorded].copy_(P)
        return recorded + 1
    return recorded


def _stacked_update(state: Tensor, G: Tensor, sizes: List[int], steps: List[float], adam: List[bool],
                    hyper: List[List[float]]) -> None:
    """Each group's optimizer update of its rows of the (3, R, L) state, from the gradients G (R, L)."""
    row = 0
    for g in range(len(sizes)):
        end = row + sizes[g]
        optimizer_update(state[0, row:end], state[1, row:end], state[2, row:end], G[row:end], steps[g], adam[g],
                         hyper[g])
        row = end


def _stacked_state(params: List[Tensor], moments: List[List[Tensor]], squares: List[List[Tensor]]) -> Tensor:
    """The runs' flat (3, R, L) state: parameters, and the optimizer slots (per group, per parameter) in row order."""
    runs = params[0].shape[0]
    return torch.stack([torch.cat([p.reshape(runs, -1) for p in params], 1),
                        torch.cat([torch.cat([m.reshape(m.shape[0], -1) for m in group], 1) for group in moments], 0),
                        torch.cat([torch.cat([v.reshape(v.shape[0], -1) for v in group], 1) for group in squares], 0)])


def _stacked_unflatten(state: Tensor, params: List[Tensor], moments: List[List[Tensor]],
                       squares: List[List[Tensor]], sizes: List[int]) -> None:
    """_stacked_state's inverse: the (3, R, L) state back into the stacked parameters and each group's slots."""
    offset = 0
    for k in range(len(params)):
        size = params[k][0].numel()
        params[k].view(params[k].shape[0], -1).copy_(state[0, :, offset:offset + size])
        row = 0
        for g in range(len(sizes)):
            end = row + sizes[g]
            moments[g][k].view(sizes[g], -1).copy_(state[1, row:end, offset:offset + size])
            squares[g][k].view(sizes[g], -1).copy_(state[2, row:end, offset:offset + size])
            row = end
        offset += size


def _stacked_input_grad(dz: Tensor, W: Tensor) -> Tensor:
    """_input_grad of each run: dL/dx (R, PIXELS) from dL/dz (R, F, S) and the filters W (R, F, K)."""
    if dz.shape[2] == 1:
        return torch.bmm(dz.transpose(1, 2), W).view(W.shape[0], -1)
    side = int(round(W.shape[2] ** 0.5))
    return F.fold(torch.bmm(W.transpose(1, 2), dz), [28, 28], [side, side]).view(W.shape[0], -1)


def _batch_chunk(params: List[Tensor], moments: List[Tensor], squares: List[Tensor], steps: List[Tensor],
                 X: Tensor, Y: Tensor, row: int, batch: int, adam: bool, hyper: List[float], n: int, due: List[int],
                 interrupt: Tensor) -> ChunkFields:
    """Steps on minibatches (a set run's): step i trains on rows row + i*batch .. + batch of X (N, pixels) and
    Y (N,) (the last may be shorter: the end of an epoch). The Chunk's grad is the whole flat gradient, and
    its details are per example of the last step's minibatch: for a 28x28 kernel z and dL/dz (B, F) and dL/dx
    (B, pixels); for a smaller one the feature maps and their gradient (B, F, s, s) and dL/dx of the first
    example (1, 1, 28, 28), the one a view shows."""
    return _steps(params, moments, squares, steps, X, Y, -1, row, batch, adam, hyper, n, due, interrupt)


def _steps(params: List[Tensor], moments: List[Tensor], squares: List[Tensor], steps: List[Tensor],
           X: Tensor, Y: Tensor, label: int, row: int, batch: int, adam: bool, hyper: List[float], n: int,
           due: List[int], interrupt: Tensor) -> ChunkFields:
    """The steps of either: one example's patches X, `label` (batch 0), or minibatches of X, Y (batch > 0)."""
    count, weights = params[1].numel(), params[0].numel()
    pixels = weights // count
    state = torch.stack([torch.cat([p.reshape(-1) for p in params]), torch.cat([m.reshape(-1) for m in moments]),
                         torch.cat([v.reshape(-1) for v in squares])])
    start = state.clone()
    P, M, V = state[0], state[1], state[2]
    first = float(steps[0].item())
    losses = torch.empty(n, dtype=P.dtype, device=P.device)
    frames = torch.empty(len(due), P.numel(), dtype=P.dtype, device=P.device)
    before, grad = start, P[:0]
    shown = [P[:0], P[:0], P[:0], P[:0]]
    recorded = 0
    W, b, A, c = _views(P, count, pixels, params[2].shape[1] // count)
    made = 0
    for i in range(n):
        last = i == n - 1
        if not last and i % 4 == 3:  # INTERRUPT_EVERY (TorchScript takes no globals); a read: ~1 µs
            last = bool(interrupt[0] != 0)
        if last:
            before = state.clone()
        if batch == 0:
            result = _gradient(W, b, A, c, X, label)
            if last:
                grad = result[1][:weights].clone()
                shown = [result[2], result[3], result[4], _input_grad(result[4], W)]
        else:
            begin = row + i * batch
            result, details = _minibatch_step(W, b, A, c, X[begin:begin + batch], Y[begin:begin + batch], last)
            if last:
                grad = result[1].clone()
                shown = details
        losses[i] = result[0]
        optimizer_update(P, M, V, result[1], first + i + 1, adam, hyper)
        recorded = _keep_frame(frames, P, due, recorded, i)
        made = i + 1
        if last:
            break
    _unflatten(state, params, moments, squares, steps, first + made)
    update = P[:weights] - before[0][:weights]
    return (losses[:made], frames[:recorded], start, before, P, shown[0], shown[1], shown[2], shown[3],
                 grad, update, bool(torch.isfinite(P).all()), first, made)


def _minibatch_step(W: Tensor, b: Tensor, A: Tensor, c: Tensor, x: Tensor, y: Tensor,
                    last: bool) -> Tuple[List[Tensor], List[Tensor]]:
    """A minibatch's [loss, flat gradient, ...] at W (F, K), A (10, F*S), and for the last step of a chunk the
    details kept for the views: log-probabilities, z, dL/dz and dL/dx per example for a 28x28 kernel; for a
    smaller one the log-probabilities (conv_batch_details makes the rest when asked)."""
    count, pixels = W.shape[0], W.shape[1]
    if pixels == 784:
        result = _batch_gradient(W, b, A, c, x, y)
        return result, ([result[2], result[3], result[4], torch.mm(result[4], W)] if last else [W[:0]])
    kernel = int(pixels ** 0.5 + 0.5)
    filters, maps_of = W.view(count, 1, kernel, kernel), A.view(10, count, 29 - kernel, 29 - kernel)
    result = _conv_batch_gradient(filters, b, maps_of, c, x, y)
    return result, ([result[2], W[:0], W[:0], W[:0]] if last else [W[:0]])


def conv_batch_details(P: Tensor, count: int, kernel: int, x: Tensor, log_probs: Tensor,
                       y: Tensor, batch: int) -> Tuple[Tensor, Tensor, Tensor]:
    """A small kernel's minibatch step as the views read it, from the flat parameters before it (P: a Chunk's
    before[0]) and its log-probabilities: the feature maps and their gradient (B, F, s, s) and dL/dx of the first
    example (1, 1, 28, 28), for the examples x, y (B of them: the step's `batch`, or its first ones only). Made
    when asked, not in the chunk: over 64 digits at 5x5 they were a third of a one-step call (1.2 ms), and only
    the batch's contributions read more than the first example."""
    W, b, A, _ = _views(P, count, kernel * kernel, (IMAGE_SIZE - kernel + 1) ** 2)
    filters = W.reshape(count, 1, kernel, kernel)
    dlogits = log_probs.exp()  # dL/dlogits as _conv_batch_gradient makes it
    picked = y.view(-1, 1)
    dlogits.scatter_add_(1, picked, torch.full(picked.shape, -1.0, dtype=dlogits.dtype))
    dlogits.div_(float(batch))
    maps = F.conv2d(x.reshape(-1, 1, 28, 28), filters, b)
    dmaps = torch.mm(dlogits, A).view(maps.shape)
    return maps, dmaps, F.conv_transpose2d(dmaps[:1], filters)


def _input_grad(dz: Tensor, W: Tensor) -> Tensor:
    """dL/dx (PIXELS,) from dL/dz (F, S) and the filters W (F, K): each patch's gradient added back in place."""
    if dz.shape[1] == 1:
        return torch.mv(W.t(), dz.view(-1))
    side = int(round(W.shape[1] ** 0.5))
    return F.fold(torch.mm(W.t(), dz).unsqueeze(0), [28, 28], [side, side]).view(-1)


def patches(image: Tensor, kernel: int) -> Tensor:
    """A (28, 28) image (or (1, 1, 28, 28)) as the chunk takes it: its (S, K) patches, one row per position."""
    if kernel == IMAGE_SIZE:
        return image.reshape(1, PIXELS)
    return F.unfold(image.reshape(1, 1, IMAGE_SIZE, IMAGE_SIZE), kernel)[0].t().contiguous()


LARGEST = 320_000  # parameters: a larger model trains faster on the reference step (64 filters of 3x3 or 5x5)


def worth_it(parameters: int) -> bool:
    """Whether a model of this many parameters trains faster in the chunk than on the reference step.

    A step of a small model costs its op dispatch, which the chunk saves; a large one (64 filters of
    3x3: 433,290 parameters, most of them the output layer's) costs passes over its memory, and the
    chunk's update makes seven where torch's fused optimizer makes one (measured on one thread: 64x3x3
    Adam 470 against 630 steps/s, 64x5x5 580 against 650, 64x7x7 (310,730) 800 against 620).
    """
    return parameters <= LARGEST


def steps_function():
    """The one-example chunk function, handing back a Chunk: compiled (TorchScript: the GIL released, no Python
    per step), or where TorchScript is missing or fails, the same function run as Python (the same arithmetic)."""
    return _named("one example", script("one example", _one_example) or _one_example, Named)


def scripted() -> bool:
    """Whether the chunk functions run under TorchScript here."""
    return script("one example", _one_example) is not None


def runs_function():
    """The chunk function of runs side by side (_stacked_runs), handing back a Chunk per run (row order):
    compiled, or where TorchScript is missing, the same function run as Python."""
    return _named("runs", script("runs", _stacked_runs) or _stacked_runs, NamedRuns)


def batch_chunk():
    """The compiled minibatch chunk function (a set run's), handing back a Chunk, or None where TorchScript is
    missing or fails."""
    compiled = script("batch", _batch_chunk)
    return None if compiled is None else _named("batch", compiled, Named)


class Wrapped:
    """A chunk function with Chunk names on what it hands back; `function` is what it calls (TorchScript's or
    Python's)."""

    def __init__(self, function):
        self.function = function


class Named(Wrapped):
    """The chunk's tuple handed back as a Chunk."""

    def __call__(self, *args) -> Chunk:
        return Chunk._make(self.function(*args))


class NamedRuns(Wrapped):
    """_stacked_runs' fields handed back as one Chunk per run (row order): views of its row in each, `first` its
    group's."""

    def __call__(self, params, moments, squares, firsts, X, labels, sizes, *rest) -> List[Chunk]:
        fields = self.function(params, moments, squares, firsts, X, labels, sizes, *rest)
        losses, frames, start, before, final, log_probs, z, dl_dz, input_grad, grad, update, finite, made = fields
        run_firsts = [first for first, size in zip(firsts, sizes) for _ in range(size)]
        return [Chunk(losses[:, r], frames[:, r], start[:, r], before[:, r], final[r], log_probs[r], z[r], dl_dz[r],
                      input_grad[r], grad[r], update[r], finite, first, made) for r, first in enumerate(run_firsts)]


WrappedT = TypeVar("WrappedT", bound=Wrapped)


def _named(name: str, function, kind: type[WrappedT]) -> WrappedT:
    """`function` named (one wrapper per function, made once)."""
    named = _compiled.get("named " + name)
    if not isinstance(named, kind) or named.function is not function:
        named = _compiled["named " + name] = kind(function)
    return named


def script(name: str, function):
    """`function` compiled by TorchScript (once per name), or None where TorchScript is missing or fails."""
    if name not in _compiled:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.jit.script is deprecated: if it goes, Python runs it
                _compiled[name] = torch.jit.script(function)
        except Exception:  # no TorchScript in this torch build
            _compiled[name] = None
    return _compiled[name]


NEVER = torch.zeros(1, dtype=torch.int32)  # an interrupt flag nobody sets


def warm_up(minibatch: bool = False, kernel: int = IMAGE_SIZE, runs: bool = False) -> None:
    """Compile the chunk function (the minibatch one: a set run's, with this kernel size; or the runs side by side
    one) and run it twice on a one-filter model: TorchScript profiles its first calls and then optimises
    (0.1-0.3 s), which would otherwise fall on the first real steps. Once per process, function and (minibatch)
    kernel size."""
    name = f"warm minibatch {kernel}" if minibatch else "warm runs" if runs else "warm"
    if name in _compiled or not scripted():
        return
    pixels = PIXELS if not minibatch else kernel * kernel
    params = [torch.zeros(1, pixels), torch.zeros(1), torch.zeros(10, (IMAGE_SIZE - kernel + 1) ** 2 if minibatch
                                                                  else 1), torch.zeros(10)]
    hyper = [1e-3, 0.9, 0.999, 1e-8, 0.0]
    for _ in range(2):
        state = [[torch.zeros_like(p) for p in params] for _ in range(2)] + [[torch.zeros(()) for _ in params]]
        if minibatch:
            batch_chunk()(params, *state, torch.zeros(4, PIXELS), torch.zeros(4, dtype=torch.int64), 0, 2, True,
                          hyper, 2, [1], NEVER)
        elif runs:
            stacked = [torch.stack([p, p]) for p in params]
            slots = [[[torch.zeros_like(p) for p in stacked]] for _ in range(2)]
            runs_function()(stacked, *slots, [0.0], torch.zeros(2, 1, PIXELS), torch.zeros(2, dtype=torch.int64),
                            [2], [True], [hyper], 2, [1], NEVER)
        else:
            steps_function()(params, *state, torch.zeros(1, PIXELS), 0, True, hyper, 2, [1], NEVER)
    _compiled[name] = True
