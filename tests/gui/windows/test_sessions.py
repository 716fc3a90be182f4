"""Sessions in the digit window: save, open, a bad file warned about, training goes on."""
import os
from pathlib import Path

import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digit.session import read_session, save_session
from filterlab.engine.digit.trainer import Trainer

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 15_000


def click(qtbot, button):
    from PySide6.QtCore import Qt
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def session_done(qtbot, window, action):
    """Run action() and wait for the window's report on it: (succeeded, message)."""
    with qtbot.waitSignal(window.sessions.done, timeout=TIMEOUT) as done:
        action()
    return tuple(done.args)


def test_window_save_then_open_restores_the_step_and_the_filters_shown(qtbot, window, wait_frame, pause, tmp_path):
    wait_frame(window, lambda f: f.snapshot.step > 20)
    saved = pause(window).snapshot
    path = str(tmp_path / "s.npz")
    ok, message = session_done(qtbot, window, lambda: window.sessions.save_to(path))
    assert ok and f"step {saved.step:,}" in message
    assert f"step {saved.step:,}" in window.statusBar().currentMessage()
    click(qtbot, window.run.pause)  # train on, far from the saved state
    wait_frame(window, lambda f: f.snapshot.step > saved.step + 200)
    pause(window)

    assert session_done(qtbot, window, lambda: window.sessions.open_from(path))[0]
    frame = wait_frame(window, lambda f: f.snapshot.step == saved.step)
    np.testing.assert_array_equal(frame.snapshot.filters, saved.filters)
    np.testing.assert_array_equal(frame.snapshot.initial, saved.initial)
    shown, k = window.filters.image.image, saved.filters.shape[1]
    for (top, left), tile in zip(window.filters.slots, saved.filters):
        np.testing.assert_array_equal(shown[top:top + k, left:left + k], tile)
    assert f"step {saved.step:,}" in window.status_step.title()


def test_window_open_takes_the_sessions_shape_settings_and_digit(qtbot, window, wait_frame, pause, tmp_path):
    seven = (np.load(ROOT / "engine/data/mnist-sample-1k.npz")["images"][700] / 255).astype(np.float32)
    config = Config(filters=4, kernel=5, optimizer="sgd", lr=0.05, momentum=0.5, seed=11)
    saved = Trainer(config, seven, 7)
    saved.step(30)
    save_session(saved, tmp_path / "s.npz")
    wait_frame(window, lambda f: f.snapshot.step > 0)
    pause(window)

    assert session_done(qtbot, window, lambda: window.sessions.open_from(str(tmp_path / "s.npz")))[0]
    frame = wait_frame(window, lambda f: f.snapshot.filters.shape == (4, 5, 5))
    assert frame.snapshot.step == 30 and frame.snapshot.label == 7
    np.testing.assert_array_equal(frame.snapshot.filters, saved.snapshot().filters)
    c = window.controls
    assert (c.optimizer.currentData(), c.lr.value(), c.momentum.value()) == ("sgd", 0.05, 0.5)
    assert (c.filters.value(), c.kernel.value(), window.run.seed.text()) == (4, 5, "seed 11")
    assert window.source.label.value() == 7
    np.testing.assert_array_equal(window.source.canvas.ink(), seven)
    # the controls now speak for the opened session: a new lr keeps its optimizer and shape
    c.lr.setValue(0.02)
    frame = wait_frame(window, lambda f: f.snapshot.config.lr == 0.02)
    assert frame.snapshot.config.optimizer == "sgd" and frame.snapshot.step == 30


def test_window_open_of_a_random_file_warns_and_training_goes_on(qtbot, window, wait_frame, tmp_path,
                                                                 monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[1:3]))
    bad = tmp_path / "random.npz"
    bad.write_bytes(np.random.default_rng(1).bytes(20_000))
    before = wait_frame(window, lambda f: f.snapshot.step > 10).snapshot
    ok, message = session_done(qtbot, window, lambda: window.sessions.open_from(str(bad)))
    assert not ok and "random.npz" in message
    assert len(warnings) == 1 and warnings[0][0] == "Cannot open this session" and "random.npz" in warnings[0][1]
    frame = wait_frame(window, lambda f: f.running and f.snapshot.step > before.step + 100)
    assert frame.snapshot.filters.shape == before.filters.shape
    np.testing.assert_array_equal(frame.snapshot.initial, before.initial)


