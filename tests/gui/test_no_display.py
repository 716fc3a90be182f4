"""No screen to open a window on: one clear line and exit code 2, before Qt aborts the process (exit 134)."""
import os
import pathlib
import subprocess
import sys

import pytest

from filterlab.engine.cli.options import UsageError
from filterlab.gui.app import NO_DISPLAY, check_display

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_window_without_a_display_says_so_in_one_line_and_exits_2():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "main.py", "--steps", "1"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"filterlab: error: {NO_DISPLAY}"]


@pytest.mark.parametrize("environ", [{}, {"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "w"},
                                     {"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}])
def test_no_usable_display_is_refused(environ):
    with pytest.raises(UsageError, match="no display"):
        check_display(environ, "linux")


@pytest.mark.parametrize("environ", [{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"},
                                     {"QT_QPA_PLATFORM": "offscreen"}, {"QT_QPA_PLATFORM": "minimal"},
                                     {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}])
def test_a_display_or_a_platform_of_its_own_is_fine(environ):
    check_display(environ, "linux")
    check_display({}, "darwin")  # other systems always have their own screen
