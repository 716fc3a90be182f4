"""A filter painted by hand between two steps: it is the filter from then on, in the record, in
sessions, and training carries on from it exactly as from any other weights."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.digit.session import load_session, save_session
from filterlab.engine.digit.trainer import Trainer

RNG = np.random.default_rng(3)


def painted(trainer, k=0):
    """A stroke across filter k: a bright band across the middle rows."""
    weights = trainer.filter(k).copy()
    weights[12:16, :] = 0.3
    return weights


def test_the_filter_is_the_edit_in_the_snapshot_and_the_record(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(40)
    weights = painted(trainer)
    trainer.set_filter(0, weights)
    assert np.array_equal(trainer.filter(0), weights)
    assert np.array_equal(trainer.snapshot().filters[0], weights)
    step, frame = trainer.record.at(40)
    assert step == 40 and np.array_equal(frame[0], weights)
    assert list(trainer.learner.journal.edit_steps) == [40]
    trainer.step(2_000)  # the record thins itself: the edit's frame survives
    step, frame = trainer.record.at(40)
    assert step == 40 and np.array_equal(frame[0], weights)


def test_training_carries_on_from_the_edit_as_from_any_weights(digit):
    """Same result as a trainer that started from those weights with the same optimizer state."""
    edited = Trainer(Config(), *digit)
    edited.step(30)
    edited.set_filter(2, painted(edited, 2))
    twin = Trainer.from_state(edited.state())
    edited.step(60)
    twin.step(60)
    for p, q in zip(edited.model.parameters(), twin.model.parameters()):
        assert torch.equal(p, q)


def test_the_optimizer_state_is_kept_unless_asked(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(20)
    weight = trainer.model.conv.weight
    before = trainer.optimizer.state[weight]["exp_avg"].clone()
    trainer.set_filter(1, painted(trainer, 1))
    assert torch.equal(trainer.optimizer.state[weight]["exp_avg"], before)
    trainer.set_filter(1, painted(trainer, 1), reset_optimizer=True)
    moments = trainer.optimizer.state[weight]
    assert not moments["exp_avg"][1].any() and not moments["exp_avg_sq"][1].any()
    assert torch.equal(moments["exp_avg"][0], before[0])


def test_with_sgd_backprop_overwrites_the_ink_and_leaves_the_rest(digit):
    """Off the ink the loss gradient is exactly 0: only weight decay acts, so the edit stays there."""
    image, _ = digit
    trainer = Trainer(Config(optimizer="sgd", lr=0.01, weight_decay=1e-5), *digit)
    trainer.step(50)
    weights = painted(trainer)
    trainer.set_filter(0, weights)
    trainer.step(300)
    after = trainer.filter(0)
    ink, band = image > 0, np.zeros_like(weights, bool)
    band[12:16, :] = True
    off, on = band & ~ink, band & ink
    assert np.abs(after[off] - weights[off]).max() < 1e-3 * 0.3 * 300  # weight decay's pull only
    assert np.abs(after[on] - weights[on]).mean() > 10 * np.abs(after[off] - weights[off]).mean()


def test_with_adam_even_the_off_ink_part_fades(digit):
    """Adam's step is normalised: weight decay alone moves an off-ink weight by about lr per step."""
    image, _ = digit
    trainer = Trainer(Config(), *digit)
    trainer.step(50)
    weights = painted(trainer)
    trainer.set_filter(0, weights)
    trainer.step(100)
    band = np.zeros_like(weights, bool)
    band[12:16, :] = True
    off = band & (image == 0)
    moved = np.abs(trainer.filter(0)[off] - weights[off]).mean()
    assert 0.2 * 1e-3 * 100 < moved < 1.5 * 1e-3 * 100


def test_a_saved_session_holds_the_edit(digit, tmp_path):
    trainer = Trainer(Config(), *digit)
    trainer.step(25)
    weights = painted(trainer)
    trainer.set_filter(0, weights)
    trainer.step(25)
    save_session(trainer, tmp_path / "s.npz")
    loaded = load_session(tmp_path / "s.npz")
    assert list(loaded.learner.journal.edit_steps) == [25]
    step, frame = loaded.record.at(25)
    assert step == 25 and np.array_equal(frame[0], weights)
    assert np.array_equal(loaded.filter(0), trainer.filter(0))


@pytest.mark.parametrize("bad", [np.zeros((27, 28)), np.full((28, 28), np.nan), np.zeros((28, 28, 1))])
def test_a_bad_edit_is_refused_and_changes_nothing(digit, bad):
    trainer = Trainer(Config(), *digit)
    before = trainer.filter(0).copy()
    with pytest.raises(ValueError, match="filter 1 must become"):
        trainer.set_filter(0, bad)
    assert np.array_equal(trainer.filter(0), before) and not len(trainer.learner.journal.edit_steps)
