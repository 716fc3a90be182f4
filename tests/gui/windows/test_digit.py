"""The digit window, driven like a user would, offscreen: real widgets, real worker thread."""
import time

import numpy as np
from PySide6.QtCore import Qt

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.windows.digit import DigitWindow

TIMEOUT = 15_000  # ms; generous for a loaded 2-core CI machine


def test_filters_change_and_become_the_digit(qtbot, window, wait_frame, pause):
    first = wait_frame(window, lambda f: True)
    wait_frame(window, lambda f: f.snapshot.step >= 400)
    snap = pause(window).snapshot  # a paused frame redraws every view
    assert not np.allclose(snap.filters, first.snapshot.initial)
    assert np.abs(snap.cosine).mean() > np.abs(snap.initial_cosine).mean() + 0.4
    # the filter view shows exactly the engine's filters
    shown = window.filters.image.image
    k = snap.filters.shape[1]
    for (top, left), tile in zip(window.filters.slots, snap.filters):
        np.testing.assert_array_equal(shown[top:top + k, left:left + k], tile)
    assert window.filters.label_texts[0] == f"#1 cos {snap.cosine[0]:+.2f}"
    np.testing.assert_allclose(window.bars.heights, snap.probs)
    np.testing.assert_array_equal(window.loss.curve.getData()[0], snap.loss_steps)
    assert "step" in window.status_step.title()
    # the feature-maps tab shows the same frame's maps (the view itself: test_feature_maps_view_shows_...)
    window.tabs.setCurrentWidget(window.maps)
    side = snap.z.shape[1]
    top, left = window.maps.slots[1]
    np.testing.assert_array_equal(window.maps.image.image[top:top + side, left:left + side], snap.z[1])
    # and the learning-added tab its start and Δ (the view itself: tests/gui/windows/test_learning_added.py)
    window.tabs.setCurrentWidget(window.learned)
    qtbot.waitUntil(lambda: window.learned.shown_delta is not None, timeout=TIMEOUT)
    np.testing.assert_allclose(snap.initial + window.learned.shown_delta, snap.filters, atol=1e-7)


def test_pause_stops_the_step_counter_and_resume_restarts_it(qtbot, window, wait_frame, pause):
    wait_frame(window, lambda f: f.snapshot.step > 10)
    pause(window)
    stopped = window.worker.experiment.step_count
    qtbot.wait(300)
    assert window.worker.experiment.step_count == stopped
    assert window.run.pause.text() == "Resume"
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    wait_frame(window, lambda f: f.running and f.snapshot.step > stopped)


def test_single_step_advances_by_exactly_one(qtbot, window, wait_frame, pause):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    start = pause(window).snapshot.step
    qtbot.mouseClick(window.run.step, Qt.MouseButton.LeftButton)
    wait_frame(window, lambda f: f.snapshot.step == start + 1)
    qtbot.wait(200)
    assert window.worker.experiment.step_count == start + 1
    qtbot.keyClick(window, "S")
    wait_frame(window, lambda f: f.snapshot.step == start + 2)


def test_reset_changes_filters_and_returns_to_step_zero(qtbot, window, wait_frame, pause):
    wait_frame(window, lambda f: f.snapshot.step > 50)
    before = pause(window).snapshot
    qtbot.mouseClick(window.run.reset, Qt.MouseButton.LeftButton)
    after = wait_frame(window, lambda f: f.snapshot.step == 0).snapshot
    assert not np.allclose(after.initial, before.initial)
    assert np.array_equal(after.filters, after.initial)
    assert window.run.seed.text() == f"seed {after.config.seed}"
    assert len(after.loss_steps) == 0


