"""The window closes at once in any state: while PyTorch is still loading, training, fast-forwarding, paused.

Closing is the real path: window.close(), whose closeEvent joins the training thread.
"""
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from PySide6.QtCore import Qt

from filterlab.gui.worker import preload

LIMIT_S = 1.0  # the target is 0.5 s, which `python -m bench` measures; a test allows twice that for a
# loaded CI machine (0.52 s seen there), still far below the ~3 s PyTorch import the close used to wait for

FRESH = textwrap.dedent("""
    import os, sys, threading, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from filterlab.engine.cli.launch import parse
    from filterlab.gui.app import WINDOWS
    app = QApplication([])
    spec = parse([]).spec
    window = WINDOWS[type(spec)](spec)  # what `python main.py` opens
    window.show()
    deadline = time.perf_counter() + 30
    while not ("torch" in sys.modules and any(t.name == "preload" for t in threading.enumerate())) \
            and time.perf_counter() < deadline:  # the import has begun (after the window's first paint)
        app.processEvents()
        time.sleep(0.005)
    loading = window.worker.experiment is None and "torch" in sys.modules
    started = time.perf_counter()
    window.close()
    took = time.perf_counter() - started
    print(loading, took, window._thread.thread.isRunning())
""")


def test_closing_while_pytorch_loads_does_not_wait_for_the_import():
    """A fresh process: the window is closed while torch is being imported (begun after its first paint)."""
    result = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loading, took, running = result.stdout.split()
    assert loading == "True"  # it really was closed before the experiment existed
    assert running == "False" and float(took) < LIMIT_S, f"closing took {float(took):.2f} s"


def test_a_training_thread_waiting_for_the_import_ends_as_soon_as_it_is_told(monkeypatch):
    never = threading.Event()
    monkeypatch.setattr(preload, "preload", lambda: never)  # an import that never ends
    stopping = threading.Event()
    threading.Timer(0.05, stopping.set).start()
    started = time.perf_counter()
    assert preload.wait_for_preload(stopping) is False
    assert time.perf_counter() - started < LIMIT_S


def close_in_time(window) -> float:
    started = time.perf_counter()
    window.close()
    took = time.perf_counter() - started
    assert not window._thread.thread.isRunning()
    return took


@pytest.mark.parametrize("state", ["training", "fast-forward", "paused"])
@pytest.mark.parametrize("filters", [5, 64])
def test_the_window_closes_at_once_whatever_it_is_doing(qtbot, digit, wait_frame, state, filters):
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.windows.digit import DigitWindow

    window = DigitWindow(DigitSpec(Config(filters=filters), *digit), speed=0)
    qtbot.addWidget(window)
    window.show()
    wait_frame(window, lambda f: f.running and f.snapshot.step > 100, timeout=30_000)
    if state != "training":
        qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
        start = wait_frame(window, lambda f: not f.running).snapshot.step
        if state == "fast-forward":
            qtbot.mouseClick(window.skip, Qt.MouseButton.LeftButton)
            wait_frame(window, lambda f: f.running and f.snapshot.step > start + 100)
    took = close_in_time(window)
    assert took < LIMIT_S, f"closing took {took:.2f} s"
