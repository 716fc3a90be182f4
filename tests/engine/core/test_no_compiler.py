"""No experiment imports the compiler (torch._dynamo: 2 s holding the GIL) to make or step its optimizer.

torch.optim's step imports it on its first call; engine/core/optimizers.py goes around that. Each
check runs in a fresh interpreter, where nothing else can have imported it first.
"""
import subprocess
import sys
import textwrap

import pytest

EXPERIMENTS = {
    "the fused chunk": "Trainer(Config(filters=2))",
    "the chunk as Python (no TorchScript)": "no_torchscript() or Trainer(Config(filters=2, kernel=5))",
    "the reference step": "reference(Config(filters=2, optimizer='sgd', momentum=0.9))",
    "sgd": "Trainer(Config(filters=2, optimizer='sgd', momentum=0.9))",
    "small kernels": "Trainer(Config(filters=2, kernel=5))",
    "a set run": "SetTrainer(Config(filters=2, kernel=5), bundled_set((3, 7)), 16, 1)",
    "side by side": "Comparison([Config(filters=2), Config(filters=2, optimizer='sgd')])",
    "the 1-D lab": "Lab1D(Lab1DConfig())",
}


@pytest.mark.parametrize("build", EXPERIMENTS.values(), ids=EXPERIMENTS.keys())
def test_training_imports_no_compiler(build):
    script = textwrap.dedent(f"""
        import sys
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

        def reference(config):
            trainer = Trainer(config)
            trainer.learner = Learner(config, trainer._batch)  # autograd and torch.optim's own step
            return trainer
        experiment = {build}
        assert experiment.step(3) == 3
        assert chunk.scripted() == ("no_torchscript" not in {build!r})
        experiment.snapshot()
        print('torch._dynamo' in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
