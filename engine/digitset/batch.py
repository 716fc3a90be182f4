"""One minibatch step, taken apart: the gradient is the sum over the batch of each image times its own dL/dz.

For a 28x28 filter each image's output is one number z_b, so the minibatch gradient is
sum_b dL/dz_b x image_b (dL/dz_b carries the 1/B of the mean loss). For a smaller kernel
each image contributes the sum of its patches, each weighted by dL/d(output map) there.
"""
from __future__ import annotations

import numpy as np
import torch.nn.functional as F

from filterlab.engine.core.model import to_numpy


def contributions(last, kernel: int, f: int) -> dict:
    """What each image of the last step's minibatch added to filter f's gradient.

    `last` is the Learner's Pass of that step. Returns images (B,28,28), labels (B,),
    dl_dz (B,) (summed over the map for small kernels), contributions (B,k,k) and their
    sum (k,k): the gradient the step used.
    """
    x, dmaps = last.x, last.dl_dmaps[:, f]                     # (B,1,28,28), (B,s,s)
    patches = F.unfold(x, kernel)                               # (B, k*k, s*s)
    parts = (patches * dmaps.flatten(1)[:, None, :]).sum(dim=2)  # (B, k*k)
    parts = to_numpy(parts).reshape(len(x), kernel, kernel)
    return {"images": to_numpy(x[:, 0]), "labels": to_numpy(last.y), "dl_dz": to_numpy(dmaps.flatten(1).sum(1)),
            "contributions": parts, "gradient": parts.sum(axis=0, dtype=np.float64)}
