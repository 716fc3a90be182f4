"""A one-digit run as the command line (or a test) asks for it: what a window or the headless
runner is handed, never the argparse namespace. `build()` makes the Trainer, on whatever
thread calls it (the window's worker: torch loads there, after the window is up).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from filterlab.engine.core.config import Config

if TYPE_CHECKING:
    from filterlab.engine.digit.session import Session
    from filterlab.engine.digit.trainer import Trainer


@dataclass(frozen=True, eq=False)
class DigitSpec:
    config: Config = Config()
    image: Optional[np.ndarray] = None  # (28,28) in [0,1]; None: the first bundled 4
    label: Optional[int] = None
    description: str = "digit 4"
    session: Optional[Session] = None  # a checked engine.digit.session.Session to carry on from

    def build(self) -> Trainer:
        from filterlab.engine.digit.trainer import Trainer  # torch: on the caller's thread
        return self.session.build_trainer() if self.session is not None else \
            Trainer(self.config, self.image, self.label)

    @property
    def digit(self) -> tuple[np.ndarray, Optional[int]]:
        """(image, label) the run starts on."""
        if self.session is not None:
            return self.session.image, self.session.label
        if self.image is None:
            from filterlab.engine.data import bundled_digit
            return bundled_digit(4)
        return self.image, self.label

    @property
    def start_config(self) -> Config:
        return self.session.config if self.session is not None else self.config

    @property
    def device(self) -> str:
        return self.start_config.device

    @property
    def start_step(self) -> int:
        return self.session.step if self.session is not None else 0
