"""Filter Lab's engine: the model, the trainer and its data, with no Qt anywhere below.

The window, the command line and the tests all drive the same `Trainer`; keeping Qt
out of here is what lets the experiment run headless, on a worker thread, or in CI.
"""
from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.snapshot import Snapshot

__all__ = ["Config", "ConfigError", "Snapshot", "Trainer"]


def __getattr__(name):
    # Importing torch takes seconds; the window imports `engine` early and wants to be
    # on screen before that, so the trainer (and torch with it) loads on first use.
    if name == "Trainer":
        from filterlab.engine.digit.trainer import Trainer
        return Trainer
    raise AttributeError(name)
