"""The window closes at once in any state: while PyTorch is still loading, training, fast-forwarding, paused.

Closing is the real path: window.close(), whose closeEvent joins the training thread.
"""
import subprocess
import sys
import textwrap
import threading

import pytest
from PySide6.QtCore import Qt

from filterlab.gui.worker import preload

# How long closing takes is `python -m bench`'s to measure (target 0.5 s); these tests check what closing does:
# the training thread has ended when close() returns, and a close during the PyTorch import does not wait for it.

FRESH = textwrap.dedent("""
    import os, sys, threading, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from filterlab.engine.cli.launch import parse
    from filterlab.engine import registry
    app = QApplication([])
    spec = parse([]).spec
    window = registry.for_spec(spec).window_class()(spec)  # what `python main.py` opens
    window.show()
    deadline = time.perf_counter() + 30
    while not ("torch" in sys.modules and any(t.name == "preload" for t in threading.enumerate())) \
            and time.perf_counter() < deadline:  # the import has begun (after the window's first paint)
        app.processEvents()
        time.sleep(0.005)
    loading = window.worker.experiment is None and "torch" in sys.modules
    window.close()
    importing = any(t.name == "preload" and t.is_alive() for t in threading.enumerate())
    print(loading, importing, window._thread.thread.isRunning())
""")


def test_closing_while_pytorch_loads_does_not_wait_for_the_import():
    """A fresh process: the window is closed while torch is being imported (begun after its first paint)."""
    result = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loading, importing, running = result.stdout.split()
    assert loading == "True"  # it really was closed before the experiment existed
    assert running == "False"  # the training thread has ended ...
    assert importing == "True"  # ... while PyTorch was still being imported: the close did not wait for it


def test_a_training_thread_waiting_for_the_import_ends_as_soon_as_it_is_told(monkeypatch):
    never = threading.Event()
    monkeypatch.setattr(preload, "preload", lambda: never)  # an import that never ends
    stopping = threading.Event()
    threading.Timer(0.05, stopping.set).start()
    assert preload.wait_for_preload(stopping) is False  # told to stop: it returns (pytest-timeout guards a hang)


def close_and_check(window) -> None:
    window.close()
    assert not window._thread.thread.isRunning()  # closeEvent joined the training thread


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
    close_and_check(window)