def test_a_drawn_stroke_becomes_the_training_image(qtbot, window, wait_frame, mouse, pause):
    """Drawn while paused, so the steps it trains are counted, not raced: the frame shows the stroke as the
    training image at once, and 300 steps on it (the worker's Train command) turn the filters towards it."""
    from filterlab.engine.data import to_mnist_style
    wait_frame(window, lambda f: f.snapshot.step > 0)
    pause(window)
    window.source.canvas.clear()
    wait_frame(window, lambda f: f.snapshot.blank_image)
    mouse.drag(window.source.canvas, mouse.LEFT, (14, 4), (14, 24))  # a "1"
    expected = to_mnist_style(window.source.canvas.ink())
    frame = wait_frame(window, lambda f: np.array_equal(f.snapshot.image, expected))
    assert not frame.snapshot.blank_image and not frame.running
    ink_columns = np.nonzero(frame.snapshot.image.max(axis=0) > 0.5)[0]
    assert 11 <= ink_columns.min() and ink_columns.max() <= 16  # a vertical bar, centred
    # and it trains on it: the filters turn towards the stroke
    window.commands.train(300)
    later = wait_frame(window, lambda f: f.snapshot.step >= frame.snapshot.step + 300 and not f.running)
    assert later.snapshot.step == frame.snapshot.step + 300
    before, after = np.abs(frame.snapshot.cosine).mean(), np.abs(later.snapshot.cosine).mean()
    assert after > before + 0.1, (before, after)


