"""The 1-D lab (`--lab1d`) as the command line asks for it: the window or the headless runner builds it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from filterlab.engine.lab1d.config import Lab1DConfig

if TYPE_CHECKING:
    from filterlab.engine.lab1d.lab import Lab1D


@dataclass(frozen=True)
class Lab1DSpec:
    config: Lab1DConfig = field(default_factory=Lab1DConfig)
    description: str = "1-D lab"

    device = "cpu"  # the lab trains on the CPU
    start_step = 0

    def build(self) -> Lab1D:
        from filterlab.engine.lab1d.lab import Lab1D  # torch: on the caller's thread
        return Lab1D(self.config)
