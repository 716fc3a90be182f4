"""The command line against hostile surroundings: names that attack a terminal, outputs that must not be
replaced, standard streams that are closed or full, and signals at any moment."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from filterlab.engine.core import stops
from filterlab.engine.data import bundled_digit

ROOT = Path(__file__).resolve().parents[3]
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX streams and signals")


def one_clean_line(err: str) -> str:
    """The single line of a refusal, which must hold nothing a terminal would obey."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("filterlab: error: "), err
    assert lines[0].isprintable(), repr(lines[0])
    return lines[0]


@pytest.fixture
def digit_png(tmp_path) -> Path:
    path = tmp_path / "four.png"
    Image.fromarray(np.uint8(255 * (1 - bundled_digit(4)[0]))).resize((56, 56)).save(path)
    return path


# ------------------------------------------------------------------ what reaches the terminal
@pytest.mark.parametrize("name", ["a\x1b]0;owned\x07.png", "two\nlines.png", os.fsdecode(b"\xff\xfe\x1b[2J.png")])
def test_a_name_that_attacks_the_terminal_is_shown_escaped_in_one_line(run_main, tmp_path, name):
    code, out, err = run_main(["--headless", "--image", tmp_path / name, "--steps", "1", "--out", tmp_path / "o"])
    assert code == 2 and "no such file" in one_clean_line(err)  # one line, nothing in it a terminal obeys


def test_an_unknown_option_is_echoed_escaped(run_main):
    code, out, err = run_main(["--headless", "--bogus\x1b[2J\nsecond line"])
    assert code == 2 and "\\x1b[2J\\nsecond line" in one_clean_line(err)


@pytest.mark.parametrize("classes", ["²", "٣", "3,¹", "1,\x1b"])
def test_classes_take_ascii_digits_only(run_main, classes):
    code, out, err = run_main(["--headless", "--classes", classes, "--epochs", "1"])
    assert code == 2 and "--classes takes 'all' or digits 0-9" in one_clean_line(err)


# ------------------------------------------------------------------ outputs checked before training
def test_a_session_is_never_replaced_by_its_own_screenshot(run_main, tmp_path):
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.session import save_session
    from filterlab.engine.digit.trainer import Trainer

    session = tmp_path / "s.npz"
    save_session(Trainer(Config(filters=2, kernel=5), *bundled_digit(4)), session)
    before = session.read_bytes()
    for spelling in (session, tmp_path / "." / "s.npz"):
        code, out, err = run_main(["--load", session, "--screenshot", spelling, "--steps", "1"])
        assert code == 2 and "it is the file --load reads in this run" in one_clean_line(err)
    assert session.read_bytes() == before


@POSIX
@pytest.mark.parametrize("make, words", [
    (lambda tmp, png: ["--gif", (os.mkfifo(tmp / "f.gif"), tmp / "f.gif")[1]], "a device, a pipe or a socket"),
    (lambda tmp, png: ["--out", "/dev/null"], "exists and is not a folder"),
    (lambda tmp, png: ["--out", ""], "an output needs a name, got an empty one"),
    (lambda tmp, png: ["--gif", tmp / "g.gif/"] if (tmp / "g.gif").mkdir() is None else [], "it is a folder"),
    (lambda tmp, png: ["--out", png.parent, "--image", (os.link(png, png.parent / "figure.png"), png)[1]],
     "figure.png: it is the file --image reads in this run"),
    (lambda tmp, png: ["--gif", tmp / ("é" * 126 + ".gif")], "256 bytes long; the system allows at most 255"),
])
def test_an_output_that_cannot_be_is_refused_before_training(run_main, tmp_path, digit_png, make, words):
    args = make(tmp_path, digit_png)
    code, out, err = run_main(["--headless", "--steps", "100000000", *args])
    assert code == 2 and words in one_clean_line(err) and out == ""  # at once: no training, no report


