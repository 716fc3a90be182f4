"""A training session in one file, to stop now and carry on later exactly where it was.

Exactly means bit for bit: N steps, save, load, M steps must give the same losses and
weights as N+M steps in one go. So the file holds everything a step reads — the four
parameters, the optimizer's per-parameter state (Adam's moments and step, or SGD's
momentum buffers), the training image — and everything the record keeps building on:
the loss history's half-filled averaging block, the filter history's current interval,
the state a divergence would roll back to.

The session knows the trainer only through its public `state()` / `from_state()`
(engine/digit/trainer.py). The format is a plain .npz: arrays plus two JSON strings,
never a pickle. It is history.npz with the training state added, so anything that
reads a history reads a session too (README, "Sessions"). What is checked before a file
is trusted is in engine/digit/session_checks.py.

Nothing here imports torch at module level: the window reads a session given on the
command line before it opens, and torch takes seconds to import.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.files import save_npz
from filterlab.engine.core.history import FilterHistory, ImageHistory, LossHistory, history_arrays
from filterlab.engine.core.inputs import shown
from filterlab.engine.core.parameters import PARAMETERS
from filterlab.engine.digit.session_checks import FORMAT, OPTIMIZER_SLOTS, ROLLBACK, VERSION, SessionError, read_checked

__all__ = ["Session", "SessionError", "load_session", "read_session", "save_session", "session_arrays"]


# ------------------------------------------------------------------------- saving
def save_session(trainer, path) -> None:
    """Write the trainer's whole state to `path` (atomically: an old file survives a failure)."""
    save_npz(path, session_arrays(trainer.state()))


def session_arrays(state) -> dict[str, np.ndarray]:
    """The documented contents of a session file, from a Trainer's state()."""
    learner = state.learner
    losses = LossHistory.from_state(learner.losses)
    arrays = history_arrays(losses, learner.record, state.images, learner.initial, learner.config.to_dict())
    arrays.update(_state_arrays("", learner.model, learner.optimizer))
    if learner.rollback is not None:  # what the next divergence would roll back to
        arrays.update(_state_arrays(ROLLBACK, *learner.rollback))
    arrays["image"] = state.image
    arrays["loss_exact_steps"], arrays["loss_exact"] = losses.exact_arrays()
    arrays["edit_steps"] = np.array([step for step, _ in learner.edits], dtype=np.int64)
    arrays["edit_filters"] = np.array([k for _, k in learner.edits], dtype=np.int64)
    if learner.last_update is not None:  # the last step taken: its cosine to the digit, shown again on loading
        arrays["last_update"] = learner.last_update
    arrays["session_json"] = np.array(json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "step": learner.step,
        "label": state.label,
        "diverged": learner.diverged,
        "rollback": learner.rollback is not None,
        "loss_capacity": learner.losses["capacity"],
        "loss_stride": learner.losses["stride"],
        "loss_block_sum": learner.losses["block_sum"],
        "loss_block_len": learner.losses["block_len"],
        "loss_exact_thinning": learner.losses["exact_thinning"],
        "filter_thinning": learner.record.thinning,
        "filter_max_bytes": learner.record.max_bytes,
    }))
    return arrays


def _state_arrays(prefix: str, model: dict, optimizer: dict) -> dict[str, np.ndarray]:
    """model.<param> and optimizer.<param>.<slot> arrays (slots a parameter lacks are not there)."""
    arrays = {f"{prefix}model.{name}": model[name] for name in PARAMETERS}
    arrays.update({f"{prefix}optimizer.{key}": value for key, value in optimizer.items()})
    return arrays


# ------------------------------------------------------------------------ loading
@dataclass(frozen=True)
class Session:
    """A session file's contents, every array checked against the config it carries."""

    path: Path
    config: Config
    meta: dict
    arrays: dict[str, np.ndarray]

    @property
    def step(self) -> int:
        return self.meta["step"]

    @property
    def label(self) -> int:
        return self.meta["label"]

    @property
    def image(self) -> np.ndarray:
        return self.arrays["image"]

    def state(self):
        """The saved Trainer state (engine/digit/trainer.py's DigitState)."""
        from filterlab.engine.core.learner import LearnerState  # torch: only once a trainer is wanted
        from filterlab.engine.digit.trainer import DigitState

        arrays, meta = self.arrays, self.meta
        frames = list(arrays["filters"])
        # a version-1 file kept a frame every filter_interval = record_every x 2^k steps
        thinning = (meta["filter_thinning"] if meta["version"] >= 2
                    else max(1, meta["filter_interval"] // self.config.record_every))
        record = FilterHistory(self.config.record_every, meta["filter_max_bytes"], arrays["filter_steps"].tolist(),
                               frames, list(arrays["filter_heads"]), [None] * len(frames), thinning)
        losses = {"capacity": meta["loss_capacity"], "stride": meta["loss_stride"],
                  "steps": arrays["loss_steps"].tolist(), "values": arrays["loss"].tolist(),
                  "block_sum": meta["loss_block_sum"], "block_len": meta["loss_block_len"],
                  "exact_steps": arrays.get("loss_exact_steps", np.zeros(0, np.int64)).tolist(),
                  "exact_values": arrays.get("loss_exact", np.zeros(0)).tolist(),
                  "exact_thinning": meta.get("loss_exact_thinning", 1), "last_step": meta["step"]}
        learner = LearnerState(
            config=self.config, step=meta["step"], diverged=meta["diverged"],
            model=self._part("", "model"), optimizer=self._part("", "optimizer"),
            rollback=(self._part(ROLLBACK, "model"), self._part(ROLLBACK, "optimizer")) if meta["rollback"] else None,
            initial=arrays["initial_filters"], losses=losses, record=record,
            edits=tuple(zip(arrays.get("edit_steps", np.zeros(0, np.int64)).tolist(),
                            arrays.get("edit_filters", np.zeros(0, np.int64)).tolist())),
            last_update=arrays.get("last_update"))
        images = ImageHistory(arrays["image_steps"].tolist(), list(arrays["images"]), arrays["labels"].tolist())
        return DigitState(learner, self.image, self.label, images)

    def build_trainer(self):
        """A Trainer in exactly the saved state (ConfigError if its device is missing here)."""
        from filterlab.engine.digit.trainer import Trainer
        return Trainer.from_state(self.state())

    def _part(self, prefix: str, kind: str) -> dict[str, np.ndarray]:
        """The model's arrays by parameter name, or the optimizer's by "<param>.<slot>"."""
        start = f"{prefix}{kind}."
        if kind == "model":
            return {name: self.arrays[start + name] for name in PARAMETERS}
        slots = OPTIMIZER_SLOTS[self.config.optimizer]
        return {f"{name}.{slot}": self.arrays[f"{start}{name}.{slot}"]
                for name in PARAMETERS for slot in slots if f"{start}{name}.{slot}" in self.arrays}


def load_session(path):
    """A new Trainer in the state saved in `path`; SessionError if the file is not usable."""
    session = read_session(path)
    try:
        return session.build_trainer()
    except ConfigError as error:
        raise SessionError(f"{shown(path)}: {error}") from None


def read_session(path) -> Session:
    """Read and check a session file; SessionError (naming the file) if anything is wrong."""
    config, meta, arrays = read_checked(path)
    return Session(Path(path), config, meta, arrays)
