"""Runs side by side: the batched Comparison equals the same runs done separately."""
import numpy as np
import pytest
import torch

from filterlab.engine.comparison.runs import Comparison
from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.trainer import Trainer

MIXED = [  # interleaved on purpose: runs with equal optimizer settings are not neighbours
    dict(seed=1),
    dict(optimizer="sgd", lr=0.1, momentum=0.9),
    dict(seed=2),
    dict(init="zeros"),
    dict(init="gaussian", init_value=0.05, optimizer="sgd", lr=0.05, weight_decay=0.0),
]


@pytest.mark.parametrize("kernel, loss_tol, weight_tol", [(28, 1e-5, 1e-4), (5, 1e-3, 1e-2)])
def test_comparison_equals_separate_trainers(digit, kernel, loss_tol, weight_tol):
    """Same losses, weights, gradients and snapshot details as separate Trainers, to float rounding.

    Only the order of float additions differs (batched matmuls vs autograd and conv2d),
    so the full-size kernel agrees to ~1e-7 (1.5e-5 at worst, in the zero-init run's
    gradients). A 5x5 kernel has weights whose gradient nearly cancels over the 576
    positions; Adam divides by sqrt(v), so rounding noise there becomes a full-size step
    of either sign, and those weights drift apart by up to ~1e-3 of the filter scale in
    50-100 steps (the losses to ~1e-4).
    """
    configs = [Config(kernel=kernel, **changes) for changes in MIXED]
    comparison = Comparison(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    assert len(comparison.optimizers) == 3  # adam default, sgd 0.1, sgd 0.05: one each
    for chunk in (1, 7, 42):
        assert comparison.step(chunk) == chunk
        for trainer in trainers:
            trainer.step(chunk)
    for trainer, snap in zip(trainers, comparison.snapshots()):
        ref = trainer.snapshot()
        assert snap.step == ref.step == 50 and snap.config == ref.config
        np.testing.assert_allclose(snap.loss_values, ref.loss_values, rtol=loss_tol, atol=1e-6)
        np.testing.assert_array_equal(snap.initial, ref.initial)
        for name in ("filters", "grads", "input_grad", "z", "dl_dz", "probs"):
            mine, theirs = getattr(snap, name), getattr(ref, name)
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=weight_tol * np.abs(theirs).max() + 1e-12,
                                       err_msg=name)
        np.testing.assert_allclose(snap.cosine, ref.cosine, atol=10 * weight_tol)


@pytest.mark.parametrize("filters", [4, 5])
def test_zero_init_run_stays_symmetric_while_the_default_run_does_not(digit, filters):
    """Every zero-init filter gets the same gradient, so they stay equal: to float rounding.

    Vectorised kernels treat a tensor's last few elements with other instructions (no
    fused multiply-add), so equal numbers can round 1 ulp apart, and Adam's division by
    sqrt(v) carries that on: ~2e-6 of the filters' scale after 300 steps with 5 filters,
    in a single Trainer as in its run here, which is that Trainer's arithmetic to the same rounding
    (the runs' batched products may add up in another order: tests/engine/comparison/test_chunked.py).
    """
    comparison = Comparison([Config(filters=filters), Config(filters=filters, init="zeros")], *digit)
    comparison.step(300)
    default, zeros = comparison.filters()
    assert np.abs(zeros).max() > 1e-3  # it learned ...
    np.testing.assert_allclose(zeros, np.broadcast_to(zeros[:1], zeros.shape), rtol=0,
                               atol=1e-5 * np.abs(zeros).max())  # ... the same in every filter
    alone = Trainer(Config(filters=filters, init="zeros"), *digit)
    alone.step(300)
    np.testing.assert_allclose(zeros, alone.snapshot().filters, rtol=0, atol=1e-5 * np.abs(zeros).max())
    assert np.abs(default - default[:1]).max() > 0.05


def test_a_diverging_run_stops_all_runs_at_the_last_sane_step(digit):
    comparison = Comparison([Config(), Config(optimizer="sgd", lr=1e20)], *digit, names=["calm", "wild"])
    comparison.step(20)
    assert comparison.diverged and "wild" in comparison.diverged and "calm" not in comparison.diverged
    assert comparison.step(10) == 0
    assert all(np.isfinite(s.filters).all() and np.isfinite(s.loss) for s in comparison.snapshots())
    calm = Trainer(Config(), *digit)
    calm.step(comparison.step_count)
    np.testing.assert_allclose(comparison.filters()[0], calm.snapshot().filters, atol=1e-6)


def test_set_image_moves_every_run_to_the_new_digit(digit):
    comparison = Comparison([Config(seed=1), Config(seed=2)], *digit)
    comparison.step(100)
    seven, _ = bundled_digit(7)
    comparison.set_image(seven, 7)
    before = [np.abs(s.cosine).mean() for s in comparison.snapshots()]
    comparison.step(200)
    for snap, cos in zip(comparison.snapshots(), before):
        assert snap.label == 7 and np.abs(snap.cosine).mean() > cos + 0.3
    assert comparison.image_histories[0].steps == [0, 100]


def test_runs_must_share_the_model_shape(digit):
    with pytest.raises(ConfigError, match="filters"):
        Comparison([Config(filters=3), Config(filters=4)], *digit)
    with pytest.raises(ConfigError, match="kernel"):
        Comparison([Config(kernel=5), Config(kernel=7)], *digit)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_comparison_on_the_gpu_equals_separate_trainers(digit):
    configs = [Config(device="cuda", **changes) for changes in MIXED]
    comparison = Comparison(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    comparison.step(200)
    for trainer, snap in zip(trainers, comparison.snapshots()):
        trainer.step(200)
        np.testing.assert_allclose(snap.loss_values, trainer.snapshot().loss_values, rtol=1e-4, atol=1e-6)


def test_one_painted_run_in_a_comparison(digit, painted):
    """Painting one run restarts the comparison; the painted run trains as a painted Trainer does."""
    configs = [Config(filters=3), Config(filters=3, init="zeros")]
    comparison = Comparison(configs, *digit)
    comparison.step(10)
    comparison.set_initial_filters(1, painted())
    assert comparison.step_count == 0
    np.testing.assert_array_equal(comparison.initial[1], painted())
    trainers = [Trainer(c, *digit) for c in configs]
    trainers[1].set_initial_filters(painted())
    np.testing.assert_array_equal(comparison.initial[0], trainers[0].initial)
    comparison.step(100)
    for trainer, filters in zip(trainers, comparison.filters()):
        trainer.step(100)
        np.testing.assert_allclose(filters, trainer.snapshot().filters, rtol=0, atol=1e-5)
