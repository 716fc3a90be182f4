"""The runtime the app trains in: one torch thread, denormals flushed, NumPy's BLAS on one thread."""
import sys

import numpy as np
import pytest

from filterlab.engine.core.runtime import single_threaded_blas


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the loaded libraries are read from /proc")
def test_numpys_openblas_is_asked_for_one_thread():
    blas = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    if "openblas" not in blas.lower():
        pytest.skip(f"NumPy uses {blas}")
    np.ones((64, 64)) @ np.ones((64, 64))  # the library is loaded
    assert single_threaded_blas() >= 1


def test_the_default_run_makes_trains_and_saves_without_importing_the_compiler(tmp_path):
    """torch.optim's wrappers import torch._dynamo (2 s) on an optimizer's first use; once freed, the
    default experiment is built, trained in chunks, snapshotted and saved without it, and an
    eager optimizer (SGD) still trains. In a fresh interpreter: this one may have imported it."""
    import subprocess
    script = f"""
import sys
from filterlab.engine.core.runtime import tune_runtime
tune_runtime()
from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.trainer import Trainer
from filterlab.engine.digit.session import save_session
trainer = Trainer(Config(), *bundled_digit(4))
assert trainer.step(300) == 300
trainer.snapshot()
save_session(trainer, {str(tmp_path / 'run.zip')!r})
print('compiler', 'torch._dynamo' in sys.modules)
sgd = Trainer(Config(optimizer='sgd'), *bundled_digit(4))
assert sgd.step(5) == 5
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "compiler False" in result.stdout
