"""The forward and backward pass of R runs at once, written out as batched matmuls.

On the CPU the runs train through the one-digit chunk (engine/comparison/chunked.py); this
is what a comparison computes elsewhere: on a GPU, the probe before a first step, and the
steps a divergence re-runs to find the last sane one.

Up to the softmax the model is linear, so its gradients are four short formulas; as
batched matmuls they skip autograd's graph building, half the per-step overhead of a
model this small. They equal autograd's to float rounding: a test checks the runs
against the same runs done by separate Trainers.

Shapes: R runs, F filters, K = k*k pixels per patch, S positions per filter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import IMAGE_SIZE
from filterlab.engine.core.model import to_numpy
from filterlab.engine.core.snapshot import StepDetails


@dataclass
class Stacked:
    """The R models' parameters stacked, and gradient buffers of the same shapes."""

    weight: torch.Tensor     # (R,F,K)
    bias: torch.Tensor       # (R,F)
    fc_weight: torch.Tensor  # (R,10,F*S)
    fc_bias: torch.Tensor    # (R,10)
    grads: tuple             # dL/d each of the four, same shapes

    def params(self) -> tuple[torch.Tensor, ...]:
        return self.weight, self.bias, self.fc_weight, self.fc_bias


@dataclass
class Digit:
    """The training digit(s), cut into patches once: one shared by every run (the first dimension
    is 1), or one per run (a fork that changed the digit)."""

    patches: torch.Tensor    # (1 or R, S, K)
    patches_t: torch.Tensor  # (1 or R, K, S)
    onehot: torch.Tensor     # (1 or R, 10)
    labels: torch.Tensor     # (1 or R,)

    @classmethod
    def of(cls, images, labels, kernel: int, device) -> "Digit":
        """`images` (n,28,28) and `labels` (n,): n = 1 for a shared digit, else one per run (slot order)."""
        x = torch.from_numpy(np.array(images, dtype=np.float32)).to(device)
        patches = F.unfold(x[:, None], kernel).transpose(1, 2).contiguous()  # (n,S,K)
        labels = torch.tensor(np.asarray(labels, dtype=np.int64), device=device)
        return cls(patches, patches.transpose(1, 2).contiguous(), F.one_hot(labels, 10).float(), labels)


def gradients(p: Stacked, digit: Digit):
    """Forward and backward of every run at the current weights, into p.grads.

    With h = W P^T + b (R,F,S) the filter responses, logits = V h + c and
    g = softmax - onehot = dL/dlogits:
    dL/dV = g h^T, dL/dc = g, dL/dh = V^T g, dL/dW = (dL/dh) P, dL/db = sum over S.
    Returns the (R,) losses, the softmax, h and dL/dh.
    """
    runs, count = p.weight.shape[0], p.weight.shape[1]
    gw, gb, gv, gc = p.grads
    h = torch.baddbmm(p.bias[:, :, None], p.weight, digit.patches_t.expand(runs, -1, -1))
    hflat = h.view(runs, -1)
    logits = torch.baddbmm(p.fc_bias[:, :, None], p.fc_weight, hflat[:, :, None])[:, :, 0]
    log_probs = torch.log_softmax(logits, dim=1)
    probs = torch.exp(log_probs)
    torch.sub(probs, digit.onehot, out=gc)
    torch.mul(gc[:, :, None], hflat[:, None, :], out=gv)
    dh = torch.bmm(gc[:, None, :], p.fc_weight).view(runs, count, -1)
    torch.matmul(dh, digit.patches, out=gw)
    torch.sum(dh, dim=2, out=gb)
    return log_probs.gather(1, digit.labels.expand(runs)[:, None])[:, 0].neg(), probs, h, dh


def details(p: Stacked, loss, probs, h, dh, weight, update, kernel: int, order) -> list[StepDetails]:
    """What a snapshot shows of a step, one StepDetails per run (rows put back in run `order`).

    dL/dx uses `weight`, the filters of the forward pass.
    """
    count = p.weight.shape[1]
    side, k = IMAGE_SIZE - kernel + 1, kernel
    dx = F.fold(torch.bmm(dh.transpose(1, 2), weight).transpose(1, 2), IMAGE_SIZE, k)
    per_run = [to_numpy(t)[order] for t in (loss, probs, h, dh, dx[:, 0], p.grads[0], update)]
    loss, probs, h, dh, dx, grads, update = per_run
    return [StepDetails(loss=float(loss[r]), probs=probs[r], z=h[r].reshape(count, side, side),
                        dl_dz=dh[r].reshape(count, side, side), input_grad=dx[r],
                        grads=grads[r].reshape(count, k, k), update=update[r].reshape(count, k, k))
            for r in range(len(loss))]
