"""The model, its optimizer and its record, stepped safely: what every digit experiment trains with.

A `Learner` knows nothing of where its examples come from: it asks `batch(step)` for
the (x, y) that update number step + 1 trains on. One digit answers with the same image
every time (engine/digit), a set with the minibatch of that step (engine/digitset); both
build their experiment around a Learner instead of inheriting one.

Per-step work is kept to the bare minimum: the details a view shows (dL/dz, dL/dx, the update
taken) are gathered on the last step of each `step(n)` call only, and the record keeps a frame
every few steps. With ~4k multiply-adds a step, every torch call counts (README, "Performance").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.history import FilterHistory, LossHistory
from filterlab.engine.core.journal import Change, Edit, Journal
from filterlab.engine.core.model import FilterNet, build_model, checked_filters, head_vector, to_numpy
from filterlab.engine.core.optimizers import apply_hparams, clone_state, make_optimizer, take_step
from filterlab.engine.core.parameters import PARAMETERS
from filterlab.engine.core.passes import Pass, details_of, forward_backward
from filterlab.engine.core.rollback import Trouble, guarded_steps, recover
from filterlab.engine.core.runtime import resolve_device
from filterlab.engine.core.snapshot import StepDetails

LIVE_FIELDS = ("lr", "weight_decay", "momentum", "optimizer", "record_every")
REBUILD_FIELDS = ("filters", "kernel", "init", "init_value", "seed", "device", "pixel_scale")
Batch = Callable[[int], tuple[torch.Tensor, torch.Tensor]]


@dataclass
class LearnerState:
    """A Learner as plain numpy and numbers: what a session file stores (engine/digit/session.py).

    `model` maps parameter names (PARAMETERS) to arrays, `optimizer` "<name>.<slot>" to
    the optimizer's state (Adam: step, exp_avg, exp_avg_sq; SGD: momentum_buffer), and
    `rollback` holds both one update back, where a divergence would return to.
    """

    config: Config
    step: int
    diverged: Optional[str]
    model: dict[str, np.ndarray]
    optimizer: dict[str, np.ndarray]
    rollback: Optional[tuple[dict, dict]]
    initial: np.ndarray
    losses: dict
    record: FilterHistory
    edits: tuple = ()  # (step, filter) of every filter edited by hand, for the timeline's marks
    last_update: Optional[np.ndarray] = None  # (F,k,k) what the last step changed, if a step was taken since


class SavedPair(Protocol):
    """A saved state that reads as save_state's (model state_dict, optimizer state_dict) pair: the pair itself,
    or a one-example learner's FlatState (engine/core/one_example.py), which builds it when asked."""

    def __getitem__(self, index: int) -> dict: ...


