"""Exports from the digit window, through its File menu as a person uses it: the dialogs suggest a
name and open in the last folder; a GIF whose frames spread the forming; pictures 1,200 px wide or
the width chosen; the window itself; the history; a failed export reported."""
import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageSequence

from filterlab.engine.render.frames import GIF_FRAMES, FrameSet, forming_share, largest_share

TIMEOUT = 30_000


@pytest.fixture(autouse=True)
def own_settings(tmp_path):
    """The remembered folder and export width go to a settings file of this test's own."""
    from PySide6.QtCore import QSettings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture
def dialogs(monkeypatch):
    """Every file dialog the app runs: what it suggested (folder, file) is recorded, and it is answered
    with the next of `answers` — a path to pick, (name filter, path) to pick that filter first, None to
    cancel — or, when none is left, accepted as suggested."""
    from PySide6.QtWidgets import QFileDialog

    seen, answers = [], []

    def run(dialog):
        seen.append(SimpleNamespace(title=dialog.windowTitle(), folder=dialog.directory().absolutePath(),
                                    file=dialog.selectedFiles()[0]))
        answer = answers.pop(0) if answers else ""
        if answer is None:
            return 0
        if isinstance(answer, tuple):
            dialog.selectNameFilter(answer[0])
            dialog.filterSelected.emit(answer[0])  # as choosing it in the dialog's list does
            answer = answer[1]
        if answer:
            dialog.selectFile(str(answer))
        return 1
    monkeypatch.setattr(QFileDialog, "exec", run)
    return SimpleNamespace(seen=seen, answers=answers)


def choose(qtbot, win, item):
    """Trigger File > `item` and wait for its export to finish; the done signal's (succeeded, path)."""
    with qtbot.waitSignal(win.exporter.done, timeout=TIMEOUT) as done:
        win.menu_actions[item].trigger()
    return done.args


def gif_pictures(path) -> np.ndarray:
    with Image.open(path) as gif:
        return np.stack([np.asarray(frame.convert("RGB"), dtype=np.int16) for frame in ImageSequence.Iterator(gif)])


