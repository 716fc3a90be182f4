"""engine/ and gui/ pass mypy (pyproject.toml's [tool.mypy]), so the protocol's promises are checked statically.

The repository root is the package `filterlab` (pyproject's package-dir), which mypy cannot
map from the folder; a folder holding one link, filterlab -> the root, lets it find the code
as it is imported. Each run neither reads nor writes a cache (--cache-dir /dev/null, as mypy's
documentation has it; about 7 s of CPU, 1 s less than writing one): mypy's incremental cache can
miss a class that stops matching a protocol in another module.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


PROBE = ("from typing import Any, Optional\n"
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


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> str:
    """mypy's report on engine/, gui/ and a probe that breaks the protocol, in one run (~7 s of CPU each)."""
    folder = tmp_path_factory.mktemp("mypy")
    (folder / "filterlab").symlink_to(ROOT, target_is_directory=True)
    (folder / "probe.py").write_text(PROBE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", os.devnull,
         "-p", "filterlab.engine", "-p", "filterlab.gui", "-m", "probe"],
        cwd=folder, env={**os.environ, "MYPYPATH": str(folder)}, capture_output=True, text=True, timeout=110)
    assert result.returncode in (0, 1), result.stdout[-5000:] + result.stderr[-2000:]
    return result.stdout


def test_engine_and_gui_pass_mypy(checked):
    errors = [line for line in checked.splitlines() if ": error:" in line and not line.startswith("probe.py")]
    assert not errors, "\n".join(errors)


def test_a_class_that_breaks_the_protocol_fails_the_check(checked):
    """The check has teeth: an experiment without `finished` is refused where it is registered."""
    assert '"NoFinish" is missing following "Experiment" protocol member:\nprobe.py:15: note:     finished' \
        in checked, checked
    assert "Found 1 error in 1 file" in checked  # the probe's, and nothing else
