"""Runs side by side on the command line (--compare): one row per run; bad input refused."""
import json

import pytest
from PIL import Image


def test_headless_compare_writes_one_row_per_run(tmp_path, run_main, progress_shown):
    out = tmp_path / "cmp"
    code, stdout, err = run_main(["--headless", "--compare", "seed=1;init=zeros;optimizer=sgd,lr=0.1",
                                  "--filters", "3", "--steps", "200", "--digit", "7", "--out", out])
    assert code == 0, err
    assert progress_shown(err, "training", 200) and "init=zeros: loss" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 200 and metrics["label"] == 7
    names = [r["name"] for r in metrics["runs"]]
    assert names == ["seed=1", "init=zeros", "optimizer=sgd,lr=0.1"]
    runs = {r["name"]: r for r in metrics["runs"]}
    assert runs["init=zeros"]["max_filter_difference"] < 1e-6  # symmetry never broken (but by rounding)
    assert runs["seed=1"]["max_filter_difference"] > 0.01
    assert runs["optimizer=sgd,lr=0.1"]["config"]["optimizer"] == "sgd"
    assert all(len(r["cosine"]) == 3 and r["final_loss"] < 0.1 for r in metrics["runs"])
    assert metrics["pixel_scale"] == 1
    assert all(len(r["binarised_agreement"]) == 3 and min(r["binarised_agreement"]) >= 0.5 for r in metrics["runs"])
    figure = Image.open(out / "figure.png")
    assert figure.height > 3 * 112


@pytest.mark.parametrize("args, words", [
    (["--compare", "seed=1"], "2 to 4 runs"),
    (["--compare", "seed=1;seed=2;seed=3;seed=4;seed=5"], "2 to 4 runs"),
    (["--compare", "seed=1;colour=red"], "colour"),
    (["--compare", "seed=1;lr=-1"], "lr"),
    (["--compare", "seed=1,seed=2;seed=3"], "--compare run 1 sets seed twice"),
    (["--compare", "init=constant,init-value=1e308;seed=1"], "run 1: init value must be at most 3.403e+38"),
    (["--compare", "seed=1;seed=2", "--load", "s.npz"], "--load"),
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


def test_compare_window_refuses_bad_runs_before_opening(run_main):
    code, _, err = run_main(["--compare", "seed=1;filters=9"])
    assert code == 2 and "filters" in err
