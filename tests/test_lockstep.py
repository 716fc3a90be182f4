"""Runs side by side: the batched lockstep equals the same runs done separately."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.data import bundled_digit
from filterlab.engine.comparison.runs import Lockstep, configs_from_spec
from filterlab.engine.digit.trainer import Trainer

MIXED = [  # interleaved on purpose: runs with equal optimizer settings are not neighbours
    dict(seed=1),
    dict(optimizer="sgd", lr=0.1, momentum=0.9),
    dict(seed=2),
    dict(init="zeros"),
    dict(init="gaussian", init_value=0.05, optimizer="sgd", lr=0.05, weight_decay=0.0),
]


@pytest.mark.parametrize("kernel, loss_tol, weight_tol", [(28, 1e-5, 1e-4), (5, 1e-3, 1e-2)])
def test_lockstep_equals_separate_trainers(digit, kernel, loss_tol, weight_tol):
    """Same losses, weights, gradients and snapshot details as separate Trainers, to float rounding.

    Only the order of float additions differs (batched matmuls vs autograd and conv2d),
    so the full-size kernel agrees to ~1e-7 (1.5e-5 at worst, in the zero-init run's
    gradients). A 5x5 kernel has weights whose gradient nearly cancels over the 576
    positions; Adam divides by sqrt(v), so rounding noise there becomes a full-size step
    of either sign, and those weights drift apart by up to ~1e-3 of the filter scale in
    50-100 steps (the losses to ~1e-4).
    """
    configs = [Config(kernel=kernel, **changes) for changes in MIXED]
    lockstep = Lockstep(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    assert len(lockstep.optimizers) == 3  # adam default, sgd 0.1, sgd 0.05: one each
    for chunk in (1, 7, 42):
        assert lockstep.step(chunk) == chunk
        for trainer in trainers:
            trainer.step(chunk)
    for trainer, snap in zip(trainers, lockstep.snapshots()):
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
    fused multiply-add), so equal numbers can round 1 ulp apart: ~1e-8 here, as in a
    single Trainer with some filter counts. Learning never amplifies it.
    """
    lockstep = Lockstep([Config(filters=filters), Config(filters=filters, init="zeros")], *digit)
    lockstep.step(300)
    default, zeros = lockstep.filters()
    assert np.abs(zeros).max() > 1e-3  # it learned ...
    np.testing.assert_allclose(zeros, np.broadcast_to(zeros[:1], zeros.shape), rtol=0,
                               atol=1e-6 * np.abs(zeros).max())  # ... the same in every filter
    assert np.abs(default - default[:1]).max() > 0.05


def test_a_diverging_run_stops_all_runs_at_the_last_sane_step(digit):
    lockstep = Lockstep([Config(), Config(optimizer="sgd", lr=1e20)], *digit, names=["calm", "wild"])
    lockstep.step(20)
    assert lockstep.diverged and "wild" in lockstep.diverged and "calm" not in lockstep.diverged
    assert lockstep.step(10) == 0
    assert all(np.isfinite(s.filters).all() and np.isfinite(s.loss) for s in lockstep.snapshots())
    calm = Trainer(Config(), *digit)
    calm.step(lockstep.step_count)
    np.testing.assert_allclose(lockstep.filters()[0], calm.snapshot().filters, atol=1e-6)


def test_set_image_moves_every_run_to_the_new_digit(digit):
    lockstep = Lockstep([Config(seed=1), Config(seed=2)], *digit)
    lockstep.step(100)
    seven, _ = bundled_digit(7)
    lockstep.set_image(seven, 7)
    before = [np.abs(s.cosine).mean() for s in lockstep.snapshots()]
    lockstep.step(200)
    for snap, cos in zip(lockstep.snapshots(), before):
        assert snap.label == 7 and np.abs(snap.cosine).mean() > cos + 0.3
    assert lockstep.image_history.steps == [0, 100]


def test_runs_must_share_the_model_shape(digit):
    with pytest.raises(ConfigError, match="filters"):
        Lockstep([Config(filters=3), Config(filters=4)], *digit)
    with pytest.raises(ConfigError, match="kernel"):
        Lockstep([Config(kernel=5), Config(kernel=7)], *digit)


def test_compare_spec_parses_runs_over_a_base():
    base = Config(lr=0.01, filters=3)
    runs = configs_from_spec("seed=1; seed=2 ;optimizer=sgd,lr=0.1,momentum=0.9;init=gaussian,init-value=0.1", base)
    names = [name for name, _ in runs]
    assert names == ["seed=1", "seed=2", "optimizer=sgd,lr=0.1,momentum=0.9", "init=gaussian,init-value=0.1"]
    assert runs[0][1] == base.with_(seed=1)
    assert runs[2][1] == base.with_(optimizer="sgd", lr=0.1, momentum=0.9)
    assert runs[3][1].init_value == 0.1 and runs[3][1].filters == 3


@pytest.mark.parametrize("spec, words", [
    ("seed=1;", "run 2 is empty"),
    ("seed=1;colour=red", "run 2: 'colour=red'"),
    ("seed=1;filters=3", "filters=3"),
    ("seed", "not name=value"),
    ("seed=x", "whole number"),
    ("lr=fast", "number"),
    ("seed=1;lr=-1", "run 2: lr must be > 0"),
    ("optimizer=rmsprop", "optimizer must be one of"),
])
def test_compare_spec_refuses_what_it_cannot_mean(spec, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        configs_from_spec(spec, Config())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_lockstep_on_the_gpu_equals_separate_trainers(digit):
    configs = [Config(device="cuda", **changes) for changes in MIXED]
    lockstep = Lockstep(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    lockstep.step(200)
    for trainer, snap in zip(trainers, lockstep.snapshots()):
        trainer.step(200)
        np.testing.assert_allclose(snap.loss_values, trainer.snapshot().loss_values, rtol=1e-4, atol=1e-6)
