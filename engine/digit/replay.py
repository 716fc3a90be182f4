"""Going back in time: any recorded step, replayed so every view can show it.

The history keeps the whole model every few steps (filters and the rest), so a past
step is rebuilt exactly and run forward and backward once: its predictions, dL/dz and
gradients are the ones that step really had, not a guess. Only the update taken at that
step is not recorded (it would need the optimizer's state of the time), so it reads 0.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.model import FilterNet
from filterlab.engine.core.snapshot import Snapshot
from filterlab.engine.digit.trainer import IMAGE_SIZE, Trainer, _numpy, load_head, probe


def recorded_steps(trainer: Trainer) -> np.ndarray:
    return np.array(trainer.filter_history.steps, dtype=np.int64)


def snapshot_at(trainer: Trainer, step: int) -> Snapshot:
    """The recorded frame at or just before `step`, as a full (historical) Snapshot."""
    history = trainer.filter_history
    index = history.index_at(step)
    frame_step, filters, head = history.steps[index], history.frames[index], history.heads[index]
    image, label = trainer.image_history.at(frame_step)
    config = trainer.config
    model = FilterNet(config.filters, config.kernel).to(trainer.device)
    with torch.no_grad():
        model.conv.weight.copy_(torch.from_numpy(filters)[:, None])
    load_head(model, head)
    x = torch.from_numpy(np.asarray(image, np.float32)).to(trainer.device)[None, None]
    y = torch.tensor([label], device=trainer.device)
    last = probe(model, x, y)
    side = IMAGE_SIZE - config.kernel + 1
    live = trainer.snapshot()
    fc = model.fc.weight.detach().view(10, config.filters, -1)
    loss_keep = live.loss_steps <= frame_step
    curve_keep = live.cosine_steps <= frame_step
    return replace(
        live,
        step=frame_step,
        loss=last.loss,
        filters=filters.copy(),
        grads=_numpy(model.conv.weight.grad[:, 0]),
        update=np.zeros_like(filters),
        image=np.array(image, copy=True),
        label=label,
        probs=_numpy(last.log_probs[0].exp()),
        z=_numpy(last.maps[0]).reshape(config.filters, side, side),
        dl_dz=_numpy(last.dl_dmaps[0]).reshape(config.filters, side, side),
        input_grad=_numpy(last.input_grad[0, 0]),
        class_weights=_numpy(fc[label].sum(dim=1)),
        cosine=cosine_to_image(filters, image),
        loss_steps=live.loss_steps[loss_keep],
        loss_values=live.loss_values[loss_keep],
        cosine_steps=live.cosine_steps[curve_keep],
        cosine_history=live.cosine_history[curve_keep],
        diverged=None,
        historical=True,
    )
