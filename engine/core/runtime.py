"""Process and thread settings that suit a model this small, set by the app's entry points.

* One torch thread: a step is a few thousand multiply-adds, far too little to share
  between threads, so a thread pool only adds hand-off time.
* Flush denormals to zero: most pixels of a digit are exactly 0, so their gradients are
  0 and Adam's running averages for them decay geometrically into denormal floats
  (below ~1e-38) after about a thousand steps. CPUs handle denormals in slow microcode;
  measured here, the 64-filter step got 3x slower. Flushing them changes numbers that
  small to 0 — nothing a view or a loss could show.
* No compiler import to make an optimizer: 2 s of the first frame (optimizers_without_dynamo).

* NumPy's BLAS on one thread too: the views' and snapshots' matrix products are small, and
  OpenBLAS woke a second thread for one of 1.5 million multiply-adds (the cosine of 64 7x7
  filters), which then waited for the CPU the training thread holds: 16 ms instead of 0.2.

`set_flush_denormal` acts on the calling thread, so whoever runs the training calls
this on the training thread. Library users (and the tests) keep torch's defaults.
"""
import ctypes

import torch

from filterlab.engine.core.config import ConfigError


def tune_runtime() -> None:
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    single_threaded_blas()
    optimizers_without_dynamo()


def optimizers_without_dynamo() -> int:
    """Let torch.optim's optimizers be made without importing torch._dynamo; how many methods were freed.

    Optimizer.add_param_group (which every optimizer's constructor calls), zero_grad,
    state_dict and load_state_dict are wrapped by torch._disable_dynamo, which imports
    torch._dynamo on a wrapper's first call to tell the compiler to leave the method alone:
    2.2-2.4 s here, holding the GIL, for a compiler the app never uses. The wrapper keeps
    what it would call in the function's `__dynamo_disable`; set to the function itself,
    the call is the plain method. The one-digit experiment's chunks call no optimizer
    step, and eager steps go around the step's own import (engine/core/optimizers.py,
    take_step), so no experiment loads the compiler. If a torch release works otherwise, nothing
    here matches and nothing changes.
    """
    probe = torch._compile._disable_dynamo(lambda: None).__code__  # the wrapper's own code
    freed = 0
    for method in vars(torch.optim.Optimizer).values():
        inner = getattr(method, "__wrapped__", None)
        if inner is not None and getattr(method, "__code__", None) is probe:
            setattr(inner, "__dynamo_disable", inner)
            freed += 1
    return freed


BLAS_THREADS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
                "openblas_set_num_threads")


def single_threaded_blas() -> int:
    """Ask every OpenBLAS loaded in this process (NumPy's wheels bundle one) for one thread; how many answered.

    Linux only (the loaded libraries are read from /proc); elsewhere, or with another BLAS, nothing changes.
    """
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return 0
    done = 0
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(library, name) for name in BLAS_THREADS if hasattr(library, name)), None)
        if setter is not None:
            setter(1)
            done += 1
    return done


def resolve_device(name: str) -> torch.device:
    """'auto' is CUDA when there is a GPU; asking for CUDA without one is a ConfigError."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for, but no CUDA GPU is available")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)