def test_a_name_that_is_not_utf8_works_end_to_end(run_main, tmp_path, digit_png):
    image = tmp_path / os.fsdecode(b"caf\xe9 \x1b.png")
    image.write_bytes(digit_png.read_bytes())
    out = tmp_path / os.fsdecode(b"r\xe9sultats")
    code, stdout, err = run_main(["--headless", "--image", image, "--label", "4", "--steps", "2", "--out", out,
                                  "--gif", out / os.fsdecode(b"\xff.gif")])
    assert code == 0, err
    assert sorted(os.listdir(out)) == sorted(["article.png", "figure.png", "history.npz", "metrics.json",
                                              os.fsdecode(b"\xff.gif")])
    assert stdout.isprintable() or stdout.replace("\n", "").isprintable()
    assert "r\\xe9sultats" in stdout and "\\xff.gif" in stdout


# ------------------------------------------------------------------ results
def test_metrics_of_a_diverged_run_are_strict_json(run_main, tmp_path):
    code, out, err = run_main(["--headless", "--steps", "5", "--lr", "1e30", "--out", tmp_path, "--filters", "2"])
    assert code == 1 and "diverged" in err

    def refuse(constant):
        raise ValueError(constant)
    metrics = json.loads((tmp_path / "metrics.json").read_text(), parse_constant=refuse)
    assert metrics["diverged"]


# ------------------------------------------------------------------ signals
def small_frames():
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.engine.render.frames import gif_frames

    trainer = Trainer(Config(filters=2, kernel=5, record_every=1), *bundled_digit(4))
    trainer.step(4)
    return gif_frames(trainer.record, trainer.image_history)


@POSIX
@pytest.mark.parametrize("signum, stop", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, stops.Terminated)])
def test_a_stop_during_the_gif_ends_between_frames_and_leaves_nothing(tmp_path, monkeypatch, signum, stop):
    from filterlab.engine.render import animation

    drawn = []
    real = animation.pixels

    def drawing(figure):  # the signal comes in the middle of matplotlib's draw of frame 2
        drawn.append(len(drawn))
        if len(drawn) == 2:
            os.kill(os.getpid(), signum)
        return real(figure)

    monkeypatch.setattr(animation, "pixels", drawing)
    undo = stops.install()
    try:
        with pytest.raises(stop):
            animation.save_animation(small_frames(), tmp_path / "filters.gif")
    finally:
        stops.handled()
        undo()
    assert drawn == [0, 1] and os.listdir(tmp_path) == []  # frame 2 was finished, no frame 3, no .part


@POSIX
def test_a_stop_python_swallows_in_a_weakref_callback_is_raised_at_the_next_check(capfd):
    class Thing:
        pass

    undo = stops.install()
    try:
        thing = Thing()
        ref = weakref.ref(thing, lambda _: os.kill(os.getpid(), signal.SIGTERM))  # noqa: F841
        del thing  # the callback runs; Python would print the Terminated raised in it, and drop it
        with pytest.raises(stops.Terminated):
            stops.check()
    finally:
        stops.handled()
        undo()
    assert "Exception ignored" not in capfd.readouterr().err


def started(args, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT, env=env, **kwargs)


# ------------------------------------------------------------------ standard streams
@POSIX
def test_a_closed_pipe_on_stdout_ends_quietly():
    """`filterlab --help | head -0`: the reader is gone before the first line."""
    read, write = os.pipe()
    os.close(read)
    process = started(["--help"], stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    err = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 141 and err == ""


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_device_on_stdout_is_one_line():
    with open("/dev/full", "w") as full:
        process = started(["--help"], stdout=full, stderr=subprocess.PIPE)
        err = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 2
    assert err == "filterlab: error: cannot write to standard output: No space left on device\n"


@POSIX
def test_a_closed_stderr_still_gives_the_exit_code_and_steals_no_file(tmp_path):
    """With fd 2 closed, the next file opened would be fd 2, and every library warning would land in it."""
    code = ("import os, sys; os.close(2); sys.stderr = None; from filterlab.main import main; "
            f"sys.exit(main(['--headless', '--steps', '1', '--filters', '1', '--out', {str(tmp_path)!r}]))")
    process = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=False, timeout=120,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert process.returncode == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["steps"] == 1
    assert b"training" not in (tmp_path / "metrics.json").read_bytes()


def test_a_bad_option_with_stderr_gone_is_still_exit_2(monkeypatch):
    from filterlab import main

    monkeypatch.setattr(sys, "stderr", None)
    assert main.main(["--steps", "-1"]) == 2
