"""Several runs of the experiment side by side, as one batched computation.

To compare seeds, optimizers or initialisations, R runs train on the same digit with one
step counter, so their filters and curves can be put side by side at the same step.

Why batched: a step of this model is a few thousand multiply-adds, so on a CPU its cost
is almost all per-op overhead (README, "Performance"). R runs stepped one after another
pay that overhead R times; with the R models' weights stacked into (R, ...) tensors, one
set of ops serves them all. On the CPU, where the chunk function trains every run (Adam or
SGD, any kernel: engine/core/chunk.py), its steps run as one compiled call over the stacked
tensors (engine/comparison/chunked.py), each run its Trainer to float32's rounding. The eager
batched maths (engine/comparison/maths.py) remains for other devices, the probe before a
first step and a divergence's re-run.

Why per-run optimizers on views: each run keeps exactly the optimizer a Trainer would build
(fused Adam or SGD with its own settings) over views into the stacked weights and gradient
buffers, so the batched maths writes where each optimizer reads, with no copies. Runs with
equal optimizer settings share one optimizer: one fused kernel call updates them all.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch

from filterlab.engine.comparison.chunked import chunkable, chunked_steps
from filterlab.engine.comparison.maths import Digit, Stacked, details, gradients
from filterlab.engine.comparison.snapshot import ComparisonSnapshot, recorded_snapshots, run_snapshots
from filterlab.engine.core.chunk import warm_up
from filterlab.engine.core.config import ONE_DIGIT_PIXELS, Config, ConfigError
from filterlab.engine.core.history import FilterHistory, ImageHistory, LossHistory
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.core.model import build_model, checked_digit, checked_filters, to_numpy
from filterlab.engine.core.one_example import NOBODY
from filterlab.engine.core.optimizers import apply_hparams, clone_state, make_optimizer, stacked_state, take_step
from filterlab.engine.core.rollback import guarded_steps
from filterlab.engine.core.runtime import resolve_device
from filterlab.engine.core.snapshot import Snapshot, StepDetails

SHARED_FIELDS = ("filters", "kernel", "device")  # what the stacked tensors need to agree on
LIVE_FIELDS = ("lr", "momentum", "weight_decay")


class Comparison:
    """R runs of FilterNet on one digit, one step counter, stacked weights, per-run optimizers.

    Runs are numbered as given (`configs`, `names`, `snapshots()`, `filters()`). Inside,
    runs with equal optimizer settings sit next to each other ("slots"), so each group's
    optimizer updates one contiguous slice of every stacked tensor: 4 tensors per group,
    not 4 per run (an optimizer's Python-side cost grows with its tensor count).
    """

    rollback_state: Optional[object]  # a save_state() pair or chunked_steps' BeforeLast, one update back, if known
    _last: Union[list[StepDetails], Callable[[], list[StepDetails]], None]  # the last step's details, or a maker

    def __init__(self, configs: Sequence[Config], image: Optional[np.ndarray] = None,
                 label: Optional[int] = None, names: Optional[Sequence[str]] = None):
        configs = list(configs)
        if not configs or any(c.pixel_scale != 1 for c in configs):
            raise ConfigError(ONE_DIGIT_PIXELS if configs else "a comparison needs at least one run")
        for name in SHARED_FIELDS:
            values = {getattr(c, name) for c in configs}
            if len(values) > 1:
                raise ConfigError(f"runs side by side must share {name}, got {', '.join(sorted(map(str, values)))}")
        if image is None:
            from filterlab.engine.data import bundled_digit
            image, label = bundled_digit(4)
        elif label is None:  # checked_digit's own refusal, not int(None)'s TypeError
            raise ValueError("the label must be a digit 0-9, got None")
        self.configs = configs
        self.names = list(names) if names is not None else [f"run {r + 1}" for r in range(len(configs))]
        self.device = resolve_device(configs[0].device)
        self.step_count = 0
        self.image_histories = [ImageHistory() for _ in configs]
        # a fork's (learners, step, digits): where it starts, and a reset goes back to
        self.origin: Optional[tuple[list, int, list[tuple[np.ndarray, int]]]] = None
        self.set_image(image, label)
        self.reset()
        if chunkable(self):
            # here, on the thread that builds the runs, not on their first steps (once per process, ~0.1 s: a fork
            # is built on its original's training thread, which pauses that long the first time)
            warm_up(runs=True)

    @property
    def runs(self) -> int:
        return len(self.configs)

    # ----------------------------------------------------------------- commands
    def reset(self, seed: Optional[int] = None) -> None:
        """Every run back to its own initial weights (its config's seed and init), step 0.

        `seed` is accepted as the protocol has it, and ignored: each run keeps the seed
        that is part of what is being compared. A fork goes back to where it was made.
        """
        self.configs = [learner.config for learner in self.origin[0]] if self.origin else self.configs
        self._group()
        models = [build_model(self.configs[r], torch.device("cpu")) for r in self._order]
        stack = lambda get: torch.stack([get(m).detach() for m in models]).to(self.device)
        params = (stack(lambda m: m.conv.weight.flatten(1)), stack(lambda m: m.conv.bias),
                  stack(lambda m: m.fc.weight), stack(lambda m: m.fc.bias))
        self.stacked = Stacked(*params, grads=tuple(torch.zeros_like(p) for p in params))
        self.optimizers = self._make_optimizers()
        self.step_count = 0
        self.diverged: Optional[str] = None
        self.rollback_state = None
        self._start_record()
        if self.origin is not None:  # a fork starts again where it was made
            learners, step, self.digits = self.origin
            self.start_from(learners, step, recut=True)

    def set_hparams(self, **changes) -> None:
        """Change lr, momentum or weight decay of every run, live (the rest is what is compared)."""
        unknown = set(changes) - set(LIVE_FIELDS)
        if unknown:
            raise ConfigError(f"runs side by side change {', '.join(LIVE_FIELDS)} live, "
                              f"not {', '.join(sorted(unknown))}")
        old_lr = min(c.lr for c in self.configs)
        self.configs = [c.with_(**changes) for c in self.configs]
        for runs, optimizer in zip(self._groups, self.optimizers):
            apply_hparams(optimizer, self.configs[runs[0]])
        if self.diverged and min(c.lr for c in self.configs) < old_lr:
            self.diverged = None

    def start_from(self, learners, step: int, recut: bool = False) -> None:
        """Every run from a given state at `step` (a fork, engine/comparison/fork.py): the parameters and the
        optimizer state of learners[r] (a Learner each), a fresh record from there."""
        for slot, run in enumerate(self._order):
            model = learners[run].model
            for param, value in zip(self.stacked.params(), (model.conv.weight.flatten(1), model.conv.bias,
                                                            model.fc.weight, model.fc.bias)):
                param[slot].copy_(value.detach())
        for optimizer, runs in zip(self.optimizers, self._groups):
            optimizer.load_state_dict(stacked_state(optimizer, [learners[r].optimizer for r in runs]))
        self.step_count, self.diverged, self.rollback_state = step, None, None
        self._start_record(step)
        if recut:  # per-run digits (a fork that changed one) into the batched maths
            self._cut_digits()

    def set_initial_filters(self, run: int, filters: np.ndarray) -> None:
        """Start every run over, run number `run` from hand-painted (F,k,k) filters."""
        filters = checked_filters(filters, self.configs[run])
        self.reset()
        self.stacked.weight[self._slots[run]].copy_(torch.from_numpy(filters).flatten(1))
        self._start_record()

    def set_image(self, image: np.ndarray, label: int) -> None:
        """Train every run on another digit from now on; the filters carry on from where they are."""
        image, label = checked_digit(image, label)
        self.digits = [(image, label)] * self.runs
        self._cut_digits()

    @property
    def image(self) -> np.ndarray:
        return self.digits[0][0]

    @property
    def label(self) -> int:
        return self.digits[0][1]

    finished: Optional[str] = None  # it trains until paused (engine/core/experiment.py)
    interruptible = True  # step() heeds `interrupt`: the worker trains a frame in one call (engine/core/experiment.py)

    def step(self, n: int = 1, interrupt: Optional[Interrupt] = None) -> int:
        """Train every run n steps (fewer if one diverges, or once `interrupt` is requested); returns the
        steps kept. Where every run takes the chunk, all do in one call (engine/comparison/chunked.py).

        As in a Trainer (engine/core/rollback.py), a non-finite loss or weight in any run
        stops all of them at the last step from which every run's next loss was finite,
        and `diverged` names the run.
        """
        if n <= 0 or self.diverged:
            return 0
        if chunkable(self):
            made = chunked_steps(self, n, (interrupt or NOBODY).flag)
            if made is not None:
                return made
        kept, trouble = guarded_steps(self, n, interrupt)
        if trouble is not None:
            self._last = None
            bad = [self.names[run] for run in sorted(self._order[r] for r in trouble.rows)]
            self.diverged = (f"{', '.join(bad)} diverged at step {trouble.step}; every run rolled back to "
                             f"step {self.step_count}: lower its learning rate or reset")
        return kept

    # ------------------------------------------------------------------ reading
    def filters(self) -> np.ndarray:
        """(R,F,k,k) current filters of every run."""
        k = self.configs[0].kernel
        return self.per_run(self.stacked.weight).reshape(self.runs, -1, k, k)

    def snapshot(self) -> ComparisonSnapshot:
        """All runs at this step, as one frozen value (what a window's worker publishes)."""
        return ComparisonSnapshot(self.step_count, tuple(self.names), tuple(self.snapshots()), self.diverged)

    def snapshots(self) -> list[Snapshot]:
        """One Snapshot per run, all at the same step, for views side by side."""
        if callable(self._last):  # the chunks' last steps (engine/comparison/chunked.py), made numpy once asked
            self._last = self._last()
        return run_snapshots(self, self._last or self._probe())

    def record_steps(self) -> np.ndarray:
        return np.array(self.records[0].steps, dtype=np.int64)

    def snapshot_at(self, step: int) -> ComparisonSnapshot:
        """Every run's recorded frame at or before `step`, run forward and backward again."""
        runs = recorded_snapshots(self, step)
        return ComparisonSnapshot(runs[0].step, tuple(self.names), tuple(runs), None, historical=True)

    def per_run(self, tensor: torch.Tensor) -> np.ndarray:
        """A stacked tensor as numpy, rows back in run order."""
        return to_numpy(tensor)[self._slots]

    # ------------------------------------------- stepping (engine/core/rollback.py)
    def update(self, index: int, record: bool) -> torch.Tensor:
        """One step of every run; returns the (R,) losses from the weights before it (slot order)."""
        loss, probs, h, dh = gradients(self.stacked, self.digit)
        weight = self.stacked.weight
        before = weight.clone() if record else None
        for optimizer in self.optimizers:
            take_step(optimizer)
        if record:
            self._last = details(self.stacked, loss, probs, h, dh, before, weight - before,
                                 self.configs[0].kernel, self._slots)
        return loss

    def due_frames(self, step: int) -> list[tuple]:
        due = [r for r, h in enumerate(self.records) if h.due(step)]
        if not due:
            return []
        filters, heads = self.filters(), self._heads()
        return [(step, r, filters[r], heads[r]) for r in due]

    def commit(self, losses: np.ndarray, frames: list) -> None:
        losses = losses[:, self._slots] if len(losses) else losses  # slot order -> run order
        self.step_count += len(losses)
        if len(losses):
            for r, history in enumerate(self.losses):
                history.extend(self.step_count, losses[:, r])
        for step, r, filters, head in frames:
            self.records[r].add(step, filters, head)

    def forget_last_step(self) -> None:
        self.step_count -= 1
        for losses, record, images in zip(self.losses, self.records, self.image_histories):
            losses.drop_last()
            record.truncate(self.step_count)
            images.truncate(self.step_count)

    def weights_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.stacked.params())

    def save_state(self):
        return [p.clone() for p in self.stacked.params()], [clone_state(o.state_dict()) for o in self.optimizers]

    def load_state(self, state) -> None:
        params, optimizer_states = state
        for param, saved in zip(self.stacked.params(), params):
            param.copy_(saved)
        for optimizer, saved in zip(self.optimizers, optimizer_states):
            optimizer.load_state_dict(saved)
        self._last = None

    # ---------------------------------------------------------------- internals
    def _group(self) -> None:
        """Runs with equal optimizer settings share one optimizer and sit next to each other."""
        groups: dict[tuple, list[int]] = {}
        for r, c in enumerate(self.configs):
            groups.setdefault((c.optimizer, c.lr, c.momentum, c.weight_decay), []).append(r)
        self._groups = list(groups.values())
        self._order = [r for runs in self._groups for r in runs]  # the run in each slot
        self._slots = np.argsort(self._order)                      # the slot of each run

    def _make_optimizers(self) -> list[torch.optim.Optimizer]:
        """One optimizer per group of equal settings, over its slice of every stacked tensor."""
        optimizers, first = [], 0
        for runs in self._groups:
            views = []
            for param, grad in zip(self.stacked.params(), self.stacked.grads):
                view = param[first:first + len(runs)]
                view.grad = grad[first:first + len(runs)]
                views.append(view)
            optimizers.append(make_optimizer(views, self.configs[runs[0]]))
            first += len(runs)
        return optimizers

    def _start_record(self, step: int = 0) -> None:
        """The first frame of every run's record (step 0, or where a fork starts), no losses yet."""
        self.initial = self.filters()
        self.losses = [LossHistory() for _ in self.configs]
        self.records = [FilterHistory(c.record_every) for c in self.configs]
        for history, filters, head in zip(self.records, self.initial, self._heads()):
            history.put(step, filters, head)
        self.image_histories = [ImageHistory() for _ in self.configs]
        for images, (image, label) in zip(self.image_histories, self.digits):
            images.add(step, image, label)
        self._last = None

    def _probe(self) -> list[StepDetails]:
        """What the next step will compute, without its update (before step 1, or on a new digit)."""
        loss, probs, h, dh = gradients(self.stacked, self.digit)
        weight = self.stacked.weight
        self._last = details(self.stacked, loss, probs, h, dh, weight, torch.zeros_like(weight),
                             self.configs[0].kernel, self._slots)
        return self._last

    def _cut_digits(self) -> None:
        """The digits as the batched maths takes them: one shared, or one per run (slot order)."""
        for history, (image, label) in zip(self.image_histories, self.digits):
            history.add(self.step_count, image, label)
        shared = all(d[0] is self.digits[0][0] and d[1] == self.digits[0][1] for d in self.digits)
        chosen = self.digits[:1] if shared else [self.digits[run] for run in getattr(self, "_order", range(self.runs))]
        self.digit = Digit.of([d[0] for d in chosen], [d[1] for d in chosen], self.configs[0].kernel, self.device)
        self._last = None

    def _heads(self) -> np.ndarray:
        """(R,H) every parameter but the filters, flattened as model.head_vector does."""
        s = self.stacked
        return self.per_run(torch.cat([p.flatten(1) for p in (s.bias, s.fc_weight, s.fc_bias)], dim=1))

