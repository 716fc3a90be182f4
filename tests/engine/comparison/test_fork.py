"""A fork starts from the run's exact state at a recorded step, twice; the two differ only by the change."""
import numpy as np
import pytest

from filterlab.engine.comparison.fork import Fork, forked
from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.trainer import Trainer


def reference(config, digit, steps):
    trainer = Trainer(config, *digit)
    trainer.step(steps)
    return trainer


@pytest.mark.parametrize("step", [0, 7, 260, 610])
def test_the_first_state_is_the_original_at_that_step_bit_for_bit(digit, step):
    run = reference(Config(), digit, 700)
    comparison, note = forked(run, Fork(step, "lr", 3e-3))
    truth = reference(Config(), digit, step)
    assert note is None and comparison.step_count == step
    for filters in comparison.filters():
        assert np.array_equal(filters, truth.snapshot().filters)
    # and "as it was" goes on as the original went on (to the lockstep's rounding: tests/engine/comparison/test_runs.py)
    comparison.step(90)
    truth.step(90)
    expected = truth.snapshot().filters
    np.testing.assert_allclose(comparison.filters()[0], expected, rtol=0, atol=1e-5 * np.abs(expected).max())


def test_replay_follows_the_changes_made_along_the_way(digit):
    """A learning rate changed, a filter painted and another digit, all before the fork step."""
    run = Trainer(Config(), *digit)
    run.step(120)
    run.set_hparams(lr=5e-3)
    run.step(80)
    weights = run.filter(3) * -1
    run.set_filter(3, weights)
    run.step(50)
    run.set_image(*bundled_digit(7))
    run.step(100)
    expected = run.snapshot().filters
    run.step(200)
    comparison, note = forked(run, Fork(350, "optimizer", "sgd"))
    assert note is None and np.array_equal(comparison.filters()[0], expected)
    assert comparison.snapshots()[0].label == 7


@pytest.mark.parametrize("fork", [Fork(300, "lr", 1e-2), Fork(300, "optimizer", "sgd"), Fork(300, "reseed", 9, filter=2),
                                  Fork(300, "edit", filter=1, weights=np.zeros((28, 28), np.float32)),
                                  Fork(300, "digit", digit=bundled_digit(7))])
def test_the_two_runs_differ_only_by_the_change(digit, fork):
    run = reference(Config(), digit, 400)
    comparison, _ = forked(run, fork)
    configs = comparison.configs
    differing = {name for name in Config.__dataclass_fields__ if getattr(configs[0], name) != getattr(configs[1], name)}
    assert differing == ({fork.kind} if fork.kind in ("lr", "optimizer") else set())
    first = comparison.filters()
    if fork.kind in ("edit", "reseed"):
        others = [k for k in range(5) if k != fork.filter]
        assert np.array_equal(first[0][others], first[1][others])
        assert not np.array_equal(first[0][fork.filter], first[1][fork.filter])
    else:
        assert np.array_equal(first[0], first[1])
    comparison.step(60)
    after = comparison.filters()
    assert not np.array_equal(after[0], after[1])
    snaps = comparison.snapshots()
    if fork.kind == "digit":
        assert (snaps[0].label, snaps[1].label) == (4, 7)


def test_before_a_loaded_session_the_fork_is_approximate_and_says_so(digit, tmp_path):
    from filterlab.engine.digit.session import load_session, save_session
    run = reference(Config(), digit, 300)
    save_session(run, tmp_path / "s.npz")
    loaded = load_session(tmp_path / "s.npz")
    loaded.step(100)
    _, note = forked(loaded, Fork(150, "lr", 1e-2))
    assert note and "approximate" in note
    comparison, note = forked(loaded, Fork(350, "lr", 1e-2))
    truth = reference(Config(), digit, 350)
    assert note is None and np.array_equal(comparison.filters()[0], truth.snapshot().filters)


def test_a_reset_goes_back_to_where_the_fork_was_made(digit):
    run = reference(Config(), digit, 300)
    comparison, _ = forked(run, Fork(200, "digit", digit=bundled_digit(7)))
    first = comparison.filters()
    comparison.step(40)
    comparison.set_hparams(lr=0.05)
    comparison.reset()
    assert comparison.step_count == 200 and np.array_equal(comparison.filters(), first)
    assert [c.lr for c in comparison.configs] == [1e-3, 1e-3]
    assert [s.label for s in comparison.snapshots()] == [4, 7]
