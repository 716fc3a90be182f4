"""The 1-D lab's settings, checked here so every way in gets the same clear message (no torch)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from filterlab.engine.core.config import ConfigError, check_float32, check_int


@dataclass(frozen=True)
class Lab1DConfig:
    """The lab's settings; checked here so every way in gets the same clear message."""

    taps: int = 3
    levels: int = 2          # sequence values 0..levels-1
    lr: float = 1e-3         # Adam, as in the original experiment
    seed: int = 0
    length: int = 64         # values per sequence
    batch: int = 32          # fresh sequences per step

    def __post_init__(self) -> None:
        check_int("taps", self.taps, 3, 9)
        if self.taps % 2 == 0:
            raise ConfigError(f"taps must be odd (3, 5, 7 or 9) so a middle tap sits on the candidate peak, "
                              f"got {self.taps}")
        check_int("levels", self.levels, 2, 100)
        check_float32("lr", self.lr, zero=False, high=10.0)  # Adam moves a tap ~lr a step
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("length", self.length, 16, 4096)
        check_int("batch", self.batch, 1, 4096)

    def with_(self, **changes) -> "Lab1DConfig":
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"the 1-D lab has no setting {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)
