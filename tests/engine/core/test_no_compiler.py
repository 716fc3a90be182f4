"""No experiment imports the compiler (torch._dynamo: 2 s holding the GIL) to make or step its optimizer.

torch.optim's step imports it on its first call; engine/core/optimizers.py goes around that. The
experiments are checked one after another in ONE fresh interpreter (each costs seconds to start), where
nothing else can have imported it first: each is judged by whether the compiler came in while it was
made, stepped and snapshotted. Were one to bring it in, the ones after it are checked again, each in an
interpreter of its own.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXPERIMENTS = {  # in this order: the last runs the chunk as Python from then on
    # the app's own start (engine/core/runtime.py), then its default run trained in chunks and saved
    "the default run, saved": "default_run_saved()",
    "the fused chunk": "Trainer(Config(filters=2))",
    "the reference step": "reference(Config(filters=2, optimizer='sgd', momentum=0.9))",
    "sgd": "Trainer(Config(filters=2, optimizer='sgd', momentum=0.9))",
    "small kernels": "Trainer(Config(filters=2, kernel=5))",
    "a set run": "SetTrainer(Config(filters=2, kernel=5), bundled_set((3, 7)), 16, 1)",
    "side by side": "Comparison([Config(filters=2), Config(filters=2, optimizer='sgd')])",
    "the 1-D lab": "Lab1D(Lab1DConfig())",
    "the chunk as Python (no TorchScript)": "no_torchscript() or Trainer(Config(filters=2, kernel=5))",
}


def compiler_brought_in(names: list[str], folder: Path) -> dict[str, bool | None]:
    """name -> whether making, stepping and snapshotting it (the default run: trained 300 steps and saved too)
    imported the compiler (None: already imported)."""
    builds = {name: EXPERIMENTS[name] for name in names}
    script = textwrap.dedent(f"""
        import json, sys
        from filterlab.engine.comparison.runs import Comparison
        from filterlab.engine.core.config import Config
        from filterlab.engine.digit.trainer import Trainer
        from filterlab.engine.digitset.data import bundled_set
        from filterlab.engine.digitset.trainer import SetTrainer
        from filterlab.engine.lab1d.config import Lab1DConfig
        from filterlab.engine.lab1d.lab import Lab1D
        from filterlab.engine.core import chunk
        from filterlab.engine.core.learner import Learner

        def no_torchscript():
            chunk._compiled["one example"] = None

        def default_run_saved():
            from filterlab.engine.core.runtime import tune_runtime
            from filterlab.engine.data import bundled_digit
            from filterlab.engine.digit.session import save_session
            tune_runtime()
            trainer = Trainer(Config(), *bundled_digit(4))
            assert trainer.step(300) == 300
            trainer.snapshot()
            save_session(trainer, {str(folder / 'run.zip')!r})
            return trainer

        def reference(config):
            trainer = Trainer(config)
            trainer.learner = Learner(config, trainer._batch)  # autograd and torch.optim's own step
            return trainer

        brought = {{}}
        for name, build in {builds!r}.items():
            before = 'torch._dynamo' in sys.modules
            experiment = eval(build)
            assert experiment.step(3) == 3
            assert chunk.scripted() == ("no_torchscript" not in build), name
            experiment.snapshot()
            brought[name] = None if before else 'torch._dynamo' in sys.modules
        print(json.dumps(brought))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def brought_in(tmp_path_factory) -> dict[str, bool]:
    folder = tmp_path_factory.mktemp("compiler")
    brought = compiler_brought_in(list(EXPERIMENTS), folder)
    for name in [name for name, came in brought.items() if came is None]:  # only after one already failed
        brought |= compiler_brought_in([name], folder)
    return brought


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_training_imports_no_compiler(brought_in, name):
    assert brought_in[name] is False
