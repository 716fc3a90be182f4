"""engine/ and gui/ pass mypy (pyproject.toml's [tool.mypy]), so the protocol's promises are checked statically.

The repository root is the package `filterlab` (pyproject's package-dir), which mypy cannot
map from the folder; a folder holding one link, filterlab -> the root, lets it find the code
as it is imported. The cache is pytest's, so a second run takes a second.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_and_gui_pass_mypy(tmp_path, request):
    (tmp_path / "filterlab").symlink_to(ROOT, target_is_directory=True)
    cache = request.config.cache.mkdir("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache),
         "-p", "filterlab.engine", "-p", "filterlab.gui"],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(tmp_path)}, capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
