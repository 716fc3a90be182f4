"""A set run (`--classes`) as the command line asks for it: the window or the headless runner builds it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from filterlab.engine.core.config import Config
from filterlab.engine.digitset.data import DEFAULT_BATCH, EPOCHS, DigitSet

if TYPE_CHECKING:
    from filterlab.engine.digitset.trainer import SetTrainer


@dataclass(frozen=True, eq=False)
class SetSpec:
    config: Config
    digits: DigitSet
    batch_size: int = DEFAULT_BATCH
    epochs: int = EPOCHS

    def build(self) -> SetTrainer:
        from filterlab.engine.digitset.trainer import SetTrainer  # torch: on the caller's thread
        return SetTrainer(self.config, self.digits, self.batch_size, self.epochs)

    start_step = 0

    @property
    def description(self) -> str:
        return self.digits.description

    @property
    def device(self) -> str:
        return self.config.device
