"""A comparison (`--compare`) as the command line asks for it: the window or the headless runner builds it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from filterlab.engine.core.config import Config

if TYPE_CHECKING:
    from filterlab.engine.comparison.runs import Comparison


@dataclass(frozen=True, eq=False)
class ComparisonSpec:
    runs: tuple[tuple[str, Config], ...]  # (name, config) per run, in order
    image: np.ndarray
    label: int
    description: str = "digit 4"

    def build(self) -> Comparison:
        from filterlab.engine.comparison.runs import Comparison  # torch: on the caller's thread
        return Comparison([c for _, c in self.runs], self.image, self.label, names=self.names)

    start_step = 0

    @property
    def device(self) -> str:
        return self.runs[0][1].device  # the runs share it (engine/cli/comparison.py)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.runs]
