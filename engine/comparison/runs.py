"""Several runs of the experiment in lockstep, as one batched computation.

To compare seeds, optimizers or initialisations, R runs train on the same digit with one
step counter, so their filters and curves can be put side by side at the same step.

Why batched: a step of this model is a few thousand multiply-adds, so on a CPU its cost
is almost all per-op overhead (README, "Performance"). R runs stepped one after another
pay that overhead R times; with the R models' weights stacked into (R, ...) tensors, one
set of ops serves them all.

Why gradients by hand: up to the softmax the model is linear, so its gradients are four
short formulas (`_update`); written as batched matmuls they skip autograd's graph
building, the other half of the per-step overhead. They equal autograd's to float
rounding: a test checks the runs against the same runs done by separate Trainers.

Why per-run optimizers on views: each run keeps exactly the optimizer a Trainer would
build (`make_optimizer`: fused Adam or SGD with its own settings). Its parameters are
views into the stacked weights and its gradients views into stacked gradient buffers,
so the batched maths writes where each optimizer reads, with no copies. Runs with equal
optimizer settings share one optimizer: one fused kernel call updates them all.

The image is shared, so its k x k patches are cut once (P, S x K with S = (29-k)^2
positions and K = k^2 pixels); every filter response is then W @ P^T, and the 28x28
kernel is just the case S = 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import IMAGE_SIZE, Config, ConfigError
from filterlab.engine.core.history import FilterHistory, ImageHistory, LossHistory
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.model import build_model, checked_digit, checked_filters
from filterlab.engine.core.snapshot import Snapshot
from filterlab.engine.digit.trainer import _clone_state, _numpy, make_optimizer, resolve_device

SHARED_FIELDS = ("filters", "kernel", "device")  # what the stacked tensors need to agree on
RUN_FIELDS = ("seed", "optimizer", "lr", "momentum", "weight_decay", "init", "init_value")


def configs_from_spec(spec: str, base: Config) -> list[tuple[str, Config]]:
    """'seed=1;seed=2;optimizer=sgd,lr=0.1' -> (name, Config) per run: `base` with its changes.

    Runs are separated by ';', settings within a run by ',', each `name=value` with a name
    from RUN_FIELDS ('-' may stand for '_'); a run's name is its text. ConfigError names
    what is wrong.
    """
    runs = []
    for number, text in enumerate(spec.split(";"), start=1):
        changes = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = (s.strip() for s in item.partition("="))
            name = name.replace("-", "_")
            if not sep or name not in RUN_FIELDS:
                raise ConfigError(f"run {number}: {item!r} is not name=value with a name among "
                                  f"{', '.join(RUN_FIELDS)}")
            changes[name] = _value(name, value, number)
        if not changes:
            raise ConfigError(f"run {number} is empty; give it at least one name=value (e.g. seed=0)")
        try:
            runs.append((text.strip(), base.with_(**changes)))
        except ConfigError as error:
            raise ConfigError(f"run {number}: {error}") from None
    return runs


def _value(name: str, text: str, number: int):
    convert = {"seed": int, "optimizer": str, "init": str}.get(name, float)
    try:
        return convert(text)
    except ValueError:
        kind = "whole number" if convert is int else "number"
        raise ConfigError(f"run {number}: {name} must be a {kind}, got {text!r}") from None


@dataclass(frozen=True)
class Comparison:
    """The runs of a Lockstep at one step, each a full Snapshot, in the order given."""

    step: int
    names: tuple
    runs: tuple
    diverged: Optional[str] = None

    @property
    def blank_image(self) -> bool:
        return self.runs[0].blank_image


class Lockstep:
    """R runs of FilterNet on one digit, one step counter, stacked weights, per-run optimizers.

    Runs are numbered as given (`configs`, `names`, `snapshots()`, `filters()`). Inside,
    runs with equal optimizer settings sit next to each other ("slots"), so each group's
    optimizer updates one contiguous slice of every stacked tensor: 4 tensors per group,
    not 4 per run (an optimizer's Python-side cost grows with its tensor count).
    """

    def __init__(self, configs: Sequence[Config], image: Optional[np.ndarray] = None,
                 label: Optional[int] = None, names: Optional[Sequence[str]] = None):
        configs = list(configs)
        if not configs:
            raise ConfigError("a comparison needs at least one run")
        for name in SHARED_FIELDS:
            values = {getattr(c, name) for c in configs}
            if len(values) > 1:
                raise ConfigError(f"runs side by side must share {name}, got {', '.join(sorted(map(str, values)))}")
        if image is None:
            from filterlab.engine.data import bundled_digit
            image, label = bundled_digit(4)
        self.configs = configs
        self.names = list(names) if names is not None else [f"run {r + 1}" for r in range(len(configs))]
        self.device = resolve_device(configs[0].device)
        groups: dict[tuple, list[int]] = {}
        for r, c in enumerate(configs):
            groups.setdefault((c.optimizer, c.lr, c.momentum, c.weight_decay), []).append(r)
        self._groups = list(groups.values())
        self._order = [r for runs in self._groups for r in runs]  # the run in each slot
        self._slots = np.argsort(self._order)                      # the slot of each run
        self.step_count = 0
        self.image_history = ImageHistory()
        self.set_image(image, label)
        self.reset()

    @property
    def runs(self) -> int:
        return len(self.configs)

    # ----------------------------------------------------------------- commands
    def reset(self, seed: Optional[int] = None) -> None:
        """Every run back to its own initial weights (its config's seed and init), step 0.

        `seed` is accepted for the window's worker, which sends one with every reset, and
        ignored: each run keeps the seed that is part of what is being compared.
        """
        models = [build_model(self.configs[r], torch.device("cpu")) for r in self._order]
        stack = lambda get: torch.stack([get(m).detach() for m in models]).to(self.device)
        count, side = self.configs[0].filters, IMAGE_SIZE - self.configs[0].kernel + 1
        self.weight = stack(lambda m: m.conv.weight.flatten(1))  # (R,F,K)
        self.bias = stack(lambda m: m.conv.bias)                  # (R,F)
        self.fc_weight = stack(lambda m: m.fc.weight)             # (R,10,F*S)
        self.fc_bias = stack(lambda m: m.fc.bias)                 # (R,10)
        self._shape = (count, side * side)
        self.grads = tuple(torch.zeros_like(p) for p in self._params())
        self.optimizers = self._make_optimizers()
        self.step_count = 0
        self.diverged: Optional[str] = None
        self._start_record()

    def set_initial_filters(self, run: int, filters: np.ndarray) -> None:
        """Start every run over, run number `run` from hand-painted (F,k,k) filters."""
        filters = checked_filters(filters, self.configs[run])
        self.reset()
        self.weight[self._slots[run]].copy_(torch.from_numpy(filters).flatten(1))
        self._start_record()

    def set_image(self, image: np.ndarray, label: int) -> None:
        """Train every run on another digit from now on; the filters carry on from where they are."""
        image, label = checked_digit(image, label)
        self.image, self.label = image, label
        self.image_history.add(self.step_count, image, label)
        x = torch.from_numpy(image.copy()).to(self.device)
        self._patches = F.unfold(x[None, None], self.configs[0].kernel)[0].T.contiguous()  # (S,K)
        self._patches_t = self._patches.T.contiguous()                                     # (K,S)
        self._onehot = F.one_hot(torch.tensor(label), 10).float().to(self.device)
        self._last: Optional[dict] = None

    def step(self, n: int = 1) -> int:
        """Train every run n steps (fewer if one diverges); returns the steps kept.

        As in Trainer, a non-finite loss or weight in any run stops all of them at the
        last step from which every run's next loss was finite, and `diverged` names the
        run; the record of the rolled-back steps is dropped.
        """
        if n <= 0 or self.diverged:
            return 0
        start = self._state_copy()
        losses, frames = [], []
        for i in range(n):
            losses.append(self._update(record=i == n - 1))
            frames += self._due_frames(self.step_count + i + 1)
        values = torch.stack(losses).cpu().numpy().astype(np.float64)[:, self._slots]  # (n,R)
        finite = np.isfinite(values).all(axis=1)
        if finite.all() and self._weights_finite():
            self._commit(values, frames)
            return n
        poisoned = n if finite.all() else int(np.argmin(finite))
        kept = max(poisoned - 1, 0)
        self._restore(start)
        for _ in range(kept):
            self._update(record=False)
        begin = self.step_count
        self._commit(values[:kept], [f for f in frames if f[0] <= begin + kept])
        self._last = None
        bad = np.flatnonzero(~np.isfinite(values[poisoned])) if poisoned < n else range(self.runs)
        self.diverged = (f"{', '.join(self.names[r] for r in bad)} diverged at step {begin + poisoned + 1}; "
                         f"every run rolled back to step {self.step_count}: lower its learning rate or reset")
        return kept

    # ------------------------------------------------------------------ reading
    def filters(self) -> np.ndarray:
        """(R,F,k,k) current filters of every run."""
        k = self.configs[0].kernel
        return self._per_run(self.weight).reshape(self.runs, -1, k, k)

    def snapshot(self) -> "Comparison":
        """All runs at this step, as one frozen value (what a window's worker publishes)."""
        return Comparison(self.step_count, tuple(self.names), tuple(self.snapshots()), self.diverged)

    def snapshots(self) -> list[Snapshot]:
        """One Snapshot per run, all at the same step, for views side by side."""
        last = self._last or self._probe()
        filters = self.filters()
        count, positions = self._shape
        side, k = IMAGE_SIZE - self.configs[0].kernel + 1, self.configs[0].kernel
        fc = self._per_run(self.fc_weight).reshape(self.runs, 10, count, positions)
        out = []
        for r, config in enumerate(self.configs):
            steps, values = self.losses[r].arrays()
            cosine_steps, cosine_history = self.filter_histories[r].cosine_curves(self.image_history)
            out.append(Snapshot(
                step=self.step_count, loss=float(last["loss"][r]), filters=filters[r],
                grads=last["grads"][r].reshape(count, k, k), update=last["update"][r].reshape(count, k, k),
                initial=self.initial[r].copy(), image=self.image.copy(), label=self.label,
                probs=last["probs"][r], z=last["z"][r].reshape(count, side, side),
                dl_dz=last["dl_dz"][r].reshape(count, side, side), input_grad=last["input_grad"][r],
                class_weights=fc[r, self.label].sum(axis=1),
                cosine=cosine_to_image(filters[r], self.image),
                initial_cosine=cosine_to_image(self.initial[r], self.image),
                loss_steps=steps, loss_values=values, config=config, device=str(self.device),
                diverged=self.diverged, cosine_steps=cosine_steps, cosine_history=cosine_history))
        return out

    # ---------------------------------------------------------------- internals
    def _params(self) -> tuple[torch.Tensor, ...]:
        return self.weight, self.bias, self.fc_weight, self.fc_bias

    def _per_run(self, tensor: torch.Tensor) -> np.ndarray:
        """A stacked tensor as numpy, rows back in run order."""
        return _numpy(tensor)[self._slots]

    def _make_optimizers(self) -> list[torch.optim.Optimizer]:
        """One optimizer per group of equal settings, over its slice of every stacked tensor."""
        optimizers, first = [], 0
        for runs in self._groups:
            views = []
            for param, grad in zip(self._params(), self.grads):
                view = param[first:first + len(runs)]
                view.grad = grad[first:first + len(runs)]
                views.append(view)
            optimizers.append(make_optimizer(views, self.configs[runs[0]]))
            first += len(runs)
        return optimizers

    def _start_record(self) -> None:
        """Step 0 of every run's record: the initial filters, no losses yet."""
        self.initial = self.filters()
        self.losses = [LossHistory() for _ in self.configs]
        self.filter_histories = [FilterHistory(c.record_every) for c in self.configs]
        for history, filters, head in zip(self.filter_histories, self.initial, self._heads()):
            history.add(0, filters, head)
        self.image_history = ImageHistory()
        self.image_history.add(0, self.image, self.label)
        self._last = None

    def _gradients(self):
        """Forward and backward of every run at the current weights, into the grad buffers.

        With h = W P^T + b (R,F,S) the filter responses, logits = V h + c and
        g = softmax - onehot = dL/dlogits:
        dL/dV = g h^T, dL/dc = g, dL/dh = V^T g, dL/dW = (dL/dh) P, dL/db = sum over S.
        Returns the (R,) losses, the softmax, h and dL/dh.
        """
        count, positions = self._shape
        runs = self.runs
        gw, gb, gv, gc = self.grads
        h = torch.baddbmm(self.bias[:, :, None], self.weight, self._patches_t.expand(runs, -1, -1))
        hflat = h.view(runs, count * positions)
        logits = torch.baddbmm(self.fc_bias[:, :, None], self.fc_weight, hflat[:, :, None])[:, :, 0]
        log_probs = torch.log_softmax(logits, dim=1)
        probs = torch.exp(log_probs)
        torch.sub(probs, self._onehot, out=gc)
        torch.mul(gc[:, :, None], hflat[:, None, :], out=gv)
        dh = torch.bmm(gc[:, None, :], self.fc_weight).view(runs, count, positions)
        torch.matmul(dh, self._patches, out=gw)
        torch.sum(dh, dim=2, out=gb)
        return log_probs[:, self.label].neg(), probs, h, dh

    def _update(self, record: bool) -> torch.Tensor:
        """One step of every run; returns the (R,) losses from the weights before it."""
        loss, probs, h, dh = self._gradients()
        before = self.weight.clone() if record else None
        for optimizer in self.optimizers:
            optimizer.step()
        if record:
            self._last = self._details(loss, probs, h, dh, before, self.weight - before)
        return loss

    def _probe(self) -> dict:
        """What the next step will compute, without its update (before step 1, or on a new digit)."""
        loss, probs, h, dh = self._gradients()
        self._last = self._details(loss, probs, h, dh, self.weight, torch.zeros_like(self.weight))
        return self._last

    def _details(self, loss, probs, h, dh, weight, update) -> dict:
        """What a snapshot shows of a step, as numpy; dL/dx uses the weights of its forward pass."""
        k = self.configs[0].kernel
        dx = F.fold(torch.bmm(dh.transpose(1, 2), weight).transpose(1, 2), IMAGE_SIZE, k)
        return {"loss": self._per_run(loss), "probs": self._per_run(probs), "z": self._per_run(h),
                "dl_dz": self._per_run(dh), "input_grad": self._per_run(dx[:, 0]),
                "grads": self._per_run(self.grads[0]), "update": self._per_run(update)}

    def _heads(self) -> np.ndarray:
        """(R,H) every parameter but the filters, flattened as trainer.head_vector does."""
        parts = (self.bias, self.fc_weight, self.fc_bias)
        return self._per_run(torch.cat([p.flatten(1) for p in parts], dim=1))

    def _due_frames(self, step: int) -> list[tuple]:
        due = [r for r, h in enumerate(self.filter_histories) if h.due(step)]
        if not due:
            return []
        filters, heads = self.filters(), self._heads()
        return [(step, r, filters[r], heads[r]) for r in due]

    def _commit(self, values: np.ndarray, frames) -> None:
        self.step_count += len(values)
        if len(values):
            for r, history in enumerate(self.losses):
                history.extend(self.step_count, values[:, r])
        for step, r, filters, head in frames:
            self.filter_histories[r].add(step, filters, head)

    def _weights_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self._params())

    def _state_copy(self):
        return [p.clone() for p in self._params()], [_clone_state(o.state_dict()) for o in self.optimizers]

    def _restore(self, state) -> None:
        params, optimizer_states = state
        for param, saved in zip(self._params(), params):
            param.copy_(saved)
        for optimizer, saved in zip(self.optimizers, optimizer_states):
            optimizer.load_state_dict(saved)
