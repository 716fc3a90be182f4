"""A request from another thread that the chunk of steps under way end soon, within a few steps.

Why: the window's training thread trains in chunks and reads its commands between them, so
a chunk's length is how long a click may wait. A chunk that can be ended early may be as
long as a frame (one call, one GIL hand-off, a frame) while a click still lands at once.

The flag is a NumPy cell shared with a torch tensor: the chunk function reads it between
steps without the GIL (engine/core/chunk.py), and setting it is one memory write from any
thread, with no torch call. A chunk ended early is an ordinary shorter chunk: the same
arithmetic step for step, so nothing a run computes depends on when someone clicked.
"""
from __future__ import annotations

import numpy as np


class Interrupt:
    """Made on the GUI thread before PyTorch has loaded: torch is imported only when the flag is read."""

    def __init__(self):
        self._cell = np.zeros(1, np.int32)
        self._flag = None

    @property
    def flag(self):
        """The cell as a torch tensor (the same memory), for the chunk function."""
        if self._flag is None:
            import torch
            self._flag = torch.from_numpy(self._cell)
        return self._flag

    def request(self) -> None:
        """End the chunk under way (and any started before clear())."""
        self._cell[0] = 1

    def clear(self) -> None:
        self._cell[0] = 0

    @property
    def requested(self) -> bool:
        return bool(self._cell[0])
