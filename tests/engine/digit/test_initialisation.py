"""The initialisation lab: each starting point is the one asked for, painted filters included."""
import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digit.trainer import Trainer


@pytest.mark.parametrize("std", [0.005, 0.05, 0.3])
def test_gaussian_init_has_the_requested_std(digit, std):
    """64 filters of 28x28 are 50,176 draws: their sample std is within ~0.3% of the true one."""
    filters = Trainer(Config(init="gaussian", init_value=std, filters=64), *digit).initial
    assert filters.std() == pytest.approx(std, rel=0.02)
    assert abs(filters.mean()) < 3 * std / np.sqrt(filters.size) * 2


@pytest.mark.parametrize("init, value", [("zeros", 0.0), ("constant", 0.02)])
def test_uniform_inits_start_every_weight_equal(digit, init, value):
    filters = Trainer(Config(init=init, init_value=0.02), *digit).initial
    assert np.all(filters == np.float32(value))


def test_painted_filters_are_used_exactly(digit, painted):
    trainer = Trainer(Config(filters=3, optimizer="sgd", lr=0.01, weight_decay=0.0), *digit)
    trainer.step(50)
    paint = painted()
    trainer.set_initial_filters(paint)
    snap = trainer.snapshot()
    assert snap.step == 0 and len(snap.loss_values) == 0
    np.testing.assert_array_equal(snap.filters, paint)
    np.testing.assert_array_equal(snap.initial, paint)
    history = trainer.history()
    np.testing.assert_array_equal(history["initial_filters"], paint)
    assert history["filter_steps"].tolist() == [0]
    np.testing.assert_array_equal(history["filters"][0], paint)
    trainer.step(1)  # and training starts from them
    after = trainer.snapshot()
    np.testing.assert_allclose(after.filters, paint - 0.01 * after.grads, atol=1e-6)


def test_painted_filters_must_fit_the_model(digit, painted):
    trainer = Trainer(Config(filters=3, kernel=5), *digit)
    for bad in (painted(3, 28), painted(2, 5), np.full((3, 5, 5), np.nan)):
        with pytest.raises(ValueError, match=r"\(3, 5, 5\)"):
            trainer.set_initial_filters(bad)
    trainer.set_initial_filters(painted(3, 5))
    np.testing.assert_array_equal(trainer.snapshot().filters, painted(3, 5))
