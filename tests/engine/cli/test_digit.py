"""The headless command line, one digit: the experiment's outputs, and bad input refused cleanly."""
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from filterlab.engine.render.frames import GIF_FRAMES

ROOT = Path(__file__).resolve().parents[3]


def test_headless_run_writes_figure_metrics_and_history(tmp_path, run_main, progress_shown):
    """The issue's acceptance run, as a user types it (in-process: test_interrupt runs main.py in a child)."""
    out = tmp_path / "run"
    code, _, err = run_main(["--headless", "--steps", "1000", "--digit", "7", "--out", out])
    assert code == 0, err
    assert progress_shown(err, "training", 1000)  # the progress bar, on stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 1000 and metrics["label"] == 7
    assert metrics["final_loss"] < 0.01
    assert np.mean(np.abs(metrics["initial_cosine"])) < 0.2
    assert np.mean(np.abs(metrics["cosine"])) >= 0.65
    assert metrics["steps_per_second"] > 0
    assert metrics["config"]["filters"] == 5 and metrics["config"]["kernel"] == 28
    figure = Image.open(out / "figure.png")
    assert figure.width == 1200 and figure.height > 500
    history = np.load(out / "history.npz")
    assert history["filters"].shape[1:] == (5, 28, 28)
    assert history["filter_steps"][-1] == 1000
    assert json.loads(str(history["config_json"]))["seed"] == 0


@pytest.mark.usefixtures("figures_unseen")
def test_headless_on_an_image_file_with_gif(tmp_path, run_main):
    digit = (np.load(ROOT / "engine/data/mnist-sample-1k.npz")["images"][300])
    Image.fromarray(255 - digit).resize((90, 90)).save(tmp_path / "three.png")
    code, out, err = run_main(["--headless", "--steps", "100", "--image", tmp_path / "three.png",
                               "--label", "3", "--out", tmp_path / "r", "--gif", tmp_path / "f.gif"])
    assert code == 0, err
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["label"] == 3
    gif = Image.open(tmp_path / "f.gif")
    # 101 records (each of the first 100 steps): the frames are spread over the change, as the window's
    assert 50 <= gif.n_frames <= GIF_FRAMES and gif.width == 1200


@pytest.mark.usefixtures("figures_unseen")
def test_gif_width_sets_the_animation_width(tmp_path, run_main):
    code, out, err = run_main(["--headless", "--steps", "6", "--filters", "1", "--out", tmp_path / "r",
                               "--gif", tmp_path / "f.gif", "--gif-width", "300"])
    assert code == 0, err
    gif = Image.open(tmp_path / "f.gif")
    assert gif.width == 300 and f"wrote {tmp_path / 'f.gif'}: {gif.n_frames} frames, 300 px wide" in out


@pytest.mark.parametrize("args, says", [
    (["--gif-width", "400"], "without --gif"),
    (["--gif", "f.gif", "--gif-width", "100"], "200-2,560; got 100"),
])
def test_gif_width_out_of_range_or_alone_is_one_line(tmp_path, run_main, args, says):
    code, _, err = run_main(["--headless", "--out", tmp_path / "r", *args])
    assert code == 2 and says in err and err.count("\n") == 1, err


def test_gif_width_default_is_the_window_export_width():
    from filterlab.engine.cli.launch import GIF_WIDTH
    from filterlab.engine.render.slides import EXPORT_WIDTH
    assert GIF_WIDTH == EXPORT_WIDTH


@pytest.mark.usefixtures("figures_unseen")
def test_same_seed_same_metrics(tmp_path, run_main):
    for name in ("a", "b"):
        assert run_main(["--headless", "--steps", "50", "--seed", "5", "--out", tmp_path / name])[0] == 0
    a, b = (json.loads((tmp_path / n / "metrics.json").read_text()) for n in "ab")
    assert a["cosine"] == b["cosine"] and a["final_loss"] == b["final_loss"]


