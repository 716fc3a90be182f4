"""The understanding tools: the numbers behind each view are the engine's own."""
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.render.digit import grid_frame
from filterlab.engine.digit.replay import snapshot_at
from filterlab.engine.digit.trainer import Trainer
from filterlab.gui.windows.digit import MainWindow

TIMEOUT = 20_000


# ------------------------------------------------------------------ engine
def test_similarity_curves_start_near_zero_and_climb(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(1000)
    snap = trainer.snapshot()
    assert list(snap.cosine_steps) == trainer.filter_history.steps
    assert snap.cosine_history.shape == (len(snap.cosine_steps), 5)
    assert np.abs(snap.cosine_history[0]).max() < 0.2
    assert np.abs(snap.cosine_history[-1]).mean() > 0.65
    np.testing.assert_allclose(snap.cosine_history[-1], snap.cosine, atol=1e-6)


def test_similarity_curves_follow_a_new_digit(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(500)
    before = np.abs(trainer.snapshot().cosine_history[-1]).mean()
    trainer.set_image(*bundled_digit(0))
    trainer.step(10)
    curves = trainer.snapshot().cosine_history
    assert np.abs(curves[-1]).mean() < before - 0.2  # measured against the new digit
    trainer.step(1500)
    assert np.abs(trainer.snapshot().cosine_history[-1]).mean() > np.abs(curves[-1]).mean() + 0.3


def test_a_recorded_step_replays_exactly(digit):
    trainer = Trainer(Config(seed=3), *digit)
    trainer.step(200)
    past = snapshot_at(trainer, 50)
    twin = Trainer(Config(seed=3), *digit)
    twin.step(50)
    twin._last = None  # describe the gradient at these weights, as the replay does
    then = twin.snapshot()
    assert past.historical and past.step == 50
    np.testing.assert_array_equal(past.filters, then.filters)
    np.testing.assert_allclose(past.probs, then.probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(past.grads, then.grads, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(past.dl_dz, then.dl_dz, rtol=1e-5, atol=1e-9)
    assert past.loss_steps.max() <= 50 and past.cosine_steps.max() == 50
    assert not past.update.any()
    assert snapshot_at(trainer, 57).step == 50  # the frame at or before


# --------------------------------------------------------------------- GUI
@pytest.fixture
def paused_window(qtbot, digit):
    def build(config=Config(filters=3)):
        def factory():
            return Trainer(config, *digit)
        win = MainWindow(factory, config, digit, running=False)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.worker.call(lambda trainer: trainer.step(200))
        qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step == 200, timeout=TIMEOUT)
        windows.append(win)
        return win
    windows = []
    yield build
    for win in windows:
        win.close()


@pytest.mark.parametrize("kernel", [28, 5])
def test_decomposition_product_is_the_engine_gradient(qtbot, paused_window, kernel):
    win = paused_window(Config(filters=3, kernel=kernel))
    win.tabs.setCurrentWidget(win.decomposition)
    for f in range(3):
        win.decomposition.select(f)
        snap = win.frame.snapshot
        np.testing.assert_allclose(win.decomposition.product, snap.grads[f], rtol=1e-4, atol=1e-9)
    assert "dL/dz" in win.decomposition.caption.text() or "patches" in win.decomposition.caption.text()


def test_decomposition_step_is_the_weight_change(qtbot, paused_window):
    win = paused_window(Config(filters=3, optimizer="sgd", lr=0.1, weight_decay=0.0))
    win.tabs.setCurrentWidget(win.decomposition)
    win.decomposition.select(1)
    before = win.frame.snapshot.filters
    qtbot.mouseClick(win.controls.step, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.frame.snapshot.step == 201, timeout=TIMEOUT)
    after = win.frame.snapshot
    np.testing.assert_allclose(win.decomposition.shown_update, after.filters[1] - before[1], atol=1e-7)
    np.testing.assert_allclose(win.decomposition.shown_update, -0.1 * win.decomposition.product,
                               rtol=1e-3, atol=1e-8)
    assert "SGD" in win.decomposition.caption.text()


def test_scrubbing_shows_the_filters_recorded_at_that_step(qtbot, paused_window):
    win = paused_window()
    win.timeline.scrub_to(60)
    qtbot.waitUntil(lambda: win._shown is not None and win._shown.historical, timeout=TIMEOUT)
    assert win._shown.step == 60
    recorded = win.worker.trainer.filter_history.at(60)[1]
    shown = win.filters.image.image
    k = recorded.shape[1]
    for (top, left), tile in zip(win.filters._slots, recorded):
        np.testing.assert_array_equal(shown[top:top + k, left:left + k], tile)
    np.testing.assert_allclose(win.bars.heights, win._shown.probs)
    assert win.loss.curve.getData()[0].max() <= 60
    qtbot.mouseClick(win.timeline.live, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win._shown.historical and win._shown.step == 200, timeout=TIMEOUT)


def test_similarity_view_draws_one_curve_per_filter(qtbot, paused_window):
    win = paused_window()
    snap = win.frame.snapshot
    assert len(win.similarity.curves) == 3
    for index, curve in enumerate(win.similarity.curves):
        xs, ys = curve.getData()
        np.testing.assert_array_equal(xs, snap.cosine_steps)
        np.testing.assert_allclose(ys, snap.cosine_history[:, index])


def test_hovering_a_weight_shows_its_history(qtbot, paused_window):
    win = paused_window()
    win.filters.hovered.emit((2, 14, 12))
    qtbot.waitUntil(lambda: win.probe.curve.getData()[0] is not None
                    and len(win.probe.curve.getData()[0]) > 0, timeout=TIMEOUT)
    xs, ys = win.probe.curve.getData()
    history = win.worker.trainer.filter_history
    np.testing.assert_array_equal(xs, history.steps)
    np.testing.assert_allclose(ys, [frame[2, 14, 12] for frame in history.frames])
    assert "filter 3, pixel (14, 12)" in win.probe.getPlotItem().titleLabel.text


def test_gif_export_has_a_frame_per_recorded_step_and_the_grid_size(qtbot, paused_window, tmp_path):
    win = paused_window()
    path = tmp_path / "filters.gif"
    with qtbot.waitSignal(win.export_done, timeout=TIMEOUT) as done:
        win.exporter.gif_to(str(path))
    assert done.args == [True, str(path)]
    gif = Image.open(path)
    history = win.worker.trainer.filter_history
    assert gif.n_frames == len(history) == 21  # steps 0, 10, ..., 200
    assert gif.size == grid_frame(history.frames[-1], step=200).size


def test_png_and_history_exports_and_a_failed_one(qtbot, paused_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    win = paused_window()
    with qtbot.waitSignal(win.export_done, timeout=TIMEOUT):
        win.exporter.png_to(str(tmp_path / "grid.png"))
    assert Image.open(tmp_path / "grid.png").size == grid_frame(win._shown.filters, step=200).size
    with qtbot.waitSignal(win.export_done, timeout=TIMEOUT):
        win.exporter.history_to(str(tmp_path / "history.npz"))
    assert np.load(tmp_path / "history.npz")["filters"].shape == (21, 3, 28, 28)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    with qtbot.waitSignal(win.export_done, timeout=TIMEOUT) as done:
        win.exporter.gif_to(str(tmp_path / "missing" / "filters.gif"))
    assert done.args[0] is False and len(warnings) == 1
    assert not (tmp_path / "missing").exists()
