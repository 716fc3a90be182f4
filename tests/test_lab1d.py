"""The 1-D lab: backprop turns random taps into [-1, 1, -1], headless and in its window."""
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from filterlab.engine.core.config import ConfigError
from filterlab.engine.lab1d.lab import Lab1D, Lab1DConfig, TapHistory, filter_logits, peak_loss
from filterlab.engine.lab1d.peaks import HAND_BIAS, Scores, hand_taps, local_peaks, locate, response
from test_cli import run_main

ROOT = Path(__file__).resolve().parents[1]
QUICK = dict(lr=0.01)  # 600 steps at lr 0.01 reach what the default lr 1e-3 reaches in 5,000
TIMEOUT = 15_000


def trained(steps=600, **settings) -> Lab1D:
    lab = Lab1D(Lab1DConfig(**{**QUICK, **settings}))
    lab.step(steps)
    return lab


# ------------------------------------------------------------------ the task
def test_local_peaks_are_values_above_both_neighbours():
    x = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0, 2, 1])
    assert np.flatnonzero(local_peaks(x, 1)) + 1 == pytest.approx([1, 7, 9])
    assert np.flatnonzero(local_peaks(x, 2)) + 2 == pytest.approx([7])  # positions 2..8 only


def test_hand_filter_locates_exactly_the_peaks_of_binary_sequences():
    """Every 3-value pattern of 0s and 1s, and a long random sequence."""
    x = np.random.default_rng(1).integers(0, 2, size=(50, 64)).astype(float)
    found = locate(response(x, hand_taps(3), HAND_BIAS))
    assert np.array_equal(found, local_peaks(x, 1))
    assert list(hand_taps(7)) == [0, 0, -1, 1, -1, 0, 0]


def test_locate_keeps_the_largest_positive_response_of_each_neighbourhood():
    assert locate(np.array([-1.0, 2.0, 1.0, 3.0, -1.0, -0.5])).tolist() == [False, True, False, True, False, False]


def test_scores_count_positions():
    found, truth = np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool)
    assert Scores.compare(found, truth) == Scores(precision=0.5, recall=0.5, f1=0.5)
    nothing = np.zeros(4, bool)
    assert Scores.compare(nothing, nothing).f1 == 1.0
    assert Scores.compare(nothing, truth) == Scores(precision=0.0, recall=0.0, f1=0.0)


def test_training_is_conv1d_and_binary_cross_entropy():
    x, w, b = torch.rand(4, 64), torch.randn(5), torch.randn(1)
    expected = F.conv1d(x[:, None], w.view(1, 1, -1), b)[:, 0]
    torch.testing.assert_close(filter_logits(x, w, b), expected)
    np.testing.assert_allclose(response(x.numpy(), w.numpy(), float(b)), expected.numpy(), rtol=1e-5, atol=1e-5)
    logits, target = torch.randn(8, 60) * 30, (torch.rand(8, 60) < 0.2).float()  # large logits too
    torch.testing.assert_close(peak_loss(logits, target), F.binary_cross_entropy_with_logits(logits, target))


# ------------------------------------------------------------------ learning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learned_filter_finds_the_same_peaks_as_the_hand_designed_one(seed):
    snap = trained(seed=seed).snapshot()
    assert snap.agreement.f1 >= 0.9        # same positions as [-1, 1, -1] on held-out sequences
    assert snap.same_peaks >= 0.9          # ... sequence by sequence
    assert snap.learned.f1 >= 0.9          # and they are the true peaks
    assert snap.cosine >= 0.98
    assert np.sign(snap.taps).tolist() == [-1, 1, -1]


def test_default_settings_reach_the_hand_filter():
    """The documented run: 5,000 Adam steps at lr 1e-3, as `--headless --lab1d`."""
    lab = Lab1D()
    assert lab.config == Lab1DConfig(taps=3, levels=2, lr=1e-3, seed=0)
    lab.step(5000)
    snap = lab.snapshot()
    assert snap.agreement.f1 == 1.0 and snap.hand.f1 == 1.0
    assert snap.cosine >= 0.99


