"""Many digits in the window: minibatches, test accuracy in the status bar, no canvas."""
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digitset.trainer import SetTrainer, bundled_set
from filterlab.gui.windows.digit import MainWindow


def test_set_window_trains_and_reports_test_accuracy(qtbot):
    config = Config(filters=8)
    digits = bundled_set((3, 7))
    win = MainWindow(lambda: SetTrainer(config, digits, 32), config, None, set_name=digits.description)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.frame is not None and len(win.frame.snapshot.epochs) >= 3, timeout=30_000)
    assert "test accuracy" in win.status_step.text()
    assert win.frame.snapshot.epochs[-1]["test_accuracy"] > 0.5
    assert not win.canvas.isEnabled() and not win.sample.isEnabled()
    assert not win.similarity.isVisible()
    assert "minibatch" in win.filters.title.text
    win.close()


def test_set_window_from_the_command_line_refuses_bad_classes(capsys):
    import main
    assert main.main(["--classes", "3,12"]) == 2
    assert "12" in capsys.readouterr().err
