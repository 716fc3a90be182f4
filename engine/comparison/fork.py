"""A fork: the run as it was at a recorded step, twice, side by side — once as it was, once with one change.

Both runs start from the exact state the original had at that step (engine/core/replay.py:
the journal's nearest checkpoint, replayed), so their first state is the original's bit
for bit and they differ only by the change: a learning rate, an optimizer, the digit or
its label, a filter edited, or one filter drawn anew from another seed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

import numpy as np

if TYPE_CHECKING:  # for the annotations only: forked() imports it when it runs
    from filterlab.engine.comparison.runs import Comparison

CHANGES = ("lr", "optimizer", "digit", "edit", "reseed")


@dataclass(frozen=True, eq=False)
class Fork:
    """One change to the run at `step`: `kind` (one of CHANGES) and what it needs."""

    step: int
    kind: str
    value: Union[float, str, None] = None  # lr: a float; optimizer: "adam"/"sgd"; reseed: a seed
    filter: int = 0                 # edit, reseed: which filter
    weights: Optional[np.ndarray] = None  # edit: the filter's new weights
    digit: tuple = field(default=())  # digit: (image, label)

    def describe(self) -> str:
        if self.kind == "lr":
            assert self.value is not None, "an lr fork carries its learning rate"
            return f"learning rate {float(self.value):g}"
        if self.kind == "digit":
            return f"digit {self.digit[1]}" if self.digit else "another digit"
        return {"optimizer": f"optimizer {self.value}", "edit": f"filter #{self.filter + 1} edited",
                "reseed": f"filter #{self.filter + 1} drawn from seed {self.value}"}[self.kind]


def forked(trainer, fork: Fork):
    """(Comparison of [the run as it was, the run with the change], note or None) from `trainer` at fork.step."""
    from filterlab.engine.comparison.runs import Comparison
    from filterlab.engine.core.model import build_model

    as_it_was, note = trainer.learner_at(fork.step)
    changed, _ = trainer.learner_at(fork.step)
    image, label = trainer.image_history.at(as_it_was.step_count)
    other_image, other_label = (image, label)
    if fork.kind in ("lr", "optimizer"):
        changed.set_hparams(**{fork.kind: fork.value})
    elif fork.kind == "edit":
        changed.set_filter(fork.filter, fork.weights)
    elif fork.kind == "reseed":
        assert fork.value is not None, "a reseed fork carries its seed"
        fresh = build_model(changed.config.with_(seed=int(fork.value)), changed.device)
        changed.set_filter(fork.filter, fresh.conv.weight[fork.filter, 0].detach().cpu().numpy())
    elif fork.kind == "digit":
        other_image, other_label = fork.digit
    names = [f"as it was at step {as_it_was.step_count:,}", fork.describe()]
    comparison = Comparison([as_it_was.config, changed.config], np.asarray(image, np.float32), label, names=names)
    comparison.origin = ([as_it_was, changed], as_it_was.step_count, [(image, label), (other_image, other_label)])
    comparison.reset()
    return comparison, note


@dataclass(frozen=True, eq=False)
class ForkSpec:
    """A fork made on the original run's training thread, for a side-by-side window to train from now on."""

    comparison: Comparison
    note: Optional[str] = None  # why the fork is approximate, when it is

    device = "auto"  # the original run's, already chosen
    start_step = 0

    def build(self):
        return self.comparison

    @property
    def description(self) -> str:
        return " beside ".join(self.comparison.names)

    @property
    def runs(self) -> tuple:
        return tuple(zip(self.comparison.names, self.comparison.configs))

    @property
    def names(self) -> list[str]:
        return list(self.comparison.names)

    @property
    def image(self) -> np.ndarray:
        return self.comparison.image

    @property
    def label(self) -> int:
        return self.comparison.label