def write_text(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not an image")
    return path


@pytest.mark.parametrize("args, words", [
    (["--image", "/no/such/file.png"], "no such file"),
    (["--image", write_text], "not a PNG, JPEG, BMP, GIF, TIFF or WebP image"),
    (["--image", "/dev/zero"], "not a regular file"),
    (["--image", lambda tmp: tmp / ("x" * 300 + ".png")], "the name is too long for this system"),
    (["--init", "constant", "--init-value", "1e308"], "init value must be at most 3.403e+38, the largest float32"),
    (["--lr", "1e-320"], "lr must be at least 1.2e-38, the smallest normal float32"),
    (["--lr", "1e39"], "the largest float32"),
    (["--gif", lambda tmp: tmp / ("g" * 300 + ".gif")], "--gif"),
    (["--out", lambda tmp: tmp / ("o" * 256)], "a part of the path is 256 bytes long"),
    (["--out", lambda tmp: tmp / "/".join(["p" * 250] * 17)], "the system allows at most 4,095"),
    (["--digit", "12"], "digit"),
    (["--index", "5000"], "index"),
    (["--index", "-1"], "index"),
    (["--mnist-root", "EMPTY"], "--download"),
    (["--filters", "0"], "filters"),
    (["--filters", "65"], "filters"),
    (["--kernel", "40"], "kernel"),
    (["--lr", "-1"], "lr"),
    (["--lr", "nan"], "lr"),
    (["--weight-decay", "inf"], "weight decay"),
    (["--label", "11"], "label"),
    (["--steps", "-5"], "steps"),
    (["--steps", "many"], "steps"),
    (["--optimizer", "rmsprop"], "optimizer"),
    (["--device", "cuda"] if not __import__("torch").cuda.is_available() else ["--seed", "-1"], "cuda"
     if not __import__("torch").cuda.is_available() else "seed"),
    (["--digit", "3", "--index", "4"], "not allowed"),
    (["--speed", "10"], "--speed is for the window"),
    (["--lesson"], "--lesson is for the window"),
    (["--gif", "filters.avi"], "must end in .gif"),
])
def test_bad_input_exits_2_with_one_clear_line(tmp_path, run_main, args, words):
    args = [a(tmp_path) if callable(a) else a for a in args]
    args = [tmp_path / "empty" if a == "EMPTY" else a for a in args]
    (tmp_path / "empty").mkdir()
    code, out, err = run_main(["--headless", "--steps", "5", "--out", tmp_path / "o", *args])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and words in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_out_that_is_a_file_is_refused(tmp_path, run_main):
    (tmp_path / "file").write_text("keep me")
    code, _, err = run_main(["--headless", "--steps", "5", "--out", tmp_path / "file"])
    assert code == 2 and "not a folder" in err
    assert (tmp_path / "file").read_text() == "keep me"


def test_unwritable_out_is_reported(tmp_path, run_main):
    (tmp_path / "file").write_text("keep me")
    code, _, err = run_main(["--headless", "--steps", "5", "--out", tmp_path / "file" / "sub"])
    assert code == 2 and f"{tmp_path / 'file'} is a file, not a folder" in err and "Traceback" not in err
    assert (tmp_path / "file").read_text() == "keep me"


@pytest.mark.usefixtures("figures_unseen")
def test_init_options_reach_the_single_digit_run(tmp_path, run_main):
    code, _, err = run_main(["--headless", "--steps", "0", "--init", "constant", "--init-value", "0.02",
                             "--out", tmp_path / "o"])
    assert code == 0, err
    history = np.load(tmp_path / "o" / "history.npz")
    assert np.all(history["initial_filters"] == np.float32(0.02))
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["config"]["init"] == "constant"


@pytest.mark.parametrize("args, words", [
    (["--init", "ones"], "init"),
    (["--init-value", "-1"], "init value"),
    (["--init-value", "nan"], "init value"),
])
def test_bad_init_options_exit_2_with_one_clear_line(tmp_path, run_main, args, words):
    (tmp_path / "empty").mkdir()
    args = [tmp_path / "empty" if a == "EMPTY" else a for a in args]
    code, out, err = run_main(["--headless", "--out", tmp_path / "o", *args])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and words in lines[0]
    assert not (tmp_path / "o" / "metrics.json").exists()


@pytest.mark.parametrize("args, words", [
    (["--speed", "-3"], "--speed must be 0"),
    (["--speed", "nan"], "--speed must be 0"),
    (["--speed", "1e308"], "from 0.01 to 1,000,000, got 1e+308"),
    (["--screenshot", "/tmp"], "--screenshot /tmp: it is a folder"),
    (["--screenshot", "/tmp/" + "s" * 300 + ".png"], "a part of the path is 304 bytes long"),
    (["--lesson", "--lab1d"], "--lesson is the lesson of the one-digit experiment"),
    (["--lesson", "--classes", "all"], "--lesson is the lesson of the one-digit experiment"),
])
def test_bad_window_options_exit_2_before_a_window_opens(run_main, args, words):
    code, out, err = run_main(args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and words in err


def test_the_window_options_reach_the_launch():
    from filterlab.engine.cli.launch import parse

    assert parse([]).speed is None and not parse([]).lesson
    launch = parse(["--speed", "25", "--lesson"])
    assert launch.speed == 25.0 and launch.lesson
    assert parse(["--lab1d", "--speed", "0"]).speed == 0.0
