"""--screenshot: the real window, from the command line, trains N steps and saves itself as a PNG."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.session import save_session
from filterlab.engine.digit.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]


CHILD = """
import contextlib, json, sys, time
from filterlab import main
for folder, argv in json.loads(sys.argv[1]):
    with open(folder + "/out", "w") as out, open(folder + "/err", "w") as err:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            started = time.perf_counter()
            code = main.main(argv)
    with open(folder + "/done.json", "w") as done:
        json.dump({"code": code, "seconds": time.perf_counter() - started}, done)
"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """{name: (exit code, stdout, stderr, seconds, its folder)}: four --screenshot runs of the real app, one
    after the other in ONE fresh Python (its own QApplication; each start of torch and Qt costs seconds)."""
    import json
    root = tmp_path_factory.mktemp("shots")
    trainer = Trainer(Config(filters=2, kernel=9), *bundled_digit(4))
    trainer.step(40)
    save_session(trainer, root / "s.npz")
    runs = {"loaded": ["--load", root / "s.npz", "--screenshot", root / "loaded" / "shot.png", "--steps", "25"],
            "lab": ["--lab1d", "--screenshot", root / "lab" / "lab.png", "--steps", "200"],
            "paced": ["--speed", "40", "--filters", "2", "--screenshot", root / "paced" / "paced.png",
                      "--steps", "60"],
            "lesson": ["--lesson", "--lesson-language", "de", "--lesson-step", "5", "--steps", "5",
                       "--screenshot", root / "lesson" / "step5.png"]}
    for name in runs:
        (root / name).mkdir()
    plan = [(str(root / name), [str(a) for a in argv]) for name, argv in runs.items()]
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(plan)], cwd=ROOT, capture_output=True,
                            text=True, timeout=240, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-3000:]
    shots = {}
    for name in runs:
        done = json.loads((root / name / "done.json").read_text())
        shots[name] = (done["code"], (root / name / "out").read_text(), (root / name / "err").read_text(),
                       done["seconds"], root / name)
    return shots


def test_the_window_opens_on_a_loaded_session(shots):
    """--load with --screenshot: the real window starts from the saved step and trains --steps more."""
    code, _, err, _, folder = shots["loaded"]
    assert code == 0, err
    assert (folder / "shot.png").stat().st_size > 10_000


def test_lab_screenshot_from_the_command_line(shots):
    code, _, err, _, folder = shots["lab"]
    assert code == 0, err
    image = Image.open(folder / "lab.png")
    assert image.width >= 1000 and image.height >= 700


def test_a_running_step_of_the_german_lesson_as_a_picture(shots):
    """--lesson --lesson-step N --screenshot: one lesson step as a picture, from the command line."""
    code, _, err, _, folder = shots["lesson"]
    assert code == 0, err
    image = Image.open(folder / "step5.png")
    assert image.width >= 1000 and image.height >= 700


def test_a_screenshot_at_a_speed_trains_at_that_speed(shots):
    """--speed with --screenshot: the window trains at the speed (not at once), then saves itself."""
    code, out, err, seconds, folder = shots["paced"]
    assert code == 0, err
    assert seconds > 60 / 40 * 0.7  # 1.5 s of training at 40 steps/s
    assert out == "screenshot: the window is training to step 60 at its speed; the PNG is saved then\n"
    assert (folder / "paced.png").stat().st_size > 10_000


def test_running_until_a_step_at_a_speed_stops_exactly_there(qtbot, digit):
    """What --screenshot --speed does to the window: run at the pace, pause on step N exactly."""
    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.windows.digit import DigitWindow

    window = DigitWindow(DigitSpec(Config(filters=2), *digit), running=False, speed=50)
    qtbot.addWidget(window)
    window.show()
    drawn = []
    window.frame_drawn.connect(lambda frame: drawn.append((frame.snapshot.step, frame.running)))
    window.commands.run_until(30)
    qtbot.waitUntil(lambda: bool(drawn) and drawn[-1] == (30, False), timeout=20_000)
    qtbot.wait(300)
    assert max(step for step, _ in drawn) == 30 and window.frame.snapshot.step == 30
    assert any(running for _, running in drawn)  # it ran at the pace on the way
    window.close()


def test_a_screenshot_that_cannot_be_written_leaves_the_old_file_whole(qtbot, tmp_path, monkeypatch):
    """As on a full disk: Qt writes part of the PNG, then fails. The old picture survives, no temp file stays."""
    from PySide6.QtGui import QPixmap

    from filterlab.gui.screenshot import save_png

    shot = tmp_path / "shot.png"
    shot.write_bytes(b"the old screenshot")

    def full_disk(self, name, fmt=None):
        Path(name).write_bytes(b"\x89PNG half")
        return False

    monkeypatch.setattr(QPixmap, "save", full_disk)
    pixmap = QPixmap(20, 20)
    with pytest.raises(OSError, match="Qt could not write the PNG"):
        save_png(pixmap, shot)
    assert shot.read_bytes() == b"the old screenshot" and os.listdir(tmp_path) == ["shot.png"]


def test_a_screenshot_whose_training_cannot_start_says_so_at_once(qtbot, digit, capsys):
    """Not after SCREENSHOT_TIMEOUT_S of silence: one line, exit 2, as soon as the worker reports it."""

    from PySide6.QtCore import QEventLoop

    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.screenshot import take_screenshot
    from filterlab.gui.windows.digit import DigitWindow

    def unusable():
        raise RuntimeError("this state cannot train")

    window = DigitWindow(DigitSpec(Config(filters=2), *digit), running=False, factory=unusable, speed=0)
    qtbot.addWidget(window)
    window.show()
    class OwnLoop:
        """exec/quit on a loop of its own: quitting the test session's QApplication would stall the tests after."""
        loop = QEventLoop()
        exec, quit = loop.exec, loop.quit

    code = take_screenshot(OwnLoop(), window, "never.png", 10)
    assert code == 2  # at once: the failure ends the wait (a hang would be stopped by pytest-timeout)
    assert capsys.readouterr().err == "filterlab: error: could not start training: this state cannot train\n"


