"""A comparison (`--compare`) as the command line asks for it: the window or the headless runner builds it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from filterlab.engine.core.config import Config


@dataclass(frozen=True, eq=False)
class ComparisonSpec:
    runs: tuple[tuple[str, Config], ...]  # (name, config) per run, in order
    image: np.ndarray
    label: int
    description: str = "digit 4"

    def build(self):
        from filterlab.engine.comparison.runs import Comparison  # torch: on the caller's thread
        return Comparison([c for _, c in self.runs], self.image, self.label, names=self.names)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.runs]
