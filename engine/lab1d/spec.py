"""The 1-D lab (`--lab1d`) as the command line asks for it: the window or the headless runner builds it."""
from __future__ import annotations

from dataclasses import dataclass, field

from filterlab.engine.lab1d.config import Lab1DConfig


@dataclass(frozen=True)
class Lab1DSpec:
    config: Lab1DConfig = field(default_factory=Lab1DConfig)
    description: str = "1-D lab"

    def build(self):
        from filterlab.engine.lab1d.lab import Lab1D  # torch: on the caller's thread
        return Lab1D(self.config)
