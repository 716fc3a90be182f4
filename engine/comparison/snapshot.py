"""The runs of a comparison at one step, as one frozen value: what the side-by-side window draws."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class ComparisonSnapshot:
    """The runs of a Comparison at one step, each a full Snapshot, in the order given."""

    step: int
    names: tuple
    runs: tuple
    diverged: Optional[str] = None
    historical: bool = False

    @property
    def blank_image(self) -> bool:
        return self.runs[0].blank_image

    @property
    def record_steps(self) -> np.ndarray:
        return self.runs[0].record_steps
