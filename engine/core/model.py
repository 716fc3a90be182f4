"""The tiny CNN of the experiment: Conv2d(1, F, k) -> Flatten -> Linear -> log_softmax.

No activation sits between the two layers, so for a kernel as large as the image each
filter's output is one number, z_k = w_k . x + b_k, and backprop gives
dL/dw_k = dL/dz_k * x: every update is the digit scaled by one number. That is the
whole reason the filters come to look like the digit.

The same fact makes the fast path exact: a 28x28 "convolution" over a 28x28 image is a
single dot product per filter, so we run it as one matrix multiply on the very same
`Conv2d` parameters. PyTorch's conv machinery costs far more dispatch time than the
~4k multiply-adds of this model, and the gradients still land in `conv.weight.grad`.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from filterlab.engine.core.config import IMAGE_SIZE, Config


class FilterNet(nn.Module):
    def __init__(self, filters: int, kernel: int):
        super().__init__()
        self.conv = nn.Conv2d(1, filters, kernel_size=kernel)
        side = IMAGE_SIZE - kernel + 1
        self.fc = nn.Linear(filters * side * side, 10)

    @property
    def is_full_size(self) -> bool:
        return self.conv.kernel_size[0] == IMAGE_SIZE

    def feature_maps(self, x: torch.Tensor) -> torch.Tensor:
        """(B,1,28,28) -> (B,F,s,s): each filter's response over the image."""
        if self.is_full_size:
            z = F.linear(x.flatten(1), self.conv.weight.flatten(1), self.conv.bias)
            return z[:, :, None, None]
        return self.conv(x)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """(B,1,28,28) -> class scores, in as few torch calls as the kernel size allows."""
        if self.is_full_size:
            weight = self.conv.weight.view(self.conv.out_channels, -1)
            return F.linear(F.linear(x.view(x.shape[0], -1), weight, self.conv.bias),
                            self.fc.weight, self.fc.bias)
        return self.fc(self.conv(x).flatten(1))

    def classify(self, maps: torch.Tensor) -> torch.Tensor:
        """Feature maps -> log-probabilities of the 10 classes."""
        return F.log_softmax(self.fc(maps.flatten(1)), dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.feature_maps(x))


def build_model(config: Config, device: torch.device) -> FilterNet:
    """A freshly initialised model; the same config and seed always give the same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = FilterNet(config.filters, config.kernel)
        _initialise(model, config)
    return model.to(device)


@torch.no_grad()
def _initialise(model: FilterNet, config: Config) -> None:
    """Apply the chosen starting filters.

    'zeros' and 'constant' start every filter identical and give every filter the same
    outgoing weights, so all filters receive the same gradient forever: the symmetry
    that random initialisation exists to break.
    """
    conv, fc = model.conv, model.fc
    if config.init == "default":
        return
    if config.init == "gaussian":
        conv.weight.normal_(0.0, config.init_value)
        return
    conv.weight.fill_(0.0 if config.init == "zeros" else config.init_value)
    conv.bias.zero_()
    per_position = fc.weight.view(10, config.filters, -1)
    per_position.copy_(per_position[:, :1, :].expand_as(per_position))


def checked_digit(image, label) -> tuple[np.ndarray, int]:
    """A training digit as the model takes it: float32 (28,28), finite, label 0-9; else ValueError."""
    image = np.array(image, dtype=np.float32)  # a copy: the caller may go on changing theirs
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE) or not np.isfinite(image).all():
        raise ValueError(f"the training image must be a finite 28x28 array, got {image.shape}")
    if not 0 <= int(label) <= 9:
        raise ValueError(f"the label must be a digit 0-9, got {label}")
    return image, int(label)


def checked_filters(filters, config: Config) -> np.ndarray:
    """Hand-painted starting filters as float32 (F,k,k) for `config`; else ValueError.

    Painting replaces only the filters: their biases and the output layer keep the
    config's initialisation, so with init 'zeros' painted filters are the only
    asymmetry, and one can watch whether it survives.
    """
    filters = np.array(filters, dtype=np.float32)
    shape = (config.filters, config.kernel, config.kernel)
    if filters.shape != shape or not np.isfinite(filters).all():
        raise ValueError(f"initial filters must be a finite array of shape {shape}, got {filters.shape}")
    return filters


def head_vector(model: FilterNet) -> np.ndarray:
    """Every parameter but the filters, flattened into one float32 vector (a record frame's head)."""
    parts = (model.conv.bias, model.fc.weight, model.fc.bias)
    return torch.cat([p.detach().flatten() for p in parts]).cpu().numpy()


@torch.no_grad()
def load_weights(model: FilterNet, filters: np.ndarray, head: np.ndarray) -> None:
    """Put recorded (F,k,k) filters and a head vector (see head_vector) into `model`."""
    model.conv.weight.copy_(torch.from_numpy(np.asarray(filters, np.float32))[:, None])
    flat = torch.from_numpy(np.asarray(head, dtype=np.float32))
    offset = 0
    for param in (model.conv.bias, model.fc.weight, model.fc.bias):
        param.copy_(flat[offset:offset + param.numel()].view_as(param))
        offset += param.numel()


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A numpy copy on the CPU: never a view the training thread could still write into."""
    return tensor.detach().to("cpu", copy=True).numpy()
