"""Process and thread settings that suit a model this small, set by the app's entry points.

* One torch thread: a step is a few thousand multiply-adds, far too little to share
  between threads, so a thread pool only adds hand-off time.
* Flush denormals to zero: most pixels of a digit are exactly 0, so their gradients are
  0 and Adam's running averages for them decay geometrically into denormal floats
  (below ~1e-38) after about a thousand steps. CPUs handle denormals in slow microcode;
  measured here, the 64-filter step got 3x slower. Flushing them changes numbers that
  small to 0 — nothing a view or a loss could show.

`set_flush_denormal` acts on the calling thread, so whoever runs the training calls
this on the training thread. Library users (and the tests) keep torch's defaults.
"""
import torch

from filterlab.engine.core.config import ConfigError


def tune_runtime() -> None:
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)


def resolve_device(name: str) -> torch.device:
    """'auto' is CUDA when there is a GPU; asking for CUDA without one is a ConfigError."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for, but no CUDA GPU is available")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)
