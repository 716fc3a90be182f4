"""Side by side in the window: runs share one step counter and show their own filters."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.config import Config
from filterlab.gui.windows.comparison import ComparisonWindow

TIMEOUT = 20_000


@pytest.fixture
def compare(qtbot, digit):
    runs = (("seed=1", Config(seed=1, filters=3)), ("zeros", Config(init="zeros", filters=3)),
            ("sgd", Config(optimizer="sgd", lr=0.1, filters=3)))
    win = ComparisonWindow(ComparisonSpec(runs, *digit), speed=0)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_runs_train_in_lockstep_and_each_grid_shows_its_run(qtbot, compare):
    qtbot.waitUntil(lambda: compare.frame is not None and compare.frame.snapshot.step > 200, timeout=TIMEOUT)
    qtbot.mouseClick(compare.run.pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not compare.frame.running, timeout=TIMEOUT)
    comparison = compare.frame.snapshot
    assert {run.step for run in comparison.runs} == {comparison.step}
    for column, run in zip(compare.columns, comparison.runs):
        shown = column.grid.image.image
        for (top, left), tile in zip(column.grid.slots, run.filters):
            np.testing.assert_array_equal(shown[top:top + 28, left:left + 28], tile)
    zeros = comparison.runs[1].filters
    np.testing.assert_allclose(zeros[1], zeros[0], atol=1e-6)  # symmetry never breaks
    assert not np.allclose(comparison.runs[0].filters[1], comparison.runs[0].filters[0], atol=1e-3)
    assert [c.curves[0].getData()[0] is not None for c in (compare.loss, compare.similarity)]
    stopped = comparison.step
    qtbot.wait(300)
    assert compare.worker.experiment.step_count == stopped


def test_reset_sends_every_run_back_to_its_start(qtbot, compare):
    qtbot.waitUntil(lambda: compare.frame is not None and compare.frame.snapshot.step > 50, timeout=TIMEOUT)
    first = compare.frame.snapshot.runs[0].initial
    qtbot.mouseClick(compare.run.pause, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(compare.run.reset, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: compare.frame.snapshot.step == 0, timeout=TIMEOUT)
    np.testing.assert_array_equal(compare.frame.snapshot.runs[0].initial, first)  # its own seed
