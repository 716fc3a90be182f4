"""The optimizers of the experiment, and the copies of their state a rollback or a session needs."""
from __future__ import annotations

import torch

from filterlab.engine.core.config import Config


def make_optimizer(params, config: Config) -> torch.optim.Optimizer:
    """Adam as in the original experiment, or plain SGD (with optional momentum).

    fused=True: the whole update of all four tensors is one kernel instead of a dozen
    small ops per tensor. With ~4k multiply-adds per step, op dispatch *is* the cost,
    so this alone makes a step ~1.5x faster on a CPU (see bench/).
    """
    without_compiler()
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay, fused=True)
    # fused SGD splits its kernel over torch's thread pool: on one thread (the app's, engine/core/runtime.py)
    # the fastest step, on a busy machine's two ~20x slower (measured 2,400 and 100 steps/s); the loop over
    # the four tensors is as fast on any thread count, with the same numbers to float rounding (a test holds it)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay,
                           fused=torch.get_num_threads() == 1, foreach=False)


def without_compiler() -> None:
    """Once per process: torch.optim's methods made and called without importing torch._dynamo (2 s)
    (engine/core/runtime.py, optimizers_without_dynamo); take_step does the same for the step."""
    if not _freed:
        from filterlab.engine.core.runtime import optimizers_without_dynamo
        optimizers_without_dynamo()
        _freed.append(True)


_freed: list = []


def take_step(optimizer: torch.optim.Optimizer) -> None:
    """optimizer.step(), the same update, without importing the compiler on the first call.

    torch.optim wraps every optimizer's step in a function that imports torch._dynamo (to
    mark a graph break for the compiler): 2 s holding the GIL on the first step of every
    eager run (SGD, small kernels, a set run), for a compiler the app never uses. The
    method it wraps, called under no_grad as the wrapper calls it, is the same update.
    With hooks registered, or a differentiable optimizer, the wrapped step serves.
    """
    plain = _plain_step(type(optimizer))
    if plain is None or optimizer.defaults.get("differentiable") or optimizer._optimizer_step_pre_hooks \
            or optimizer._optimizer_step_post_hooks or _global_hooks():
        optimizer.step()
        return
    with torch.no_grad():
        plain(optimizer)


_plain_steps: dict = {}


def _plain_step(kind: type[torch.optim.Optimizer]):
    """The step method under torch.optim's wrappers (functools' __wrapped__ chain), or None."""
    if kind not in _plain_steps:
        step = kind.step
        while hasattr(step, "__wrapped__"):
            step = step.__wrapped__
        _plain_steps[kind] = None if step is kind.step else step
    return _plain_steps[kind]


def _global_hooks() -> bool:
    from torch.optim import optimizer as module
    return bool(getattr(module, "_global_optimizer_pre_hooks", None) or
                getattr(module, "_global_optimizer_post_hooks", None))


def chunk_trains(optimizer: torch.optim.Optimizer) -> bool:
    """Whether the chunk function (engine/core/chunk.py) computes this optimizer's update: plain Adam
    (L2 weight decay, no amsgrad) or SGD (momentum, weight decay; no dampening, no Nesterov), not maximizing."""
    group = optimizer.param_groups[0]
    if group.get("maximize") or group.get("differentiable"):
        return False
    if isinstance(optimizer, torch.optim.Adam):
        return not group.get("amsgrad") and not group.get("decoupled_weight_decay")
    return isinstance(optimizer, torch.optim.SGD) and not group.get("nesterov") and not group.get("dampening")


def chunk_settings(optimizer: torch.optim.Optimizer) -> tuple[bool, list[float]]:
    """(adam?, its settings as the chunk function takes them: Adam's lr, betas, eps, weight decay; SGD's lr,
    momentum, weight decay)."""
    group = optimizer.param_groups[0]
    if isinstance(optimizer, torch.optim.Adam):
        return True, [float(group["lr"]), *map(float, group["betas"]), float(group["eps"]),
                      float(group["weight_decay"])]
    return False, [float(group["lr"]), float(group["momentum"]), float(group["weight_decay"])]


def chunk_slots(optimizer: torch.optim.Optimizer, params) -> tuple[list, list, list]:
    """The optimizer's state tensors per parameter as the chunk function updates them in place:
    (moments, squares, steps). Adam: exp_avg, exp_avg_sq, step, made as fused Adam's first step makes them
    if new. SGD: the momentum buffer (zeros if new: the first step then makes it the gradient, as torch
    does), spare zeros for the unused slot and the step (nothing keeps them)."""
    if isinstance(optimizer, torch.optim.Adam):
        states = [optimizer.state[p] for p in params]
        for param, state in zip(params, states):
            if not state:  # as torch.optim.Adam's first step makes it (fused: a float32 step on the device)
                state["step"] = torch.zeros((), dtype=torch.float32, device=param.device)
                state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        return [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [s["step"] for s in states]
    spare = [torch.zeros_like(p) for p in params]
    if optimizer.param_groups[0]["momentum"] != 0:
        states = [optimizer.state[p] for p in params]
        for param, state in zip(params, states):
            if state.get("momentum_buffer") is None:
                state["momentum_buffer"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        moments = [s["momentum_buffer"] for s in states]
    else:
        moments = spare
    return moments, spare, [torch.zeros((), device=p.device) for p in params]


def slots_of(optimizer: torch.optim.Optimizer, moment: torch.Tensor, square: torch.Tensor, step: float) -> dict:
    """One parameter's optimizer state, as its state_dict holds it, from the chunk's slots (engine/core/chunk.py)."""
    if isinstance(optimizer, torch.optim.Adam):
        return {"step": torch.tensor(step, dtype=torch.float32, device=moment.device),
                "exp_avg": moment, "exp_avg_sq": square}
    return {"momentum_buffer": moment} if optimizer.param_groups[0]["momentum"] != 0 else {}


def apply_hparams(optimizer: torch.optim.Optimizer, config: Config) -> None:
    """The live settings of `config` into every parameter group."""
    for group in optimizer.param_groups:
        group["lr"], group["weight_decay"] = config.lr, config.weight_decay
        if "momentum" in group:
            group["momentum"] = config.momentum


def clone_state(value):
    """A deep copy of a state_dict: tensors cloned, containers rebuilt."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: clone_state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone_state(v) for v in value]
    return value




def stacked_state(optimizer: torch.optim.Optimizer, sources) -> dict:
    """The state_dict `optimizer` (over runs stacked in its slice, engine/comparison) would have if each of its
    runs had the state of one of `sources` (optimizers over one model's four parameters, in order).

    Per parameter and slot, the runs' tensors are stacked in the layout of the stacked parameter; a
    scalar slot (Adam's step) is the same for runs that were at the same step, so the first is kept.
    """
    state = optimizer.state_dict()
    state["state"] = {}
    params = optimizer.param_groups[0]["params"]
    for index, param in enumerate(params):
        slots = [source.state_dict()["state"].get(index, {}) for source in sources]
        if not all(slots):
            continue
        state["state"][index] = {
            name: (first.clone() if first.dim() == 0 else
                   torch.stack([s[name].reshape(param.shape[1:]) for s in slots]).to(param.device))
            for name, first in slots[0].items() if first is not None}
    return state
