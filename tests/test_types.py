"""engine/ and gui/ pass mypy (pyproject.toml's [tool.mypy]), so the protocol's promises are checked statically.

The repository root is the package `filterlab` (pyproject's package-dir), which mypy cannot
map from the folder; a folder holding one link, filterlab -> the root, lets it find the code
as it is imported. Each run starts without a cache (about 7 s of CPU): mypy's incremental
cache can miss a class that stops matching a protocol in another module.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_and_gui_pass_mypy(tmp_path):
    (tmp_path / "filterlab").symlink_to(ROOT, target_is_directory=True)
    cache = tmp_path / "mypy-cache"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache),
         "-p", "filterlab.engine", "-p", "filterlab.gui"],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(tmp_path)}, capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout


def test_a_class_that_breaks_the_protocol_fails_the_check(tmp_path):
    """The check has teeth: an experiment without `finished` is refused where it is registered."""
    (tmp_path / "filterlab").symlink_to(ROOT, target_is_directory=True)
    probe = tmp_path / "probe.py"
    probe.write_text("from typing import Any, Optional\n"
                     "import numpy as np\n"
                     "from filterlab.engine.core.experiment import Experiment\n"
                     "class NoFinish:\n"
                     "    step_count = 0\n"
                     "    diverged: Optional[str] = None\n"
                     "    interruptible = False\n"
                     "    def step(self, n: int = 1, interrupt: Any = None) -> int: return n\n"
                     "    def reset(self, seed: Optional[int] = None) -> None: ...\n"
                     "    def set_hparams(self, **changes: Any) -> None: ...\n"
                     "    def set_image(self, image: np.ndarray, label: int) -> None: ...\n"
                     "    def snapshot(self) -> Any: ...\n"
                     "    def record_steps(self) -> np.ndarray: return np.arange(0)\n"
                     "    def snapshot_at(self, step: int) -> Any: ...\n"
                     "experiment: Experiment[Any] = NoFinish()\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir",
         str(tmp_path / "mypy-cache"), str(probe)],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(tmp_path)}, capture_output=True, text=True, timeout=110)
    assert result.returncode == 1, result.stdout
    assert '"NoFinish" is missing following "Experiment" protocol member:\nprobe.py:15: note:     finished' \
        in result.stdout, result.stdout