def test_gif_from_the_menu_spreads_the_forming_and_the_next_dialog_opens_where_it_went(
        qtbot, paused_window, dialogs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a dialog must not open in whatever folder the app started from
    win = paused_window()
    win.commands.train(1_800)  # to step 2,000: 200 records, twice a GIF's frames, the forming in the first 50
    qtbot.waitUntil(lambda: win.frame.snapshot.step == 2_000, timeout=TIMEOUT)
    folder = tmp_path / "slides"
    folder.mkdir()
    dialogs.answers.append(folder / "forming.gif")
    assert choose(qtbot, win, "Export filters forming (GIF, MP4)…") == [True, str(folder / "forming.gif")]
    first = dialogs.seen[0]
    assert first.file.endswith("/filters-step-2000.gif") and first.folder != str(tmp_path)
    pictures = gif_pictures(folder / "forming.gif")
    assert pictures.shape[2] == 1200 and 20 <= len(pictures) <= GIF_FRAMES
    moved = np.abs(np.diff(pictures, axis=0)).mean(axis=(1, 2, 3))  # no two frames hold a third of the change
    assert moved.max() <= moved.sum() / 3
    # The steps the frames show (the GIF's comment lists them): the filters' mean |cosine| to the
    # digit at each, from the record, forms over half the frames (frames evenly by record: 0.34).
    with Image.open(folder / "forming.gif") as gif:
        steps = [int(s) for s in gif.info["comment"].decode().split("steps ")[1].split(", ")]
    assert len(steps) == len(pictures) and steps[0] == 0 and steps[-1] == 2_000
    trainer = win.worker.experiment
    record_steps, cosines = trainer.record.cosine_curves(trainer.image_history)
    forming = np.abs(cosines[np.searchsorted(record_steps, steps)]).mean(axis=1)
    assert forming_share(forming) >= 0.5 and largest_share(forming) <= 1 / 3
    # The next dialog, a picture this time, opens in the folder the GIF went to, and suggests its name.
    assert choose(qtbot, win, "Export filters as picture (PNG, PDF, SVG)…") == [
        True, str(folder / "filters-step-2000.png")]
    assert dialogs.seen[1].folder == str(folder)
    with Image.open(folder / "filters-step-2000.png") as picture:
        assert picture.width == 1200


def test_picture_export_at_the_width_chosen_in_the_menu_and_as_pdf(qtbot, paused_window, dialogs, tmp_path,
                                                                    monkeypatch):
    from PySide6.QtWidgets import QInputDialog
    win = paused_window()
    offered = []

    def get_item(parent, title, label, items, current, editable):
        offered.append((list(items), current))
        return "1920 px (full HD)", True
    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    win.menu_actions["Export size…"].trigger()
    assert offered[0][0][offered[0][1]] == "1200 px (a slide)"  # the default, offered first
    dialogs.answers += [tmp_path / "wide.png", tmp_path / "sharp.pdf"]
    choose(qtbot, win, "Export filters as picture (PNG, PDF, SVG)…")
    with Image.open(tmp_path / "wide.png") as picture:
        assert picture.width == 1920
        rgb = np.asarray(picture.convert("RGB"), dtype=int)
    assert ((rgb[..., 2] - rgb[..., 0]) > 60).any() and (rgb < 10).all(axis=-1).sum() > 10_000  # filters, digit
    choose(qtbot, win, "Export filters as picture (PNG, PDF, SVG)…")
    assert (tmp_path / "sharp.pdf").read_bytes().startswith(b"%PDF")
    win.menu_actions["Export size…"].trigger()
    assert offered[1][0][offered[1][1]] == "1920 px (full HD)"  # remembered


def test_video_window_png_history_and_the_session_name_from_the_menu(qtbot, paused_window, dialogs, tmp_path):
    import av
    win = paused_window(steps=30)  # 31 records, each a frame of the video
    dialogs.answers.append(("MP4 videos (*.mp4)", tmp_path / "clip"))  # no suffix typed: the filter's
    assert choose(qtbot, win, "Export filters forming (GIF, MP4)…")[0] is True
    with av.open(str(tmp_path / "clip.mp4")) as video:
        stream = video.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.width == 1200 and stream.frames > 20
    dialogs.answers += [tmp_path / "window.png", tmp_path / "history.npz", None]
    choose(qtbot, win, "Save window as PNG…")
    assert dialogs.seen[1].file.endswith("/window-step-30.png")
    grabbed = win.grab()
    with Image.open(tmp_path / "window.png") as picture:
        assert picture.size == (grabbed.width(), grabbed.height())
    choose(qtbot, win, "Export history (.npz)…")
    assert dialogs.seen[2].file.endswith("/history-step-30.npz")
    assert np.load(tmp_path / "history.npz")["filters"].shape == (31, 3, 28, 28)
    win.menu_actions["Save session…"].trigger()  # cancelled: nothing written
    assert dialogs.seen[3].file.endswith("/session-step-30.npz") and dialogs.seen[3].folder == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "settings") == ["clip.mp4", "history.npz",
                                                                                  "window.png"]


