"""Divergence at the edge: SGD at lr 1000, one Step at a time, the digit touched in between.

A step that blows up is undone with its record, so a session saved then opens again; weights
already too large for a new digit are a divergence, never a silent 'loss nan'.
"""
import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.session import load_session, read_session, save_session
from filterlab.engine.digit.trainer import Trainer


@pytest.mark.parametrize("new_digit", [False, True], ids=["same digit", "digit set before the bad step"])
def test_a_session_saved_after_a_divergence_rollback_opens_again(tmp_path, digit, new_digit):
    """SGD at lr 1000, one Step click at a time (the issue's own example): the step that blew up is
    undone, and the record must be undone with it, or the saved session is refused on opening."""
    trainer = Trainer(Config(filters=3, optimizer="sgd", lr=1000.0), *digit)
    for _ in range(100):
        if new_digit:
            trainer.set_image(*bundled_digit(7 if trainer.step_count % 2 else 4))
        trainer.step(1)
        if trainer.diverged:
            break
    assert trainer.diverged and "rolled back" in trainer.diverged
    history = trainer.history()
    assert history["loss_steps"][-1] <= trainer.step_count
    assert history["image_steps"][-1] <= trainer.step_count
    save_session(trainer, tmp_path / "s.npz")
    assert read_session(tmp_path / "s.npz").step == trainer.step_count
    loaded = load_session(tmp_path / "s.npz")
    for run in (trainer, loaded):  # and it carries on exactly as the one it was saved from
        run.set_hparams(lr=0.01)
        run.step(25)
    assert loaded.diverged is None
    np.testing.assert_array_equal(loaded.history()["loss"], trainer.history()["loss"])
    np.testing.assert_array_equal(loaded.snapshot().filters, trainer.snapshot().filters)


def test_weights_too_large_for_a_new_digit_are_a_divergence_not_a_nan_loss(digit):
    """SGD at lr 1000, one Step click at a time, the digit touched in between (a label key, a
    sample): the weights already give NaN on the digit before any step does. The window must
    say training diverged and roll back, not show 'loss nan' as if all were well."""
    trainer = Trainer(Config(filters=3, optimizer="sgd", lr=1000.0), *digit)
    for _ in range(30):
        trainer.step(1)
        trainer.set_image(*digit)
        snap = trainer.snapshot()
        assert snap.diverged or (np.isfinite(snap.loss) and np.isfinite(snap.probs).all()), snap.step
        if snap.diverged:
            break
    assert snap.diverged and np.isfinite(snap.loss) and np.isfinite(snap.probs).all()
    trainer.set_hparams(lr=0.01)
    assert trainer.step(20) == 20 and np.isfinite(trainer.snapshot().loss)
