"""The trainer's record: similarity curves over training, and any recorded step replayed exactly."""
import numpy as np

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.trainer import Trainer


def test_similarity_curves_start_near_zero_and_climb(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(1000)
    snap = trainer.snapshot()
    assert list(snap.cosine_steps) == trainer.record.steps
    assert snap.cosine_history.shape == (len(snap.cosine_steps), 5)
    assert np.abs(snap.cosine_history[0]).max() < 0.2
    assert np.abs(snap.cosine_history[-1]).mean() > 0.65
    np.testing.assert_allclose(snap.cosine_history[-1], snap.cosine, atol=1e-6)


def test_similarity_curves_follow_a_new_digit(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(500)
    before = np.abs(trainer.snapshot().cosine_history[-1]).mean()
    trainer.set_image(*bundled_digit(0))
    trainer.step(10)
    curves = trainer.snapshot().cosine_history
    assert np.abs(curves[-1]).mean() < before - 0.2  # measured against the new digit
    trainer.step(1500)
    assert np.abs(trainer.snapshot().cosine_history[-1]).mean() > np.abs(curves[-1]).mean() + 0.3


def test_a_recorded_step_replays_exactly(digit):
    trainer = Trainer(Config(seed=3), *digit)
    trainer.step(200)
    past = trainer.snapshot_at(50)
    twin = Trainer(Config(seed=3), *digit)
    twin.step(50)
    twin.learner.forget_pass()  # describe the gradient at these weights, as the replay does
    then = twin.snapshot()
    assert past.historical and past.step == 50
    np.testing.assert_array_equal(past.filters, then.filters)
    np.testing.assert_allclose(past.probs, then.probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(past.grads, then.grads, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(past.dl_dz, then.dl_dz, rtol=1e-5, atol=1e-9)
    assert past.loss_steps.max() <= 50 and past.cosine_steps.max() == 50
    assert not past.update.any()
    assert trainer.snapshot_at(57).step == 57  # every one of the first 100 steps is recorded
    assert trainer.snapshot_at(157).step == 150  # then every 10th: the frame at or before