def test_digit_keys_set_the_label(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    qtbot.keyClick(window, "7")
    assert window.source.label.value() == 7
    wait_frame(window, lambda f: f.snapshot.label == 7)


def test_new_sample_reaches_the_engine_without_reset(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 20)
    window.source.sample.setValue(700)  # the first bundled 7
    seven, label = bundled_digit(7)
    frame = wait_frame(window, lambda f: f.snapshot.label == 7)
    assert np.array_equal(frame.snapshot.image, seven)
    assert frame.snapshot.step > 20
    np.testing.assert_array_equal(window.source.canvas.ink(), seven)


def test_learning_rate_reaches_the_engine_live(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 20)
    window.controls.lr.setValue(0.02)
    qtbot.waitUntil(lambda: window.worker.experiment.optimizer.param_groups[0]["lr"] == 0.02, timeout=TIMEOUT)
    frame = wait_frame(window, lambda f: f.snapshot.config.lr == 0.02)
    assert frame.snapshot.step > 20  # no reset
    window.controls.optimizer.setCurrentIndex(1)
    wait_frame(window, lambda f: f.snapshot.config.optimizer == "sgd")


def test_filters_and_kernel_rebuild_the_views(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    window.controls.filters.setValue(12)
    window.controls.kernel.setValue(5)
    wait_frame(window, lambda f: f.snapshot.filters.shape == (12, 5, 5) and f.snapshot.step > 5)
    assert len(window.filters.labels) == 12
    assert window.filters.arrangement[:2] == (12, 5)


def test_divergence_pauses_itself_and_a_smaller_lr_recovers(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    window.commands.set_hparams(optimizer="sgd", lr=1e20)
    frame = wait_frame(window, lambda f: f.snapshot.diverged is not None)
    assert not frame.running
    assert "diverged" in window.status_notice.title()
    assert window.run.pause.isChecked()
    assert np.isfinite(frame.snapshot.filters).all()
    window.commands.set_hparams(optimizer="sgd", lr=0.01)
    recovered = wait_frame(window, lambda f: f.running and f.snapshot.step > frame.snapshot.step)
    assert recovered.snapshot.diverged is None
    assert "diverged" not in window.status_notice.title()
    assert window.status_notice.title().startswith("SGD + weight decay")  # what the step does now, measured


def test_blank_canvas_says_nothing_can_be_learned(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    window.source.canvas.clear()
    frame = wait_frame(window, lambda f: f.snapshot.blank_image)
    assert "nothing can be learned" in window.status_notice.title()
    assert np.abs(frame.snapshot.grads).max() == 0


def test_frames_arrive_at_display_rate_not_per_step(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    drawn = []
    window.frame_drawn.connect(drawn.append)
    started = time.perf_counter()
    qtbot.waitUntil(lambda: len(drawn) >= 60, timeout=TIMEOUT)  # however long a loaded machine takes
    elapsed = time.perf_counter() - started
    assert len(drawn) <= 65 * elapsed + 3  # at most the display rate (a busy machine only draws fewer)
    steps = [frame.snapshot.step for frame in drawn]
    assert all(b > a for a, b in zip(steps, steps[1:]))  # only new states are sent, never a backlog
    assert steps[-1] - steps[0] > 2 * (len(steps) - 1)  # many steps a frame: not a frame per step


def test_closing_while_training_joins_the_thread(qtbot, tiny_factory, digit):
    win = DigitWindow(DigitSpec(Config(filters=3), *digit), factory=tiny_factory, speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step > 0, timeout=TIMEOUT)
    win.close()
    assert not win._thread.thread.isRunning()


def test_a_bad_image_file_is_reported_and_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    bad = tmp_path / "digit.png"
    bad.write_bytes(b"not a png at all")
    before = window.source.canvas.ink()
    assert window.source.load_image_path(str(bad)) is False
    assert len(warnings) == 1 and "digit.png" in warnings[0]
    np.testing.assert_array_equal(window.source.canvas.ink(), before)


def test_skip_fast_forwards_ten_thousand_steps_while_paused(qtbot, window, wait_frame, pause):
    start = pause(window).snapshot.step
    qtbot.mouseClick(window.skip, Qt.MouseButton.LeftButton)
    frame = wait_frame(window, lambda f: f.snapshot.step == start + 10_000, timeout=60_000)
    assert not frame.running
    qtbot.wait(200)
    assert window.worker.experiment.step_count == start + 10_000


def test_an_error_inside_training_pauses_and_is_shown_not_swallowed(qtbot, wait_frame, digit):
    from filterlab.engine.digit.trainer import Trainer

    class Flaky(Trainer):
        fail = True

        def step(self, n=1, interrupt=None):
            if self.fail and self.step_count > 5:
                Flaky.fail = False
                raise RuntimeError("simulated out of memory")
            return super().step(n, interrupt)

    win = DigitWindow(DigitSpec(Config(filters=2), *digit), factory=lambda: Flaky(Config(filters=2), *digit), speed=0)
    qtbot.addWidget(win)
    win.show()
    frame = wait_frame(win, lambda f: not f.running and f.snapshot.step > 5)
    assert "simulated out of memory" in win.statusBar().currentMessage()
    qtbot.mouseClick(win.run.pause, Qt.MouseButton.LeftButton)  # resume: still alive
    wait_frame(win, lambda f: f.running and f.snapshot.step > frame.snapshot.step)
    win.close()


def test_zero_initialisation_keeps_the_filters_identical_in_the_window(qtbot, window, wait_frame):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    window.controls.init.setCurrentIndex(window.controls.init.findData("zeros"))
    frame = wait_frame(window, lambda f: f.snapshot.config.init == "zeros" and f.snapshot.step > 100)
    filters = frame.snapshot.filters
    assert np.abs(filters).max() > 0
    for k in range(1, len(filters)):  # equal up to float rounding (summation order may differ)
        np.testing.assert_allclose(filters[k], filters[0], atol=1e-6)


def test_start_from_drawing_uses_the_canvas_digit(qtbot, window, wait_frame, pause):
    wait_frame(window, lambda f: f.snapshot.step > 0)
    pause(window)
    window.source.sample.setValue(300)  # a 3 on the canvas
    three = bundled_digit(3)[0]
    qtbot.mouseClick(window.controls.paint_start, Qt.MouseButton.LeftButton)
    frame = wait_frame(window, lambda f: f.snapshot.step == 0 and f.snapshot.initial_cosine.min() > 0.99)
    initial = frame.snapshot.initial
    centred = three - three.mean()
    for tile in initial:
        np.testing.assert_allclose(tile, centred / np.abs(centred).max() / 28, rtol=1e-5, atol=1e-7)


def test_feature_maps_view_shows_the_snapshot_maps(qtbot, digit):
    """The feature-maps tab's view (a FilterGrid of the snapshot's `z`, as the window makes it), drawn from a
    snapshot: each tile is that filter's map."""
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.gui.views.filter_grid import FilterGrid

    trainer = Trainer(Config(filters=4, kernel=7), *digit)
    trainer.step(5)
    snap = trainer.snapshot()
    maps = FilterGrid("z", "feature maps: each filter's response at every position of the digit")
    qtbot.addWidget(maps)
    maps.show()
    maps.draw(snap)
    z = snap.z
    shown = maps.image.image
    side = z.shape[1]
    assert len(maps.slots) == 4 and side == 28 - 7 + 1
    for (top, left), tile in zip(maps.slots, z):
        np.testing.assert_array_equal(shown[top:top + side, left:left + side], tile)
