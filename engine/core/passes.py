"""One forward and backward pass, kept for the views: what a step of training looked like.

The training loop itself keeps nothing (engine/core/learner.py); a `Pass` is made for the
last step of each call, for a probe before the first step, and for a recorded step
replayed by the timeline.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import Config
from filterlab.engine.core.model import FilterNet, load_weights, to_numpy
from filterlab.engine.core.snapshot import StepDetails


@dataclass
class Pass:
    """The tensors of one forward and backward pass that a snapshot shows (first example)."""

    loss: float
    log_probs: torch.Tensor
    maps: torch.Tensor
    dl_dmaps: torch.Tensor
    input_grad: torch.Tensor
    update: torch.Tensor
    x: torch.Tensor  # (B,1,28,28) the pass's examples (a view: nothing writes into it)
    y: torch.Tensor  # (B,) and their labels


def forward_backward(model: FilterNet, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, Pass]:
    """Loss and a Pass at the model's current weights; .grad then holds dL/dw (no update)."""
    x = x.clone().requires_grad_(True)
    maps = model.feature_maps(x)
    maps.retain_grad()
    log_probs = model.classify(maps)
    loss = F.nll_loss(log_probs, y)
    loss.backward()
    return loss, Pass(loss.item(), log_probs.detach(), maps.detach(), maps.grad, x.grad,
                      torch.zeros_like(model.conv.weight[:, 0]), x.detach(), y)


def details_of(last: Pass, model: FilterNet) -> StepDetails:
    """A pass as numpy, for its first example; dL/dw is what the pass left in model's .grad."""
    count, side = model.conv.out_channels, last.maps.shape[-1]
    return StepDetails(
        loss=last.loss, probs=to_numpy(last.log_probs[0].exp()),
        z=to_numpy(last.maps[0]).reshape(count, side, side),
        dl_dz=to_numpy(last.dl_dmaps[0]).reshape(count, side, side),
        input_grad=to_numpy(last.input_grad[0, 0]), grads=to_numpy(model.conv.weight.grad[:, 0]),
        update=to_numpy(last.update))


def recorded_pass(config: Config, device, filters: np.ndarray, head: np.ndarray,
                  x: torch.Tensor, y: torch.Tensor) -> tuple[StepDetails, np.ndarray]:
    """A recorded step run forward and backward again: (its details, its output weights).

    The update taken at that step is not recorded (it would need the optimizer's state
    of the time), so it reads 0.
    """
    model = FilterNet(config.filters, config.kernel).to(device)
    load_weights(model, filters, head)
    _, last = forward_backward(model, x, y)
    return details_of(last, model), to_numpy(model.fc.weight)


