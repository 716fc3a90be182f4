"""A frozen picture of the trainer at one step: the one thing the views consume.

It holds numpy copies only, never views of torch tensors, so the training thread can
keep writing its weights while the window draws an older snapshot. The arrays are
made read-only so a view cannot scribble on data another view also shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Optional

import numpy as np

from filterlab.engine.core.config import Config


@dataclass(frozen=True)
class Snapshot:
    """State after `step` updates, plus the details of the update that led here.

    Shapes: F filters of k x k; feature maps of s x s with s = 28 - k + 1 (s = 1 for
    the full-size kernel, where `z` and `dl_dz` hold one number per filter).
    `loss`, `probs`, `z`, `dl_dz`, `grads` and `input_grad` come from the forward and
    backward pass of the last step, made with the weights *before* its update;
    `update` is what that step changed (filters - previous filters); a `historical`
    snapshot (scrubbed back on the timeline) has no record of it and holds zeros.
    `cosine_steps`/`cosine_history` are the similarity curves: each recorded frame's
    cosine to the digit of its time.
    """

    step: int
    loss: float
    filters: np.ndarray        # (F,k,k) current weights
    grads: np.ndarray          # (F,k,k) dL/dw of the last step
    update: np.ndarray         # (F,k,k) weight change of the last step
    initial: np.ndarray        # (F,k,k) weights at step 0
    image: np.ndarray          # (28,28) training digit in [0,1]
    label: int
    probs: np.ndarray          # (10,) softmax of the last forward pass
    z: np.ndarray              # (F,s,s) filter outputs
    dl_dz: np.ndarray          # (F,s,s) dL/d(filter output)
    input_grad: np.ndarray     # (28,28) dL/d(image)
    class_weights: np.ndarray  # (F,) summed output weight of each filter to the label
    cosine: np.ndarray         # (F,) similarity of each filter to the digit
    initial_cosine: np.ndarray  # (F,) the same for the initial filters
    loss_steps: np.ndarray     # decimated loss curve: steps
    loss_values: np.ndarray    # decimated loss curve: values
    config: Config
    device: str
    diverged: Optional[str] = None  # why training stopped itself, if it did
    cosine_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cosine_history: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (T,F)
    historical: bool = False  # replayed from the record (timeline), not the live state

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    @property
    def blank_image(self) -> bool:
        """Nothing can be learned from an empty image: its gradient is exactly zero."""
        return not np.any(self.image)
