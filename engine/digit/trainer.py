"""The training loop as an object the window, the command line and the tests can drive.

It knows nothing of threads or Qt: `step`, `reset`, `set_image` and `set_hparams` are
plain calls, and `snapshot()` hands out a frozen numpy copy of everything a view may
draw. Per-step work is kept to the bare minimum (the details a view shows are gathered
on the last step of each `step(n)` call only), so watching costs training almost nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import IMAGE_SIZE, Config, ConfigError
from filterlab.engine.core.history import FilterHistory, ImageHistory, LossHistory, history_arrays
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.model import FilterNet, build_model, checked_digit, checked_filters
from filterlab.engine.core.snapshot import Snapshot

LIVE_FIELDS = ("lr", "weight_decay", "momentum", "optimizer", "record_every")


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for, but no CUDA GPU is available")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def make_optimizer(params, config: Config) -> torch.optim.Optimizer:
    """Adam as in the original experiment, or plain SGD (with optional momentum).

    fused=True: the whole update of all four tensors is one kernel instead of a dozen
    small ops per tensor. With ~4k multiply-adds per step, op dispatch *is* the cost,
    so this alone makes a step ~1.5x faster on a CPU (see bench/).
    """
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay, fused=True)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                           weight_decay=config.weight_decay, fused=True)


@dataclass
class _LastStep:
    """Tensors kept from the step a snapshot describes (see Snapshot's docstring)."""

    loss: float
    log_probs: torch.Tensor
    maps: torch.Tensor
    dl_dmaps: torch.Tensor
    input_grad: torch.Tensor
    update: torch.Tensor


class Trainer:
    """One model, one optimizer, one training image (or batch), and their history."""

    def __init__(self, config: Config = Config(), image: Optional[np.ndarray] = None,
                 label: Optional[int] = None):
        if image is None:
            from filterlab.engine.data import bundled_digit
            image, label = bundled_digit(4)
        self.config = config
        self.device = resolve_device(config.device)
        self.diverged: Optional[str] = None
        self._set_tensors(image, label)
        self.reset()

    # ----------------------------------------------------------------- commands
    def reset(self, seed: Optional[int] = None, **changes) -> None:
        """Fresh initial filters (a new seed, or config changes such as filters/kernel)."""
        if seed is not None:
            changes["seed"] = seed
        config = self.config.with_(**changes)
        device = resolve_device(config.device)
        self.config, self.device = config, device
        self.model: FilterNet = build_model(config, device)
        self.optimizer = make_optimizer(self.model.parameters(), config)
        self._x, self._y = self._x.to(device), self._y.to(device)
        self.step_count = 0
        self.diverged = None
        self.initial = self._filters_numpy()
        self.losses = LossHistory()
        self.filter_history = FilterHistory(config.record_every)
        self.filter_history.add(0, self.initial, self._head_numpy())
        self.image_history = ImageHistory()
        self.image_history.add(0, self.image, self.label)
        self._last: Optional[_LastStep] = None
        self._initial_cos: Optional[np.ndarray] = None
        self._before_last = None  # state before the latest update: where a divergence rolls back to

    def set_initial_filters(self, filters: np.ndarray) -> None:
        """Start over from hand-painted (F,k,k) filters: step 0, a fresh record, these as "before".

        A reset first (so biases and the output layer follow the config's init), then the
        filters are replaced; a later reset draws from the config's init again.
        """
        filters = checked_filters(filters, self.config)
        self.reset()
        with torch.no_grad():
            self.model.conv.weight.copy_(torch.from_numpy(filters)[:, None])
        self.initial = self._filters_numpy()
        self.filter_history = FilterHistory(self.config.record_every)
        self.filter_history.add(0, self.initial, self._head_numpy())

    def set_image(self, image: np.ndarray, label: int) -> None:
        """Train on another digit from now on; the filters carry on from where they are."""
        self._set_tensors(image, label)
        self.image_history.add(self.step_count, self.image, self.label)
        self._last = None
        self._initial_cos = None

    def set_hparams(self, **changes) -> None:
        """Change learning settings live; filters and kernel size rebuild the model."""
        unknown = set(changes) - set(LIVE_FIELDS)
        if unknown - {"filters", "kernel", "init", "init_value", "seed", "device"}:
            raise ConfigError(f"not a setting: {', '.join(sorted(unknown))}")
        if unknown:
            self.reset(**changes)
            return
        old, new = self.config, self.config.with_(**changes)
        self.config = new
        if new.optimizer != old.optimizer:
            self.optimizer = make_optimizer(self.model.parameters(), new)
            self._before_last = None  # its optimizer state belongs to the old optimizer
        else:
            self._apply_hparams()
        if new.record_every != old.record_every:
            self.filter_history.interval = new.record_every
        if self.diverged and new.lr < old.lr:
            self.diverged = None

    def step(self, n: int = 1) -> int:
        """Train n steps (fewer if training diverges); returns the steps kept.

        If the loss or the weights stop being finite, the model goes back to the last
        state from which a step still gave a finite loss, and `diverged` says why: no
        view ever shows NaN filters, and a smaller learning rate carries on from there.
        """
        if n <= 0 or self.diverged:
            return 0
        start = self._state_copy()
        losses, frames = [], []
        for i in range(n):
            if i == n - 1:
                before_last = self._state_copy()
            losses.append(self._recorded_step() if i == n - 1 else self._plain_step())
            step = self.step_count + i + 1
            if self.filter_history.due(step):
                frames.append((step, self._filters_numpy(), self._head_numpy()))
        loss_values = torch.stack(losses).cpu().numpy().astype(np.float64)
        if np.isfinite(loss_values).all() and self._weights_finite():
            self._commit(loss_values, frames)
            self._before_last = before_last
            return n
        return self._recover(start, before_last, loss_values, frames)

    def _recover(self, start, before_last, loss_values, frames) -> int:
        """Land on the state one update before the first poisoned one.

        Loss i of this call is computed from the weights after i updates, so the first
        non-finite loss names the first poisoned weights; the update that made them
        came from the state just before, which is where training can safely resume.
        """
        n, begin = len(loss_values), self.step_count
        finite = np.isfinite(loss_values)
        poisoned = n if finite.all() else int(np.argmin(finite))
        if poisoned == n:
            self._restore(before_last)
            kept = n - 1
        elif poisoned > 0:
            self._restore(start)
            for _ in range(poisoned - 1):
                self._plain_step()
            kept = poisoned - 1
        else:  # the weights this call started from were already poisoned
            self._restore(self._before_last or start)
            kept = 0
            if self._before_last is not None:
                self.step_count -= 1  # and the record with it: a saved session must not hold a future step
                self.filter_history.truncate(self.step_count)
                self.losses.drop_last()
                self.image_history.truncate(self.step_count)
        self._commit(loss_values[:kept], [f for f in frames if f[0] <= begin + kept])
        self._before_last = None
        self._last = None
        bad = loss_values[~finite][0] if not finite.all() else "finite but the weights overflowed"
        self.diverged = (f"training diverged at step {begin + poisoned + 1} (loss {bad}); "
                         f"rolled back to step {self.step_count}: lower the learning rate or reset")
        return kept

    def _commit(self, loss_values: np.ndarray, frames) -> None:
        self.step_count += len(loss_values)
        if len(loss_values):
            self.losses.extend(self.step_count, loss_values)
        for step, filters, head in frames:
            self.filter_history.add(step, filters, head)

    # ------------------------------------------------------------------ reading
    @property
    def image(self) -> np.ndarray:
        return self._x[0, 0].cpu().numpy().copy()

    @property
    def label(self) -> int:
        return int(self._y[0])

    def snapshot(self) -> Snapshot:
        """A frozen copy of everything a view may show at the current step."""
        last = self._last or self._probe()
        filters = self._filters_numpy()
        image = self.image
        fc = self.model.fc.weight.detach().view(10, self.config.filters, -1)
        loss_steps, loss_values = self.losses.arrays()
        cosine_steps, cosine_history = self.filter_history.cosine_curves(self.image_history)
        count, side = self.config.filters, IMAGE_SIZE - self.config.kernel + 1
        return Snapshot(
            step=self.step_count,
            loss=last.loss,
            filters=filters,
            grads=_numpy(self.model.conv.weight.grad[:, 0]),
            update=_numpy(last.update),
            initial=self.initial.copy(),
            image=image,
            label=self.label,
            probs=_numpy(last.log_probs[0].exp()),
            z=_numpy(last.maps[0]).reshape(count, side, side),
            dl_dz=_numpy(last.dl_dmaps[0]).reshape(count, side, side),
            input_grad=_numpy(last.input_grad[0, 0]),
            class_weights=_numpy(fc[self.label].sum(dim=1)),
            cosine=cosine_to_image(filters, image),
            initial_cosine=self._initial_cosine(),
            loss_steps=loss_steps,
            loss_values=loss_values,
            config=self.config,
            device=str(self.device),
            diverged=self.diverged,
            cosine_steps=cosine_steps,
            cosine_history=cosine_history,
        )

    def history(self) -> dict[str, np.ndarray]:
        """The run's record as the arrays saved in history.npz."""
        return history_arrays(self.losses, self.filter_history, self.image_history,
                              self.initial, self.config.to_dict())

    def save_history(self, path) -> None:
        from filterlab.engine.core.files import save_npz
        save_npz(path, self.history())

    # ----------------------------------------------------------------- sessions
    def save_session(self, path) -> None:
        """Everything needed to carry on exactly from this step (format: engine/session.py)."""
        from filterlab.engine.digit.session import save_session
        save_session(self, path)

    @classmethod
    def load_session(cls, path) -> "Trainer":
        """A new trainer in the saved state; SessionError if the file is not usable."""
        from filterlab.engine.digit.session import load_session
        return load_session(path)

    def load_session_into(self, path) -> None:
        """Become the saved session, in place (the window's worker holds this object).

        The file is read, checked and built into a separate trainer first, and a bad one
        raises SessionError before anything here changed; the final swap of attributes
        cannot fail halfway.
        """
        self.become(self.load_session(path))

    def become(self, other: "Trainer") -> None:
        """Take over another trainer's whole state, in place; a swap that cannot fail halfway."""
        vars(self).clear()
        vars(self).update(vars(other))

    # ---------------------------------------------------------------- internals
    def _set_tensors(self, image: np.ndarray, label: int) -> None:
        image, label = checked_digit(image, label)
        device = getattr(self, "device", torch.device("cpu"))
        self._x = torch.from_numpy(image).to(device)[None, None]
        self._y = torch.tensor([label], device=device)

    def _plain_step(self) -> torch.Tensor:
        """One update with as few torch calls as possible (each one costs more than its maths)."""
        loss = F.cross_entropy(self.model.logits(self._x), self._y)  # = nll_loss(log_softmax)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def _recorded_step(self) -> torch.Tensor:
        """The same update, keeping what a snapshot shows: dL/dz, dL/dx and the change made."""
        model = self.model
        x = self._x.clone().requires_grad_(True)
        maps = model.feature_maps(x)
        maps.retain_grad()
        log_probs = model.classify(maps)
        loss = F.nll_loss(log_probs, self._y)
        self.optimizer.zero_grad()
        loss.backward()
        before = model.conv.weight.detach().clone()
        self.optimizer.step()
        self._last = _LastStep(loss.item(), log_probs.detach(), maps.detach(),
                               maps.grad, x.grad, (model.conv.weight.detach() - before)[:, 0])
        return loss.detach()

    def _probe(self) -> _LastStep:
        """Forward and backward at the current weights without updating them.

        Before the first step (or right after a new image) there is no "last step" to
        describe, so the views show the gradient the next step will use.
        """
        self.optimizer.zero_grad()
        self._last = probe(self.model, self._x, self._y)
        if not np.isfinite(self._last.loss) and not self.diverged:
            # finite weights, but too large for this digit (a new one, or the next step's):
            # that is a divergence, handled as the next step would have found it
            self._recover(self._state_copy(), None, np.array([self._last.loss]), [])
            return self._probe()
        return self._last

    def _initial_cosine(self) -> np.ndarray:
        """Cached: it changes only with a reset or a new image."""
        if self._initial_cos is None:
            self._initial_cos = cosine_to_image(self.initial, self.image)
        return self._initial_cos.copy()

    def _filters_numpy(self) -> np.ndarray:
        return _numpy(self.model.conv.weight[:, 0])

    def _head_numpy(self) -> np.ndarray:
        """Every parameter but the filters, flattened (see FilterHistory)."""
        return head_vector(self.model)

    def _weights_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.model.parameters())

    def _state_copy(self):
        return ({k: v.clone() for k, v in self.model.state_dict().items()},
                _clone_state(self.optimizer.state_dict()))

    def _restore(self, state) -> None:
        model_state, optim_state = state
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optim_state)
        self._apply_hparams()  # the saved state carries the settings of its time; keep today's

    def _apply_hparams(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"], group["weight_decay"] = self.config.lr, self.config.weight_decay
            if "momentum" in group:
                group["momentum"] = self.config.momentum


def probe(model: FilterNet, x: torch.Tensor, y: torch.Tensor) -> _LastStep:
    """Forward and backward through `model` without updating it; its .grad holds dL/dw."""
    x = x.clone().requires_grad_(True)
    maps = model.feature_maps(x)
    maps.retain_grad()
    log_probs = model.classify(maps)
    loss = F.nll_loss(log_probs, y)
    loss.backward()
    return _LastStep(loss.item(), log_probs.detach(), maps.detach(), maps.grad,
                     x.grad, torch.zeros_like(model.conv.weight[:, 0]))


def head_vector(model: FilterNet) -> np.ndarray:
    parts = (model.conv.bias, model.fc.weight, model.fc.bias)
    return torch.cat([p.detach().flatten() for p in parts]).cpu().numpy()


def load_head(model: FilterNet, head: np.ndarray) -> None:
    """Inverse of head_vector."""
    flat = torch.from_numpy(np.asarray(head, dtype=np.float32))
    offset = 0
    with torch.no_grad():
        for param in (model.conv.bias, model.fc.weight, model.fc.bias):
            param.copy_(flat[offset:offset + param.numel()].view_as(param))
            offset += param.numel()


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", copy=True).numpy()


def _clone_state(value):
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _clone_state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone_state(v) for v in value]
    return value
