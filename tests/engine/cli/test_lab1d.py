"""The 1-D lab on the command line (--lab1d): its figure and metrics; digit options refused."""
import json

import pytest
from PIL import Image


def test_headless_lab_writes_figure_and_metrics(tmp_path, run_main, progress_shown):
    out = tmp_path / "lab"
    code, stdout, err = run_main(["--headless", "--lab1d", "--steps", "600", "--lr", "0.01", "--out", out])
    assert code == 0, err
    assert progress_shown(err, "training", 600)  # the progress bar, on stderr
    assert "cosine to [-1, 1, -1]" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 600 and metrics["config"]["taps"] == 3
    assert metrics["agreement"]["f1"] >= 0.9 and metrics["cosine"] >= 0.98
    assert metrics["reference"] == [-1, 1, -1]
    figure = Image.open(out / "figure.png")
    assert figure.width >= 900 and figure.height >= 700


@pytest.mark.usefixtures("figures_unseen")
def test_headless_lab_with_more_taps(tmp_path, run_main):
    code, out, err = run_main(["--headless", "--lab1d", "--taps", "7", "--levels", "3", "--steps", "40",
                               "--seed", "2", "--out", tmp_path])
    assert code == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["taps"]) == 7 and metrics["reference"] == [0, 0, -1, 1, -1, 0, 0]
    assert metrics["config"]["levels"] == 3 and metrics["config"]["seed"] == 2


@pytest.mark.parametrize("args, words", [
    (["--lab1d", "--taps", "4"], "odd"),
    (["--lab1d", "--taps", "11"], "taps"),
    (["--lab1d", "--levels", "1"], "levels"),
    (["--lab1d", "--lr", "-1"], "lr"),
    (["--lab1d", "--taps", "three"], "taps"),
    (["--lab1d", "--filters", "3"], "--filters"),
    (["--lab1d", "--digit", "3", "--gif", "x.gif"], "--gif, --digit"),
    (["--lab1d", "--classes", "all"], "--classes"),
    (["--taps", "5"], "--lab1d"),
])
def test_bad_lab_options_exit_2_with_one_line(tmp_path, run_main, args, words):
    code, out, err = run_main(["--headless", "--steps", "5", "--out", tmp_path / "o", *args])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and words in lines[0] and "Traceback" not in err
    assert not (tmp_path / "o").exists()