def test_outer_taps_of_a_longer_filter_stay_small():
    snap = trained(steps=800, taps=5).snapshot()
    scaled = snap.taps / snap.size_ratio
    assert np.abs(scaled[[0, -1]]).max() < 0.1
    assert snap.cosine >= 0.98 and snap.agreement.f1 >= 0.9


def test_with_more_levels_the_learned_filter_beats_the_hand_designed_one():
    """No filter is exact on 0..9; [-1, 1, -1] misses peaks such as 5 7 4, the learned one fewer."""
    snap = trained(levels=10).snapshot()
    assert snap.hand.f1 < 0.8
    assert snap.learned.f1 > snap.hand.f1 + 0.05
    assert snap.taps[1] / -snap.taps[0] > 1.2  # a heavier middle tap than [-1, 1, -1]


# ------------------------------------------------------------------ the trainer object
def test_same_seed_same_run_however_it_is_chunked():
    a, b = Lab1D(Lab1DConfig(seed=3)), Lab1D(Lab1DConfig(seed=3))
    a.step(50)
    b.step(20)
    b.step(30)
    sa, sb = a.snapshot(), b.snapshot()
    assert np.array_equal(sa.taps, sb.taps) and sa.bias == sb.bias and sa.loss == sb.loss
    assert np.array_equal(sa.tap_history, sb.tap_history)
    other = Lab1D(Lab1DConfig(seed=4))
    assert not np.allclose(other.taps, Lab1D(Lab1DConfig(seed=3)).taps)
    a.reset()
    assert np.array_equal(a.snapshot().tap_history, Lab1D(Lab1DConfig(seed=3)).snapshot().tap_history)


def test_snapshot_is_a_frozen_copy():
    lab = Lab1D()
    lab.step(5)
    snap = lab.snapshot()
    before = snap.taps.copy()
    with pytest.raises(ValueError):
        snap.taps[0] = 99.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = 7
    lab.step(50)
    assert np.array_equal(snap.taps, before) and snap.step == 5
    assert snap.tap_history.shape == (6, 3) and snap.tap_steps.tolist() == [0, 1, 2, 3, 4, 5]
    assert snap.learned_response.shape == snap.true_peaks.shape == (62,)


def test_lr_changes_live_and_shape_changes_restart():
    lab = Lab1D()
    lab.step(10)
    taps = lab.taps
    lab.set_hparams(lr=0.05)
    assert lab.step_count == 10 and np.array_equal(lab.taps, taps)
    assert lab._optimizer.param_groups[0]["lr"] == 0.05
    lab.set_hparams(taps=5, levels=4)
    snap = lab.snapshot()
    assert snap.step == 0 and snap.taps.shape == (5,) and snap.config.levels == 4 and snap.config.lr == 0.05
    assert snap.sample.max() == 3


@pytest.mark.parametrize("settings, words", [
    (dict(taps=4), "odd"), (dict(taps=11), "taps"), (dict(levels=1), "levels"), (dict(lr=0.0), "lr"),
    (dict(lr=float("nan")), "lr"), (dict(lr=100.0), "lr"),
])
def test_bad_settings_are_refused(settings, words):
    with pytest.raises(ConfigError, match=words):
        Lab1DConfig(**settings)
    with pytest.raises(ConfigError):
        Lab1D().set_hparams(**settings)


def test_tap_history_stays_bounded():
    history = TapHistory(capacity=8)
    for step in range(100):
        history.add(step, [float(step)])
    steps, rows = history.arrays(1)
    assert len(steps) < 8 and steps[0] == 0 and np.all(steps % history.stride == 0)
    assert np.array_equal(rows[:, 0], steps)


