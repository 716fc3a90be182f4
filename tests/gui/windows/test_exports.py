"""Exports from the digit window: a GIF of the record, a PNG of the grid, the history; a failed one reported."""
import numpy as np
from PIL import Image

from filterlab.engine.render.digit import grid_frame

TIMEOUT = 20_000


def test_gif_export_has_a_frame_per_recorded_step_and_the_grid_size(qtbot, paused_window, tmp_path):
    win = paused_window()
    path = tmp_path / "filters.gif"
    with qtbot.waitSignal(win.exporter.done, timeout=TIMEOUT) as done:
        win.exporter.gif_to(str(path))
    assert done.args == [True, str(path)]
    gif = Image.open(path)
    history = win.worker.experiment.filter_history
    assert gif.n_frames == len(history) == 111  # each of the first 100 steps, then every 10th to 200
    assert gif.size == grid_frame(history.frames[-1], step=200).size


def test_png_and_history_exports_and_a_failed_one(qtbot, paused_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    win = paused_window()
    with qtbot.waitSignal(win.exporter.done, timeout=TIMEOUT):
        win.exporter.png_to(str(tmp_path / "grid.png"))
    assert Image.open(tmp_path / "grid.png").size == grid_frame(win.shown.filters, step=200).size
    with qtbot.waitSignal(win.exporter.done, timeout=TIMEOUT):
        win.exporter.history_to(str(tmp_path / "history.npz"))
    assert np.load(tmp_path / "history.npz")["filters"].shape == (111, 3, 28, 28)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    with qtbot.waitSignal(win.exporter.done, timeout=TIMEOUT) as done:
        win.exporter.gif_to(str(tmp_path / "missing" / "filters.gif"))
    assert done.args[0] is False and len(warnings) == 1
    assert not (tmp_path / "missing").exists()