class Learner:
    """One model and optimizer, trained on `batch(step)`, with a bounded record and rollback."""

    rollback_state: Optional[SavedPair]  # the state one update before the current one, if known

    def __init__(self, config: Config, batch: Batch, on_forget: Optional[Callable[[int], None]] = None):
        self.batch = batch
        self.on_forget = on_forget  # told the step a rollback went back to, for the owner's own records
        self.reset(config)

    # ----------------------------------------------------------------- commands
    def reset(self, config: Config) -> None:
        """A freshly initialised model (the config's seed and init) at step 0, a new record."""
        self.config, self.device = config, resolve_device(config.device)
        self.model: FilterNet = build_model(config, self.device)
        self.optimizer = make_optimizer(self.model.parameters(), config)
        self.step_count = 0
        self.diverged: Optional[str] = None
        self.trouble: Optional[Trouble] = None
        self.rollback_state = None
        self.last: Optional[Pass] = None
        self.restored_update: Optional[np.ndarray] = None  # a loaded session's last step, until the next one
        self.last_losses = np.zeros(0)
        self._start_record()

    def start_from_filters(self, filters: np.ndarray) -> None:
        """Reset, then replace the filters by hand-painted (F,k,k) ones: they are step 0."""
        filters = checked_filters(filters, self.config)
        self.reset(self.config)
        with torch.no_grad():
            self.model.conv.weight.copy_(torch.from_numpy(filters)[:, None])
        self._start_record()

    def set_hparams(self, **changes) -> bool:
        """Change settings; True if that rebuilt the model (filters, kernel, init, seed, device, pixel scale:
        a run is compared with the script step for step, and Adam's history at one scale means nothing at
        the other)."""
        unknown = set(changes) - set(LIVE_FIELDS) - set(REBUILD_FIELDS)
        if unknown:
            raise ConfigError(f"not a setting: {', '.join(sorted(unknown))}")
        old, new = self.config, self.config.with_(**changes)
        if set(changes) & set(REBUILD_FIELDS):
            self.reset(new)
            return True
        self.config = new
        self.journal.events.append(Change(self.step_count, new))
        if new.optimizer != old.optimizer:
            self.optimizer = make_optimizer(self.model.parameters(), new)
            self.rollback_state = None  # its optimizer state belongs to the old optimizer
        else:
            apply_hparams(self.optimizer, new)
        if new.record_every != old.record_every:
            self.record.spacing = new.record_every
        if self.diverged and new.lr < old.lr:
            self.diverged = self.trouble = None
        return False

    def set_filter(self, k: int, weights: np.ndarray, reset_optimizer: bool = False) -> None:
        """Filter k becomes `weights` (k x k) between two steps: kept in the record and the journal.

        The optimizer's state is kept (Adam's moments of that filter go on) unless
        `reset_optimizer`: then that filter's moments (or momentum) start again from 0.
        """
        size = self.config.kernel
        weights = np.array(weights, dtype=np.float32)
        if not 0 <= k < self.config.filters or weights.shape != (size, size) or not np.isfinite(weights).all():
            raise ValueError(f"filter {k + 1} must become a finite {size}x{size} array "
                             f"(there are {self.config.filters} filters), got shape {weights.shape}")
        with torch.no_grad():
            self.model.conv.weight[k, 0] = torch.from_numpy(weights).to(self.device)
            if reset_optimizer:
                for slot in self.optimizer.state.get(self.model.conv.weight, {}).values():
                    if isinstance(slot, torch.Tensor) and slot.dim() == 4:
                        slot[k].zero_()
        self.journal.events.append(Edit(self.step_count, k, weights, reset_optimizer))
        self.rollback_state = self.last = self.restored_update = None  # none describes the weights any more
        self.record.put(self.step_count, self.filters(), head_vector(self.model))

    interruptible = True  # step() heeds `interrupt`: a long chunk ends within a step of interrupt.request()

    def step(self, n: int = 1, interrupt=None) -> int:
        """Train n steps (fewer if training diverges, or once `interrupt` is requested: engine/core/interrupt.py);
        returns the steps kept. If the loss or the weights stop being finite, the model goes back to the last
        sane state (engine/core/rollback.py) and `diverged` says why: no view ever shows NaN filters, and a
        smaller learning rate carries on."""
        if n <= 0 or self.diverged:
            return 0
        kept, trouble = guarded_steps(self, n, interrupt)
        if trouble is not None:
            self._diverge(trouble)
        return kept

    # ------------------------------------------------------------------ reading
    def filters(self) -> np.ndarray:
        return to_numpy(self.model.conv.weight[:, 0])

    def fc_weight(self) -> np.ndarray:
        return to_numpy(self.model.fc.weight)

    def current_pass(self) -> Pass:
        """The last step's pass, or (before the first step, after a new batch) the next one's."""
        if self.last is None:
            self.optimizer.zero_grad()
            _, self.last = forward_backward(self.model, *self.batch(self.step_count))
            if self.restored_update is not None:  # the step that led here was taken before the session was saved
                self.last.update = torch.from_numpy(self.restored_update).to(self.device)
            if not np.isfinite(self.last.loss) and not self.diverged:
                # finite weights, but too large for this example: a divergence, found before the step
                _, trouble = recover(self, self.save_state(), None, np.array([self.last.loss]), [])
                self._diverge(trouble)
                self.last = None
                return self.current_pass()
        return self.last

    def details(self) -> StepDetails:
        """The current pass as numpy: what the views show of the step."""
        return details_of(self.current_pass(), self.model)

    def forget_pass(self) -> None:
        """The example changed: the last pass no longer describes the next step."""
        self.last = None

    # ------------------------------------------- stepping (engine/core/rollback.py)
    def update(self, index: int, record: bool) -> torch.Tensor:
        """One update on the batch of step step_count + index; its loss, before the update."""
        x, y = self.batch(self.step_count + index)
        if not record:  # as few torch calls as possible: each costs more than its maths
            loss = F.cross_entropy(self.model.logits(x), y)  # = nll_loss(log_softmax)
            self.optimizer.zero_grad()
            loss.backward()
            take_step(self.optimizer)
            return loss.detach()
        self.optimizer.zero_grad()
        loss, self.last = forward_backward(self.model, x, y)
        before = self.model.conv.weight.detach().clone()
        take_step(self.optimizer)
        self.last.update = (self.model.conv.weight.detach() - before)[:, 0]
        return loss.detach()

    def due_frames(self, step: int) -> list:
        if not self.record.due(step):
            return []
        return [(step, self.filters(), head_vector(self.model))]

    def commit(self, losses: np.ndarray, frames: list) -> None:
        self.restored_update = None
        self.step_count += len(losses)
        self.last_losses = losses
        if len(losses):
            self.losses.extend(self.step_count, losses)
        for step, filters, head in frames:
            self.record.add(step, filters, head)
        if len(losses) and self.journal.due(self.step_count):
            self.journal.keep(self.step_count, self.checkpoint())

    def forget_last_step(self) -> None:
        self.step_count -= 1
        self.record.truncate(self.step_count)
        self.journal.forget_after(self.step_count)
        self.losses.drop_last()
        if self.on_forget is not None:
            self.on_forget(self.step_count)

    def weights_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.model.parameters())

    def save_state(self) -> tuple[dict, dict]:
        return ({k: v.clone() for k, v in self.model.state_dict().items()},
                clone_state(self.optimizer.state_dict()))

    def load_state(self, state) -> None:
        model_state, optimizer_state = state
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optimizer_state)
        apply_hparams(self.optimizer, self.config)  # the saved state carries the settings of its time
        self.last = None

    # ---------------------------------------------------------------- the state
    def state(self) -> LearnerState:
        return LearnerState(
            config=self.config, step=self.step_count, diverged=self.diverged,
            model=_model_arrays(self.model.state_dict()), optimizer=_optimizer_arrays(self.optimizer.state_dict()),
            rollback=None if self.rollback_state is None else
            (_model_arrays(self.rollback_state[0]), _optimizer_arrays(self.rollback_state[1])),
            initial=self.initial.copy(), losses=self.losses.state(), record=self.record,
            edits=tuple((e.step, e.filter) for e in self.journal.edits), last_update=self._last_update())

    @classmethod
    def from_state(cls, state: LearnerState, batch: Batch,
                   on_forget: Optional[Callable[[int], None]] = None) -> "Learner":
        """A Learner exactly as `state` describes it (ConfigError if its device is missing here)."""
        learner = cls(state.config, batch, on_forget)
        learner.load_state(learner._torch_state(state.model, state.optimizer))
        if state.rollback is not None:
            learner.rollback_state = learner._torch_state(*state.rollback)
        learner.step_count, learner.diverged = state.step, state.diverged
        learner.initial = state.initial
        if state.last_update is not None and state.step > 0:
            learner.restored_update = np.array(state.last_update, dtype=np.float32)
        learner.losses = LossHistory.from_state(state.losses)
        learner.record = state.record
        learner.record.kept |= {step for step, _ in state.edits}
        learner.journal = Journal(events=[Edit(step, k, None) for step, k in state.edits], start=state.step)
        learner.journal.keep(state.step, learner.checkpoint())  # forks from here on are exact
        return learner

    def _torch_state(self, model: dict, optimizer: dict) -> tuple[dict, dict]:
        """(model state_dict, optimizer state_dict) as this learner's own would be.

        torch.tensor copies: load_state_dict keeps tensors that are already on the right
        device as they are, and the optimizer must not update the caller's arrays in place.
        """
        model_state = {name: torch.tensor(model[name], device=self.device) for name in PARAMETERS}
        optimizer_state = self.optimizer.state_dict()  # the param groups the config implies
        optimizer_state["state"] = {}
        for key, value in optimizer.items():
            name, slot = key.rsplit(".", 1)
            optimizer_state["state"].setdefault(PARAMETERS.index(name), {})[slot] = \
                torch.tensor(value, device=self.device)
        return model_state, optimizer_state

    # ---------------------------------------------------------------- internals
    def _last_update(self) -> Optional[np.ndarray]:
        """What the last step changed (F,k,k), if the run has taken one and still knows it; else None."""
        if self.step_count == 0 or (self.last is None and self.restored_update is None):
            return None
        if self.last is not None:
            return self.details().update.copy()
        assert self.restored_update is not None  # one of the two is known (above)
        return self.restored_update.copy()

    def _diverge(self, trouble: Trouble) -> None:
        self.trouble, self.last = trouble, None
        self.diverged = (f"training diverged at step {trouble.step} ({trouble.describe()}); "
                         f"rolled back to step {self.step_count}: lower the learning rate or reset")

    def checkpoint(self) -> tuple:
        """(config, model state, optimizer state) now: where a replay can start (engine/core/journal.py)."""
        return (self.config, *self.save_state())

    def _start_record(self) -> None:
        self.initial = self.filters()
        self.losses = LossHistory()
        self.record = FilterHistory(self.config.record_every)
        self.record.add(0, self.initial, head_vector(self.model))
        self.journal = Journal()
        self.journal.keep(0, self.checkpoint())
        self.last = None


def _model_arrays(model_state: dict) -> dict[str, np.ndarray]:
    return {name: to_numpy(model_state[name]) for name in PARAMETERS}


def _optimizer_arrays(optimizer_state: dict) -> dict[str, np.ndarray]:
    """"<name>.<slot>" -> array; slots a parameter lacks (SGD without momentum) are left out."""
    return {f"{PARAMETERS[index]}.{slot}": to_numpy(value)
            for index, slots in optimizer_state["state"].items()
            for slot, value in slots.items() if value is not None}