def test_a_screenshot_of_a_run_that_diverged_exits_1_as_a_headless_run_does(qtbot, tmp_path, digit, capsys):
    from PySide6.QtCore import QEventLoop

    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.screenshot import take_screenshot
    from filterlab.gui.windows.digit import DigitWindow

    window = DigitWindow(DigitSpec(Config(filters=2, lr=1e30), *digit), running=False, speed=0)
    qtbot.addWidget(window)
    window.show()

    class OwnLoop:
        loop = QEventLoop()
        exec, quit = loop.exec, loop.quit

    assert take_screenshot(OwnLoop(), window, tmp_path / "shot.png", 20) == 1
    assert capsys.readouterr().err.startswith("warning: training diverged")
    assert (tmp_path / "shot.png").stat().st_size > 10_000  # the window, showing the divergence, is saved


@pytest.mark.parametrize("value", ["0", "abc", "nan", "-1", "1e9", "inf", "0\x1b[2J"])
def test_a_scale_factor_qt_cannot_use_is_one_line_before_a_window(run_main, tmp_path, monkeypatch, value):
    monkeypatch.setenv("QT_SCALE_FACTOR", value)
    code, out, err = run_main(["--screenshot", tmp_path / "shot.png", "--steps", "1"])
    assert code == 2 and err.count("\n") == 1 and err[:-1].isprintable()
    assert err.startswith("filterlab: error: the environment variable QT_SCALE_FACTOR must be a number from 0.25 to 8")
    assert not (tmp_path / "shot.png").exists()


def test_a_usable_scale_factor_passes():
    from filterlab.gui.app import check_scale_factor

    for value in (None, "", "1", "1.5", "0.25", "8"):
        check_scale_factor(value)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
@pytest.mark.parametrize("signum, code, words", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_ctrl_c_or_sigterm_closes_the_window_with_one_line_and_exit_130_or_143(tmp_path, signum, code, words):
    import signal
    import threading

    shot = tmp_path / "shot.png"
    shot.write_bytes(b"an older screenshot")
    process = subprocess.Popen([sys.executable, "main.py", "--speed", "5", "--screenshot", str(shot), "--steps",
                                "100000"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    watchdog = threading.Timer(60, process.kill)  # a line that never comes: the run ends, the test fails
    watchdog.start()
    try:
        said = process.stdout.readline()  # the window is up and training at 5 steps/s (its first frame came)
        assert said == "screenshot: the window is training to step 100,000 at its speed; the PNG is saved then\n"
        assert process.poll() is None
        process.send_signal(getattr(signal, signum))
        err = process.communicate(timeout=20)[1]
    finally:
        watchdog.cancel()
        process.kill()  # no-op once it ended
        process.wait()
    assert process.returncode == code
    assert err.strip().splitlines()[-1] == f"filterlab: {words}" and "Traceback" not in err
    assert shot.read_bytes() == b"an older screenshot" and os.listdir(tmp_path) == ["shot.png"]