# ------------------------------------------------------------------ headless
def test_headless_lab_writes_figure_and_metrics(tmp_path):
    out = tmp_path / "lab"
    result = subprocess.run(
        [sys.executable, "main.py", "--headless", "--lab1d", "--steps", "600", "--lr", "0.01", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "600/600" in result.stderr  # the progress bar
    assert "cosine to [-1, 1, -1]" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 600 and metrics["config"]["taps"] == 3
    assert metrics["agreement"]["f1"] >= 0.9 and metrics["cosine"] >= 0.98
    assert metrics["reference"] == [-1, 1, -1]
    figure = Image.open(out / "figure.png")
    assert figure.width >= 900 and figure.height >= 700


def test_headless_lab_with_more_taps(tmp_path, capsys):
    code, out, err = run_main(["--headless", "--lab1d", "--taps", "7", "--levels", "3", "--steps", "40",
                               "--seed", "2", "--out", tmp_path], capsys)
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
def test_bad_lab_options_exit_2_with_one_line(tmp_path, capsys, args, words):
    code, out, err = run_main(["--headless", "--steps", "5", "--out", tmp_path / "o", *args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0] and words in lines[0] and "Traceback" not in err
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ the window
@pytest.fixture
def window(qtbot):
    from filterlab.gui.windows.lab1d import Lab1DWindow, lab_factory
    config = Lab1DConfig()
    win = Lab1DWindow(lab_factory(config), config)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def wait_frame(qtbot, window, condition):
    qtbot.waitUntil(lambda: window.frame is not None and condition(window.frame), timeout=TIMEOUT)
    return window.frame


def test_window_trains_and_shows_the_lab(qtbot, window):
    from PySide6.QtCore import Qt
    first = wait_frame(qtbot, window, lambda f: f.snapshot.step > 0).snapshot
    later = wait_frame(qtbot, window, lambda f: f.snapshot.step > first.step + 100).snapshot
    assert later.step > first.step
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    snap = wait_frame(qtbot, window, lambda f: not f.running).snapshot
    stopped = window.worker.trainer.step_count
    qtbot.wait(300)
    assert window.worker.trainer.step_count == stopped
    assert window.run.pause.text() == "Resume"
    # the views show exactly this snapshot
    np.testing.assert_allclose(window.tap_bars.heights, snap.taps / snap.size_ratio)
    np.testing.assert_allclose(window.responses.shown_learned, snap.learned_response / snap.size_ratio)
    assert len(window.taps_plot.curves) == 3
    assert f"step {snap.step:,}" in window.status_step.text()
    assert "same peaks as [-1, 1, -1]" in window.status_scores.text()


def test_window_step_reset_and_settings(qtbot, window):
    from PySide6.QtCore import Qt
    wait_frame(qtbot, window, lambda f: f.snapshot.step > 0)
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    start = wait_frame(qtbot, window, lambda f: not f.running).snapshot.step
    qtbot.mouseClick(window.run.step, Qt.MouseButton.LeftButton)
    wait_frame(qtbot, window, lambda f: f.snapshot.step == start + 1)
    qtbot.mouseClick(window.run.reset, Qt.MouseButton.LeftButton)
    reset = wait_frame(qtbot, window, lambda f: f.snapshot.step == 0).snapshot
    assert window.run.seed.text() == f"seed {reset.config.seed}" and reset.config.seed != 0
    window.lr.setValue(0.02)
    wait_frame(qtbot, window, lambda f: f.snapshot.config.lr == 0.02)
    window.taps.setCurrentIndex(1)
    wait_frame(qtbot, window, lambda f: f.snapshot.taps.shape == (5,))
    qtbot.waitUntil(lambda: len(window.taps_plot.curves) == 5, timeout=TIMEOUT)


def test_closing_the_lab_window_joins_its_thread(qtbot):
    from filterlab.gui.windows.lab1d import Lab1DWindow, lab_factory
    win = Lab1DWindow(lab_factory(Lab1DConfig()))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step > 0, timeout=TIMEOUT)
    win.close()
    assert not win._thread.thread.isRunning()


def test_lab_screenshot_from_the_command_line(tmp_path):
    shot = tmp_path / "lab.png"
    result = subprocess.run([sys.executable, "main.py", "--lab1d", "--screenshot", str(shot), "--steps", "200"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    image = Image.open(shot)
    assert image.width >= 1000 and image.height >= 700
