"""Beyond one digit on the command line: set runs, runs side by side, and bad input refused."""
import json

import numpy as np
import pytest
from PIL import Image

from test_cli import run_main


def test_headless_set_run_writes_epochs_accuracy_figure_and_history(tmp_path, capsys):
    out = tmp_path / "set"
    code, stdout, err = run_main(["--headless", "--classes", "3,7", "--epochs", "3", "--batch-size", "32",
                                  "--filters", "4", "--out", out], capsys)
    assert code == 0, err
    assert "epoch 1/3 [" in err and "epoch 3/3: train loss" in err  # a bar and a score line per epoch
    assert "test accuracy" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["classes"] == [3, 7] and metrics["train_size"] == 160 and metrics["test_size"] == 40
    assert metrics["steps_per_epoch"] == 5 and metrics["steps"] == 15
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2, 3]
    assert metrics["final_test_accuracy"] == metrics["epochs"][-1]["test_accuracy"]
    assert set(metrics["filter_classes"]) <= {3, 7} and len(metrics["cosine"]) == 4
    assert Image.open(out / "figure.png").width > 400
    history = np.load(out / "history.npz")
    assert history["filters"].shape[1:] == (4, 28, 28) and history["loss"].size > 0


def test_headless_compare_writes_one_row_per_run(tmp_path, capsys):
    out = tmp_path / "cmp"
    code, stdout, err = run_main(["--headless", "--compare", "seed=1;init=zeros;optimizer=sgd,lr=0.1",
                                  "--filters", "3", "--steps", "200", "--digit", "7", "--out", out], capsys)
    assert code == 0, err
    assert "200/200" in err and "init=zeros: loss" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 200 and metrics["label"] == 7
    names = [r["name"] for r in metrics["runs"]]
    assert names == ["seed=1", "init=zeros", "optimizer=sgd,lr=0.1"]
    runs = {r["name"]: r for r in metrics["runs"]}
    assert runs["init=zeros"]["max_filter_difference"] < 1e-6  # symmetry never broken (but by rounding)
    assert runs["seed=1"]["max_filter_difference"] > 0.01
    assert runs["optimizer=sgd,lr=0.1"]["config"]["optimizer"] == "sgd"
    assert all(len(r["cosine"]) == 3 and r["final_loss"] < 0.1 for r in metrics["runs"])
    figure = Image.open(out / "figure.png")
    assert figure.height > 3 * 112


def test_init_options_reach_the_single_digit_run(tmp_path, capsys):
    code, _, err = run_main(["--headless", "--steps", "0", "--init", "constant", "--init-value", "0.02",
                             "--out", tmp_path / "o"], capsys)
    assert code == 0, err
    history = np.load(tmp_path / "o" / "history.npz")
    assert np.all(history["initial_filters"] == np.float32(0.02))
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["config"]["init"] == "constant"


@pytest.mark.parametrize("args, words", [
    (["--classes", "3,x"], "--classes"),
    (["--classes", "all", "--epochs", "0"], "--epochs"),
    (["--classes", "all", "--batch-size", "0"], "--batch-size"),
    (["--epochs", "2"], "--classes"),
    (["--classes", "all", "--digit", "3"], "--digit"),
    (["--classes", "all", "--steps", "10"], "--epochs"),
    (["--classes", "all", "--gif", "f.gif"], "--gif"),
    (["--classes", "all", "--compare", "seed=1;seed=2"], "do not mix"),
    (["--classes", "all", "--mnist-root", "EMPTY"], "--download"),
    (["--compare", "seed=1"], "2 to 4 runs"),
    (["--compare", "seed=1;seed=2;seed=3;seed=4;seed=5"], "2 to 4 runs"),
    (["--compare", "seed=1;colour=red"], "colour"),
    (["--compare", "seed=1;lr=-1"], "lr"),
    (["--compare", "seed=1;seed=2", "--load", "s.npz"], "--load"),
    (["--init", "ones"], "init"),
    (["--init-value", "-1"], "init value"),
    (["--init-value", "nan"], "init value"),
])
def test_bad_input_exits_2_with_one_clear_line(tmp_path, capsys, args, words):
    (tmp_path / "empty").mkdir()
    args = [tmp_path / "empty" if a == "EMPTY" else a for a in args]
    code, out, err = run_main(["--headless", "--out", tmp_path / "o", *args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and words in lines[0]
    assert not (tmp_path / "o" / "metrics.json").exists()
