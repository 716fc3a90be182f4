"""The record keeps the loss where it keeps the filters: after a long run, replaying the first steps shows a
loss at each of them (it used to be averaged into blocks of 64 steps: an empty plot for steps 0-65)."""
import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digit.session import load_session, save_session
from filterlab.engine.digit.trainer import Trainer

LONG = 40_000  # the loss blocks are 16 steps by then (the 200,000-step run below: 64; ~20 s, --run-slow)


@pytest.mark.parametrize("long", [LONG, pytest.param(200_000, marks=pytest.mark.slow)])
def test_replaying_the_first_100_steps_after_a_long_run_shows_a_loss_at_each(digit, tmp_path, long):
    trainer = Trainer(Config(filters=1, seed=3), *digit)
    first = Trainer(Config(filters=1, seed=3), *digit)
    first.step(100)
    expected = first.snapshot().loss_steps, first.snapshot().loss_values  # every step, exact, while young
    trainer.step(long)
    assert trainer.learner.losses.stride >= long // 4096 // 2  # the blocks are coarse by now
    for step in (1, 37, 65, 100):
        snap = trainer.snapshot_at(step)
        assert snap.step == step
        np.testing.assert_array_equal(snap.loss_steps, np.arange(1, step + 1))  # one point per step, no gap
        np.testing.assert_allclose(snap.loss_values, expected[1][:step], rtol=1e-6)
    steps = trainer.snapshot().loss_steps
    assert steps[-1] > long - 2 * trainer.learner.losses.stride and np.all(np.diff(steps) > 0)
    assert len(steps) < 4096 + 300  # still bounded
    for decade, spacing in ((1_000, 10), (10_000, 100)):  # as dense as the filter record, where it is denser
        shown = steps[(steps > decade // 10) & (steps <= decade)]
        assert np.diff(shown).max() <= max(spacing, trainer.learner.losses.stride)
    path = tmp_path / "long.npz"
    save_session(trainer, path)
    again = load_session(path)
    np.testing.assert_array_equal(again.snapshot_at(100).loss_steps, np.arange(1, 101))  # a reopened session too


def test_a_rolled_back_step_leaves_the_exact_record_too():
    from filterlab.engine.core.history import LossHistory
    losses = LossHistory(capacity=8)
    losses.extend(20, np.arange(1.0, 21.0))
    losses.drop_last()
    steps, values = losses.exact_arrays()
    assert steps[-1] == 19 and values[-1] == 19.0
    losses.extend(20, np.array([7.0]))
    steps, values = losses.curve()
    np.testing.assert_array_equal(steps, np.arange(1, 21))
    assert values[-1] == 7.0