@pytest.mark.parametrize("where", ["missing folder", "read-only folder"])
def test_window_save_that_cannot_be_written_is_reported_and_training_goes_on(
        qtbot, window, wait_frame, tmp_path, monkeypatch, where):
    from PySide6.QtWidgets import QMessageBox
    folder = tmp_path / "nowhere"
    if where == "read-only folder":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        folder.mkdir()
        folder.chmod(0o500)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[1:3]))
    before = wait_frame(window, lambda f: f.snapshot.step > 10).snapshot
    ok, message = session_done(qtbot, window, lambda: window.sessions.save_to(str(folder / "s.npz")))
    assert not ok and "Could not write" in message and "s.npz" in message
    assert len(warnings) == 1 and warnings[0][0] == "Cannot save the session"
    wait_frame(window, lambda f: f.running and f.snapshot.step > before.step + 100)
    folder.chmod(0o700) if folder.exists() else None
    assert not folder.exists() or list(folder.iterdir()) == []


def test_window_open_after_a_divergence_resumes_and_later_commands_still_run(qtbot, window, wait_frame,
                                                                             tmp_path, digit):
    """A good session ends the divergence pause, like a reset does; the next command is not lost."""
    trainer = Trainer(Config(filters=3), *digit)
    trainer.step(60)
    save_session(trainer, tmp_path / "s.npz")
    wait_frame(window, lambda f: f.snapshot.step > 0)
    window.commands.set_hparams(optimizer="sgd", lr=1e20)
    wait_frame(window, lambda f: f.snapshot.diverged is not None and not f.running)
    assert session_done(qtbot, window, lambda: window.sessions.open_from(str(tmp_path / "s.npz")))[0]
    frame = wait_frame(window, lambda f: f.running and f.snapshot.step > 60)
    assert frame.snapshot.diverged is None and frame.snapshot.config.optimizer == "adam"
    assert session_done(qtbot, window, lambda: window.sessions.save_to(str(tmp_path / "again.npz")))[0]
    assert read_session(tmp_path / "again.npz").step > 60


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_window_open_of_a_fifo_or_a_device_warns_at_once_and_training_goes_on(qtbot, window, wait_frame, tmp_path,
                                                                              monkeypatch):

    from PySide6.QtWidgets import QMessageBox
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[1:3]))
    os.mkfifo(tmp_path / "pipe.npz")
    before = wait_frame(window, lambda f: f.snapshot.step > 10).snapshot
    for path in (tmp_path / "pipe.npz", Path("/dev/zero")):
        ok, message = session_done(qtbot, window, lambda: window.sessions.open_from(str(path)))
        assert not ok and "not a regular file" in message  # refused, not blocked on the FIFO
    assert [title for title, _ in warnings] == ["Cannot open this session"] * 2
    wait_frame(window, lambda f: f.running and f.snapshot.step > before.step + 100)


def test_window_open_image_of_a_refused_kind_warns_at_once(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[1:3]))
    eps = tmp_path / "digit.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    assert not window.source.load_image_path(str(eps))
    assert warnings == [("Cannot use this image", f"{eps}: not a PNG, JPEG, BMP, GIF, TIFF or WebP image")]


def test_window_open_a_blank_page_warns_with_the_reason_and_keeps_the_digit(qtbot, window, tmp_path, monkeypatch):
    """A blank scan used to train as an empty frame: now it is refused, in one message, and nothing changes."""
    from PIL import Image
    from PySide6.QtWidgets import QMessageBox
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[1:3]))
    before = window.source.image.copy()
    blank = tmp_path / "blank.png"
    Image.new("L", (40, 30), 250).save(blank)
    assert not window.source.load_image_path(str(blank))
    assert warnings == [("Cannot use this image", f"{blank}: the image is blank: its darkest and lightest pixels "
                                                  f"differ by 0.0% of the full range, and a digit needs at least 3%")]
    assert (window.source.image == before).all()


def test_a_failure_on_the_training_thread_is_shown_at_once_and_training_goes_on(qtbot, window, wait_frame):
    """Whatever a query on the worker raises, the window says so now; the user is never left waiting."""
    from PySide6.QtWidgets import QMessageBox

    from filterlab.gui.worker.queries import Query

    class NoSuchFilter(Query):
        def answer(self, trainer):
            return trainer.snapshot().filters[99]

    before = wait_frame(window, lambda f: f.snapshot.step > 10).snapshot
    answered = []
    with qtbot.waitSignal(window.training_stopped, timeout=TIMEOUT) as stopped:
        window.ask(NoSuchFilter(), answered.append)
    assert stopped.args[0].startswith("that did not work: IndexError") and answered == []
    boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1 and boxes[0].text() == stopped.args[0]
    assert window.statusBar().currentMessage() == stopped.args[0]
    wait_frame(window, lambda f: f.running and f.snapshot.step > before.step + 100)