def test_a_failed_export_is_one_message_and_leaves_nothing(qtbot, paused_window, dialogs, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    win = paused_window()
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    dialogs.answers += [tmp_path / "missing" / "filters.gif", tmp_path / "filters.xyz"]
    assert choose(qtbot, win, "Export filters forming (GIF, MP4)…")[0] is False
    assert choose(qtbot, win, "Export filters as picture (PNG, PDF, SVG)…")[0] is False
    assert len(warnings) == 2 and all(w.startswith("Could not write /") for w in warnings)
    assert warnings[0].endswith("/missing/filters.gif:\nNo such file or directory")  # not the temporary file
    assert "/filters.xyz:\nFormat 'xyz' is not supported" in warnings[1]
    assert not (tmp_path / "missing").exists() and not list(tmp_path.glob("*filters*"))



def test_the_run_exports_from_the_menu_as_a_script_and_a_notebook_that_train_it_again(
        qtbot, paused_window, dialogs, tmp_path):
    import subprocess
    import sys

    import nbformat
    win = paused_window()  # step 200
    win.controls.lr.setValue(0.01)  # a live change, as a person makes it
    qtbot.waitUntil(lambda: win.worker.experiment.optimizer.param_groups[0]["lr"] == 0.01, timeout=TIMEOUT)
    win.commands.train(40)
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step == 240, timeout=TIMEOUT)
    dialogs.answers += [tmp_path / "run.py", tmp_path / "run.ipynb"]
    assert choose(qtbot, win, "Export as Python script…") == [True, str(tmp_path / "run.py")]
    assert choose(qtbot, win, "Export as notebook…") == [True, str(tmp_path / "run.ipynb")]
    assert dialogs.seen[0].file.endswith("/filterlab-run-step-240.py")
    assert dialogs.seen[1].file.endswith("/filterlab-run-step-240.ipynb")
    assert "wrote the run (step 240) as a notebook" in win.statusBar().currentMessage()
    text = (tmp_path / "run.py").read_text()
    assert "step 200: learning rate from 0.001 to 0.01" in text and "train(40)  # steps 201 to 240" in text
    book = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    assert any("train(40)  # steps 201 to 240" in cell.source for cell in book.cells if cell.cell_type == "code")
    result = subprocess.run([sys.executable, "run.py", "--out", "out"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    filters = win.frame.snapshot.filters
    np.testing.assert_allclose(np.load(tmp_path / "out" / "filters.npy"), filters, rtol=0,
                               atol=1e-5 * np.abs(filters).max())


def test_a_set_run_exports_from_its_menu_too(qtbot, dialogs, tmp_path):
    from filterlab.engine.core.config import Config
    from filterlab.engine.digitset.data import bundled_set
    from filterlab.engine.digitset.spec import SetSpec
    from filterlab.gui.windows.digitset import SetWindow
    win = SetWindow(SetSpec(Config(filters=2), bundled_set((3, 7)), batch_size=32, epochs=2), running=False, speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.commands.train(7)
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step == 7, timeout=TIMEOUT)
    dialogs.answers.append(tmp_path / "set.py")
    assert choose(qtbot, win, "Export as Python script…") == [True, str(tmp_path / "set.py")]
    text = (tmp_path / "set.py").read_text()
    assert "trained on 160 bundled digits of classes 3,7, minibatches of 32 for 7 steps" in text
    assert "train(7)  # steps 1 to 7" in text and "DIGITS = (" in text
    compile(text, "set.py", "exec")
    win.close()


def test_the_animation_renders_on_a_thread_of_its_own_while_training_goes_on(qtbot, paused_window, dialogs,
                                                                            tmp_path, monkeypatch):
    """The record is copied on the training thread between two steps; the frames are rendered from the copy
    on a thread that is neither the window's nor the training's, and the steps go on meanwhile."""
    import threading

    from PySide6.QtCore import Qt

    from filterlab.engine.render import animation
    from filterlab.gui.worker.queries import Query

    class TrainingThread(Query[int]):
        def answer(self, experiment) -> int:
            return threading.get_native_id()

    win = paused_window()
    training = []
    win.ask(TrainingThread(), training.append)
    qtbot.waitUntil(lambda: bool(training), timeout=TIMEOUT)
    started, trained, steps = threading.Event(), threading.Event(), []

    def step_seen(frame) -> None:
        if started.is_set():
            steps.append(frame.snapshot.step)
            if len(set(steps)) >= 3:
                trained.set()
    win.frame_drawn.connect(step_seen)
    real, seen = animation.save_animation, {}

    def rendering(frames, path, **options):
        seen["thread"] = threading.get_native_id()
        started.set()
        seen["trained meanwhile"] = trained.wait(TIMEOUT / 1000)
        few = FrameSet(*(getattr(frames, field.name)[:4] for field in dataclasses.fields(FrameSet)))
        return real(few, path, **{**options, "width": 200})  # the thread is the point, not the size or the count
    monkeypatch.setattr(animation, "save_animation", rendering)
    qtbot.mouseClick(win.run.pause, Qt.MouseButton.LeftButton)  # Resume: training runs
    dialogs.answers.append(tmp_path / "forming.gif")
    assert choose(qtbot, win, "Export filters forming (GIF, MP4)…") == [True, str(tmp_path / "forming.gif")]
    assert seen["thread"] not in (threading.main_thread().native_id, training[0])
    assert seen["trained meanwhile"] and steps == sorted(steps)
    assert len(gif_pictures(tmp_path / "forming.gif")) >= 2
