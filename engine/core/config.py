"""What one training run is made of, checked once at the door.

Every way in (the command line, the window's controls, a saved session) builds a
`Config`, so an out-of-range value is refused in one place with one clear message
instead of surfacing later as a torch error deep in a step.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

IMAGE_SIZE = 28
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda")
INITS = ("default", "zeros", "constant", "gaussian")
# What one pixel value of 1 (full ink) is fed to the network as: 1, Filter Lab's [0, 1] pixels, or 255,
# the raw 0-255 values the article's script read with OpenCV (engine/core/pixels.py says what it changes).
PIXEL_SCALES = (1, 255)
ONE_DIGIT_PIXELS = "pixel scale 255 (the article's raw pixels) is for the one-digit experiment only"
# Training computes in float32: a larger number is infinite there, and a smaller non-zero
# one is a denormal, which the training thread flushes to 0 (engine/core/runtime.py).
FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.1754943508222875e-38  # the smallest normal float32


class ConfigError(ValueError):
    """An option outside what the experiment allows; the message names the option."""


@dataclass(frozen=True)
class Config:
    """Defaults are the original experiment: 5 filters as large as the image, Adam 1e-3."""

    filters: int = 5
    kernel: int = IMAGE_SIZE
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 1e-5
    momentum: float = 0.0
    seed: int = 0
    device: str = "auto"
    init: str = "default"
    init_value: float = 0.01
    record_every: int = 10
    pixel_scale: int = 1  # 255: the article's raw pixels (a saved config without it is 1)

    def __post_init__(self) -> None:
        check_int("filters", self.filters, 1, 64)
        check_int("kernel", self.kernel, 3, IMAGE_SIZE)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_float32("lr", self.lr, zero=False)
        check_float32("weight decay", self.weight_decay)
        check_float32("momentum", self.momentum, high=1.0, high_open=True)
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_choice("device", self.device, DEVICES)
        check_choice("init", self.init, INITS)
        check_float32("init value", self.init_value)
        check_int("record interval", self.record_every, 1, 1_000_000)
        check_int("pixel scale", self.pixel_scale, 1, 255)
        if self.pixel_scale not in PIXEL_SCALES:
            raise ConfigError(f"pixel scale must be 1 (pixels 0-1) or 255 (raw 0-255, the article's), "
                              f"got {self.pixel_scale}")

    def with_(self, **changes) -> "Config":
        """A checked copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Config":
        """Build from a saved dict, refusing unknown keys so a foreign file fails loudly."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(sorted(unknown))}")
        return cls(**data)


def check_int(name: str, value, low: int, high: int) -> None:
    """A whole number in [low, high], or ConfigError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")


def check_float(name, value, *, low=None, high=None, low_open=False, high_open=False) -> None:
    """A finite number within the bounds (open or closed), or ConfigError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ConfigError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ConfigError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")


def check_float32(name, value, *, zero=True, high=FLOAT32_MAX, high_open=False) -> None:
    """A number training can hold in float32: 0 (if `zero`) or from FLOAT32_TINY to `high`.

    The message names the real limit, float32's, rather than a puzzling "got 0.0".
    """
    check_float(name, value)
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"{name} must be {'0 or more' if zero else 'more than 0'}, got {value!r}")
    if value > FLOAT32_MAX:
        raise ConfigError(f"{name} must be at most {FLOAT32_MAX:.4g}, the largest float32 (training computes in "
                          f"float32, where {value!r} is infinite)")
    if 0 < value < FLOAT32_TINY:
        raise ConfigError(f"{name} must be {'0 or ' if zero else ''}at least {FLOAT32_TINY:.2g}, the smallest normal "
                          f"float32 (training computes in float32 and treats {value!r} as 0)")
    check_float(name, value, high=high, high_open=high_open)


def check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
