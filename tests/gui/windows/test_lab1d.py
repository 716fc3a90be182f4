"""The 1-D lab's window: it trains, shows exactly its snapshot, and obeys its controls."""
import numpy as np
import pytest

from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.spec import Lab1DSpec
from filterlab.gui.windows.lab1d import Lab1DWindow

TIMEOUT = 15_000


@pytest.fixture
def window(qtbot):
    win = Lab1DWindow(Lab1DSpec(Lab1DConfig()), speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_window_trains_and_shows_the_lab(qtbot, window, wait_frame):
    from PySide6.QtCore import Qt
    first = wait_frame(window, lambda f: f.snapshot.step > 0).snapshot
    later = wait_frame(window, lambda f: f.snapshot.step > first.step + 100).snapshot
    assert later.step > first.step
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    snap = wait_frame(window, lambda f: not f.running).snapshot
    stopped = window.worker.experiment.step_count
    qtbot.wait(300)
    assert window.worker.experiment.step_count == stopped
    assert window.run.pause.text() == "Resume"
    # the views show exactly this snapshot
    np.testing.assert_allclose(window.tap_bars.heights, snap.taps / snap.size_ratio)
    np.testing.assert_allclose(window.responses.shown_learned, snap.learned_response / snap.size_ratio)
    assert len(window.taps_plot.curves) == 3
    assert f"step {snap.step:,}" in window.status_step.title()
    assert "same peaks as [-1, 1, -1]" in window.status_detail.title()


def test_window_step_reset_and_settings(qtbot, window, wait_frame):
    from PySide6.QtCore import Qt
    wait_frame(window, lambda f: f.snapshot.step > 0)
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    start = wait_frame(window, lambda f: not f.running).snapshot.step
    qtbot.mouseClick(window.run.step, Qt.MouseButton.LeftButton)
    wait_frame(window, lambda f: f.snapshot.step == start + 1)
    qtbot.mouseClick(window.run.reset, Qt.MouseButton.LeftButton)
    reset = wait_frame(window, lambda f: f.snapshot.step == 0).snapshot
    assert window.run.seed.text() == f"seed {reset.config.seed}" and reset.config.seed != 0
    window.lr.setValue(0.02)
    wait_frame(window, lambda f: f.snapshot.config.lr == 0.02)
    window.taps.setCurrentIndex(1)
    wait_frame(window, lambda f: f.snapshot.taps.shape == (5,))
    qtbot.waitUntil(lambda: len(window.taps_plot.curves) == 5, timeout=TIMEOUT)


def test_closing_the_lab_window_joins_its_thread(qtbot):
    win = Lab1DWindow(Lab1DSpec(Lab1DConfig()), speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step > 0, timeout=TIMEOUT)
    win.close()
    assert not win._thread.thread.isRunning()
