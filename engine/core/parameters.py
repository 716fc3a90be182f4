"""The model's parameters by name and shape, for code that must not import torch.

A session file is checked against these shapes before anything is built, and reading one
must stay fast (the window reads a session given on the command line before torch loads).
"""
from __future__ import annotations

import math

from filterlab.engine.core.config import IMAGE_SIZE, Config

PARAMETERS = ("conv.weight", "conv.bias", "fc.weight", "fc.bias")  # model.parameters()' order
HEAD = PARAMETERS[1:]  # every parameter but the filters


def parameter_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """The shape of each model parameter for a config (a test holds it to the real model)."""
    filters, kernel = config.filters, config.kernel
    side = IMAGE_SIZE - kernel + 1
    return {"conv.weight": (filters, 1, kernel, kernel), "conv.bias": (filters,),
            "fc.weight": (10, filters * side * side), "fc.bias": (10,)}


def head_size(config: Config) -> int:
    """Length of a recorded frame's head: every parameter but the filters, flattened."""
    shapes = parameter_shapes(config)
    return sum(math.prod(shapes[name]) for name in HEAD)


