"""The 1-D lab: backprop turns random taps into [-1, 1, -1]; the lab as an object."""
import dataclasses

import numpy as np
import pytest

from filterlab.engine.core.config import ConfigError
from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.lab import Lab1D, TapHistory

QUICK = dict(lr=0.01)  # 600 steps at lr 0.01 reach what the default lr 1e-3 reaches in 5,000


def trained(steps=600, **settings) -> Lab1D:
    lab = Lab1D(Lab1DConfig(**{**QUICK, **settings}))
    lab.step(steps)
    return lab


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
    assert lab.config.lr == 0.05
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


# ------------------------------------------------------------------ the chunk against autograd
def autograd_run(config: Lab1DConfig, steps: int) -> tuple[np.ndarray, float, list[float]]:
    """The reference: the lab's model and loss through autograd and torch.optim.Adam, on the lab's batches."""
    import torch

    from filterlab.engine.lab1d.lab import filter_logits, peak_loss
    from filterlab.engine.lab1d.peaks import local_peaks, random_sequences
    rng = np.random.default_rng([config.seed, 0])
    weight = torch.tensor(rng.uniform(-1.0, 1.0, size=config.taps), dtype=torch.float32, requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Adam([weight, bias], lr=config.lr)
    losses = []
    for _ in range(steps):
        x = random_sequences(rng, config.batch, config.length, config.levels)
        target = torch.from_numpy(local_peaks(x, config.taps // 2).astype(np.float32))
        loss = peak_loss(filter_logits(torch.from_numpy(x), weight, bias), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return weight.detach().numpy().astype(np.float64), float(bias.detach()), losses


@pytest.mark.parametrize("settings", [dict(), dict(taps=5, levels=10, lr=0.01, batch=4, length=20)])
def test_the_chunk_is_the_autograd_step_with_torch_adam(settings):
    config = Lab1DConfig(**settings)
    taps, bias, losses = autograd_run(config, 300)
    lab = Lab1D(config)
    assert lab.step(300) == 300
    np.testing.assert_allclose(lab.taps, taps, rtol=1e-4, atol=1e-6)
    assert lab.bias == pytest.approx(bias, rel=1e-4, abs=1e-6)
    assert lab.loss == pytest.approx(losses[-1], rel=1e-4)
    rows = np.array(lab.history.rows)
    np.testing.assert_allclose(rows[1:, -1], losses, rtol=1e-4)  # each step's loss, before its update


def test_an_interrupt_ends_the_chunk_and_the_run_goes_on_the_same():
    from filterlab.engine.core.chunk import INTERRUPT_EVERY
    from filterlab.engine.core.interrupt import Interrupt
    whole, cut = Lab1D(Lab1DConfig(seed=5)), Lab1D(Lab1DConfig(seed=5))
    whole.step(40)
    interrupt = Interrupt()
    interrupt.request()
    assert cut.step(40, interrupt=interrupt) == INTERRUPT_EVERY
    assert cut.step_count == INTERRUPT_EVERY and len(cut.history.steps) == INTERRUPT_EVERY + 1
    interrupt.clear()
    assert cut.step(40 - INTERRUPT_EVERY, interrupt=interrupt) == 40 - INTERRUPT_EVERY
    assert np.array_equal(cut.taps, whole.taps) and cut.loss == whole.loss  # the batches not trained on came back
    assert np.array_equal(cut.snapshot().tap_history, whole.snapshot().tap_history)


def test_without_torchscript_the_chunk_runs_as_python_with_the_same_numbers(monkeypatch):
    from filterlab.engine.core import chunk
    from filterlab.engine.lab1d import lab as lab_module
    compiled = Lab1D(Lab1DConfig(seed=2))
    compiled.step(100)
    monkeypatch.setitem(chunk._compiled, "1-D lab", None)
    assert lab_module.steps_function() is lab_module.lab_steps
    python = Lab1D(Lab1DConfig(seed=2))
    python.step(100)
    np.testing.assert_allclose(python.taps, compiled.taps, rtol=1e-6)
    assert python.loss == pytest.approx(compiled.loss, rel=1e-6)


def test_tap_history_arrays_follow_additions_and_thinning():
    """arrays() adds only the rows new since the last call; after a thinning it starts again."""
    history = TapHistory(capacity=8)
    seen = []
    for step in range(40):
        history.add(step, [float(step), -float(step)], bias=0.5, loss=1.0)
        steps, taps = history.arrays(2)
        seen.append(len(steps))
        assert np.array_equal(steps, history.steps) and np.array_equal(taps[:, 0], history.steps)
        assert np.array_equal(taps, np.array(history.rows)[:, :2])
    assert history.stride > 1 and min(seen) < max(seen)
