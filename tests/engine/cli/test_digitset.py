"""Set runs on the command line (--classes): epochs, test accuracy, figure and history; bad input refused."""
import json

import numpy as np
import pytest
from PIL import Image


def test_headless_set_run_writes_epochs_accuracy_figure_and_history(tmp_path, run_main, progress_shown):
    out = tmp_path / "set"
    code, stdout, err = run_main(["--headless", "--classes", "3,7", "--epochs", "3", "--batch-size", "32",
                                  "--filters", "4", "--out", out])
    assert code == 0, err
    assert progress_shown(err, "epoch 1/3", 5) and progress_shown(err, "epoch 3/3", 5)  # a bar per epoch ...
    assert "epoch 1/3: train loss" in err and "epoch 3/3: train loss" in err  # ... and a score line
    assert "test accuracy" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["classes"] == [3, 7] and metrics["train_size"] == 160 and metrics["test_size"] == 40
    assert metrics["steps_per_epoch"] == 5 and metrics["steps"] == 15
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2, 3]
    assert metrics["final_test_accuracy"] == metrics["epochs"][-1]["test_accuracy"]
    assert set(metrics["filter_classes"]) <= {3, 7} and len(metrics["cosine"]) == 4
    assert metrics["pixel_scale"] == 1 and len(metrics["binarised_agreement"]) == 4
    assert all(0.5 <= a <= 1 for a in metrics["binarised_agreement"] + metrics["initial_binarised_agreement"])
    assert Image.open(out / "figure.png").width > 400
    history = np.load(out / "history.npz")
    assert history["filters"].shape[1:] == (4, 28, 28) and history["loss"].size > 0


@pytest.mark.parametrize("args, words", [
    (["--classes", "3,x"], "--classes"),
    (["--classes", "3,7", "--init", "constant", "--init-value", "1e308"], "the largest float32"),
    (["--classes", "all", "--epochs", "0"], "--epochs"),
    (["--classes", "all", "--batch-size", "0"], "--batch-size"),
    (["--epochs", "2"], "--classes"),
    (["--classes", "all", "--digit", "3"], "--digit"),
    (["--classes", "all", "--steps", "10"], "--epochs"),
    (["--classes", "all", "--gif", "f.gif"], "--gif"),
    (["--classes", "all", "--compare", "seed=1;seed=2"], "do not mix"),
    (["--classes", "all", "--mnist-root", "EMPTY"], "--download"),
])
def test_bad_input_exits_2_with_one_clear_line(tmp_path, run_main, args, words):
    (tmp_path / "empty").mkdir()
    args = [tmp_path / "empty" if a == "EMPTY" else a for a in args]
    code, out, err = run_main(["--headless", "--out", tmp_path / "o", *args])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and words in lines[0]
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_set_window_from_the_command_line_refuses_bad_classes(run_main):
    code, _, err = run_main(["--classes", "3,12"])
    assert code == 2
    assert "12" in err
