"""Read-only numpy fields for the frozen snapshots the views share.

A snapshot holds numpy copies, never views of torch tensors, so the training thread can
keep writing its weights while the window draws an older one; making the copies
read-only means one view cannot scribble on data another view also shows.
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np


class ReadOnlyArrays:
    """Mixin for a frozen dataclass: every numpy array field becomes read-only once built."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
